"""Claiming due work under a lease, so several scheduler processes share it safely.

Reminders (``reminders.claims``) and emails (``mail.outbox``) are claimed the same way: rows
that are due (``pending`` and past ``next_attempt_at``), or whose lease ran out (``sending``
by a process that died), move to ``sending`` for this owner in one atomic
``UPDATE ... RETURNING``. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets processes claim side
by side; on SQLite the one scheduler gets the same statement. The caller commits the claim
before any network I/O.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from webapp.models import OutboundEmail, ReminderOccurrence
from webapp.services.db import Db

Leased = type[ReminderOccurrence] | type[OutboundEmail]


def claim_due(
    session: Db, model: Leased, owner: str, *, now: datetime, limit: int, lease: timedelta
) -> list[int]:
    """Claim up to ``limit`` due rows of ``model`` for ``owner``; return their ids."""
    due = (
        select(model.id)
        .where(
            or_(
                and_(model.status == "pending", model.next_attempt_at <= now),
                and_(model.status == "sending", model.lease_until < now),
            )
        )
        .order_by(model.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        update(model)
        .where(model.id.in_(due.scalar_subquery()))
        .values(
            status="sending",
            lease_owner=owner,
            lease_until=now + lease,
            attempts=model.attempts + 1,
        )
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in result]
