"""The therapist's pages."""

from __future__ import annotations

from webapp.web.therapist import clinic  # noqa: F401  (registers the clinic views)
from webapp.web.therapist.routes import bp

__all__ = ["bp"]
