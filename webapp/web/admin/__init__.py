"""The clinic admin's pages."""

from __future__ import annotations

from webapp.web.admin.routes import bp

__all__ = ["bp"]
