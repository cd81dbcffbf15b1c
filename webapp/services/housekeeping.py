"""Removing data the clinic no longer needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_

from webapp.models import Invite, utcnow
from webapp.services.db import Db


def purge_expired_invites(session: Db, *, now: datetime | None = None) -> int:
    """Delete invite rows that expired, were used or were voided more than 30 days ago."""
    cutoff = (now or utcnow()) - timedelta(days=30)
    result = session.execute(
        delete(Invite).where(
            or_(Invite.expires_at < cutoff, Invite.used_at < cutoff, Invite.voided_at < cutoff)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
