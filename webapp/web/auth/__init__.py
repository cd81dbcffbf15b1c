"""Signing in and out, invite links, and the account settings every role shares."""

from __future__ import annotations

from webapp.web.auth import second_factor
from webapp.web.auth.routes import bp, index

__all__ = ["bp", "index", "second_factor"]
