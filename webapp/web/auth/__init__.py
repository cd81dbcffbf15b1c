"""Signing in and out, invite links, "Forgot password?", and the account settings."""

from __future__ import annotations

# Each module registers its views on the blueprint.
from webapp.web.auth import reset, second_factor, unsubscribe
from webapp.web.auth.routes import bp, index

__all__ = ["bp", "index", "reset", "second_factor", "unsubscribe"]
