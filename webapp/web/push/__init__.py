"""Push subscriptions, test pushes and snoozes, over HTTP."""

from __future__ import annotations

from webapp.web.push.routes import bp

__all__ = ["bp"]
