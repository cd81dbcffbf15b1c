"""The patient's pages."""

from __future__ import annotations

from webapp.web.patient.routes import bp

__all__ = ["bp"]
