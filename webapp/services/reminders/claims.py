"""Claiming due reminders under a lease, so several scheduler processes share the work.

The claim is committed before any network I/O. On PostgreSQL ``FOR UPDATE SKIP LOCKED``
lets processes claim side by side; on SQLite the same atomic ``UPDATE ... RETURNING`` serves
the one scheduler. A claim whose lease ran out (its process died) is claimed again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from webapp.models import ReminderOccurrence, utcnow
from webapp.services.db import Db

LEASE = timedelta(seconds=60)


def claim(
    session: Db,
    owner: str,
    *,
    now: datetime | None = None,
    limit: int = 500,
    lease: timedelta = LEASE,
) -> list[int]:
    """Claim due occurrences for this process; the caller commits before sending.

    A claim whose lease ran out (its process died) is claimed again.
    """
    now = now or utcnow()
    due = (
        select(ReminderOccurrence.id)
        .where(
            or_(
                and_(
                    ReminderOccurrence.status == "pending",
                    ReminderOccurrence.next_attempt_at <= now,
                ),
                and_(
                    ReminderOccurrence.status == "sending",
                    ReminderOccurrence.lease_until < now,
                ),
            )
        )
        .order_by(ReminderOccurrence.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        update(ReminderOccurrence)
        .where(ReminderOccurrence.id.in_(due.scalar_subquery()))
        .values(
            status="sending",
            lease_owner=owner,
            lease_until=now + lease,
            attempts=ReminderOccurrence.attempts + 1,
        )
        .returning(ReminderOccurrence.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in result]


def claim_one(
    session: Db, occurrence: ReminderOccurrence, owner: str, now: datetime | None = None
) -> list[int]:
    """Claim one specific occurrence (a test sent from the settings page)."""
    now = now or utcnow()
    result = session.execute(
        update(ReminderOccurrence)
        .where(ReminderOccurrence.id == occurrence.id, ReminderOccurrence.status == "pending")
        .values(
            status="sending",
            lease_owner=owner,
            lease_until=now + LEASE,
            attempts=ReminderOccurrence.attempts + 1,
        )
        .returning(ReminderOccurrence.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in result]
