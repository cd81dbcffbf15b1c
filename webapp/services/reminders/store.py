"""Reminder occurrences as stored: their keys, new rows, inserts that skip duplicates, cleanup.

An occurrence's key (a rule and a local date, a visit, a snooze ...) can exist once, so
making the same reminder twice, from two processes or two passes, inserts it once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Insert, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webapp.models import ReminderOccurrence, User, utcnow
from webapp.services.db import Db

# What a finished occurrence may be; only these are ever cleaned up.
FINISHED = ("sent", "inapp", "skipped", "failed")


def occurrence_key(prefix: str, ident: int, suffix: str = "") -> str:
    """Return a key that is a valid Web Push Topic: <= 32 URL-safe characters."""
    key = f"{prefix}{ident}{suffix}"
    assert len(key) <= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", key), key
    return key


def new_row(
    key: str, patient_id: int, kind: str, day: date, due: datetime, now: datetime, **extra: Any
) -> dict[str, Any]:
    """Return the column values of a pending occurrence, for ``insert_new``."""
    return {
        "key": key,
        "user_id": patient_id,
        "kind": kind,
        "local_date": day,
        "due_at": due,
        "next_attempt_at": due,
        "status": "pending",
        "attempts": 0,
        "skip_reason": "",
        "last_error": "",
        "delivered_to": [],
        "created_at": now,
        **extra,
    }


def insert_new(session: Db, rows: list[dict[str, Any]]) -> int:
    """Insert occurrences whose key is not taken yet; return how many were inserted."""
    if not rows:
        return 0
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = (
            pg_insert(ReminderOccurrence)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    else:
        statement = (
            sqlite_insert(ReminderOccurrence)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    # RETURNING lists only the rows really inserted (rowcount is unreliable for batches).
    return len(session.execute(statement.returning(ReminderOccurrence.id)).all())


def drop_pending(session: Db, where: list[ColumnElement[bool]], now: datetime) -> None:
    """Delete pending occurrences still to come that match ``where``."""
    session.execute(
        delete(ReminderOccurrence).where(
            ReminderOccurrence.status == "pending", ReminderOccurrence.due_at > now, *where
        )
    )


def people(session: Db, ids: Iterable[int]) -> dict[int, User]:
    """Return the people with these ids, by id."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def cleanup(session: Db, *, now: datetime | None = None, keep_days: int = 30) -> int:
    """Delete finished occurrences older than ``keep_days``."""
    now = now or utcnow()
    result = session.execute(
        delete(ReminderOccurrence).where(
            ReminderOccurrence.due_at < now - timedelta(days=keep_days),
            ReminderOccurrence.status.in_(FINISHED),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
