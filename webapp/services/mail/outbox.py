"""The email outbox: queue an email in the database, claim due ones, record outcomes.

A request (or a job) only adds a row; the scheduler's send pass claims due rows under a
lease and commits the claim before it talks SMTP, as for reminders (see
``services.reminders.claims``), so several schedulers on PostgreSQL never send one twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from webapp.models import Invite, OutboundEmail, User, utcnow
from webapp.services import leases
from webapp.services.db import Db

LEASE = timedelta(seconds=120)
MAX_ATTEMPTS = 6
MAX_BACKOFF_SECONDS = 3600.0
# Where a sign-in link goes in a queued email's bodies (filled in at send time).
LINK = "{link}"


@dataclass(frozen=True)
class Email:
    """What one email says (its bodies may hold the ``{link}`` placeholder)."""

    subject: str
    text: str
    html: str
    headers: Mapping[str, str] | None = None


def queue(
    session: Db,
    email: Email,
    *,
    key: str,
    kind: str,
    to: str,
    user: User | None = None,
    invite: Invite | None = None,
    now: datetime | None = None,
) -> OutboundEmail | None:
    """Add an email to the outbox; return None when one with this key was queued before."""
    if session.scalar(select(OutboundEmail.id).where(OutboundEmail.key == key)) is not None:
        return None
    row = OutboundEmail(
        key=key[:80],
        kind=kind,
        user_id=user.id if user else None,
        invite_id=invite.id if invite else None,
        to_address=to,
        subject=email.subject[:200],
        text_body=email.text,
        html_body=email.html,
        headers=dict(email.headers or {}),
        next_attempt_at=now or utcnow(),
        created_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # queued by a concurrent request a moment ago
        return None
    return row


def queued_since(session: Db, user: User, kind: str, since: datetime) -> int:
    """Return how many emails of a kind were queued for a person since a moment."""
    rows = session.scalars(
        select(OutboundEmail.id).where(
            OutboundEmail.user_id == user.id,
            OutboundEmail.kind == kind,
            OutboundEmail.created_at >= since,
        )
    ).all()
    return len(rows)


def claim(
    session: Db,
    owner: str,
    *,
    now: datetime | None = None,
    limit: int = 50,
    lease: timedelta = LEASE,
) -> list[int]:
    """Claim due emails for this process; the caller commits before sending."""
    now = now or utcnow()
    return leases.claim_due(session, OutboundEmail, owner, now=now, limit=limit, lease=lease)


def claimed(session: Db, ids: list[int], owner: str) -> list[OutboundEmail]:
    """Return the claimed emails this process still holds."""
    if not ids:
        return []
    return list(
        session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.id.in_(ids), OutboundEmail.lease_owner == owner)
            .order_by(OutboundEmail.id)
        )
    )


def finish(
    session: Db,
    email_id: int,
    owner: str,
    *,
    status: str,
    error: str = "",
    now: datetime | None = None,
) -> None:
    """Record that an email was sent, failed for good or was skipped (if still ours)."""
    values: dict[str, object] = {"status": status, "last_error": error[:2000]}
    if status == "sent":
        values["sent_at"] = now or utcnow()
    session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id, OutboundEmail.lease_owner == owner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def retry_later(
    session: Db, email: OutboundEmail, owner: str, error: str, *, now: datetime | None = None
) -> bool:
    """Put an email back for another try with backoff; return False once out of tries."""
    if email.attempts >= MAX_ATTEMPTS:
        finish(session, email.id, owner, status="failed", error=error, now=now)
        return False
    wait = min(30.0 * 2 ** (email.attempts - 1), MAX_BACKOFF_SECONDS)
    session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email.id, OutboundEmail.lease_owner == owner)
        .values(
            status="pending",
            next_attempt_at=(now or utcnow()) + timedelta(seconds=wait),
            lease_owner=None,
            lease_until=None,
            last_error=error[:2000],
        )
        .execution_options(synchronize_session=False)
    )
    return True


def cleanup(session: Db, *, now: datetime | None = None, keep_days: int = 30) -> int:
    """Delete emails finished (sent, failed, skipped) more than ``keep_days`` ago."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    result = session.execute(
        delete(OutboundEmail).where(
            OutboundEmail.status.in_(("sent", "failed", "skipped")),
            OutboundEmail.created_at < cutoff,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
