"""Claiming due reminders under a lease, so several scheduler processes share the work.

The claim is committed before any network I/O. On PostgreSQL ``FOR UPDATE SKIP LOCKED``
lets processes claim side by side; on SQLite the same atomic ``UPDATE ... RETURNING`` serves
the one scheduler. A claim whose lease ran out (its process died) is claimed again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from webapp.models import ReminderOccurrence, utcnow
from webapp.services import leases
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
    return leases.claim_due(session, ReminderOccurrence, owner, now=now, limit=limit, lease=lease)


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
