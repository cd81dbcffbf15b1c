"""The therapist's pages."""

from __future__ import annotations

from webapp.web.therapist.routes import bp

__all__ = ["bp"]
