"""The exercise library: browse, read, and the clinic's own exercises."""

from __future__ import annotations

from webapp.web.library import posing  # noqa: F401  (its views join the blueprint)
from webapp.web.library.routes import bp

__all__ = ["bp"]
