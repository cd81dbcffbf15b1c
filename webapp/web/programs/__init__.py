"""The therapist's program builder."""

from __future__ import annotations

from webapp.web.programs.routes import bp

__all__ = ["bp"]
