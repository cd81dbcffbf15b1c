"""The installable app: manifest, service worker, offline page."""

from __future__ import annotations

from webapp.web.pwa.routes import bp

__all__ = ["bp"]
