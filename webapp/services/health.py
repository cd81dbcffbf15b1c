"""Whether this instance can do its work: the database answers."""

from __future__ import annotations

from sqlalchemy import text

from webapp.services.db import Db


def database_ok(session: Db) -> bool:
    """Return True when the database answers a trivial query."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        session.rollback()
        return False
    return True
