"""Single-use invite links: issue, check and redeem."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update

from webapp.models import Invite, InvitePurpose, User, utcnow
from webapp.services.db import Db

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest a token is stored under."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Db,
    user: User,
    *,
    created_by: User | None,
    purpose: InvitePurpose = InvitePurpose.INVITE,
    ttl_days: int = 7,
    now: datetime | None = None,
) -> str:
    """Create a new invite for a user, void any earlier open one, and return its token."""
    now = now or utcnow()
    void_open(session, user, now=now)
    token = secrets.token_urlsafe(32)
    session.add(
        Invite(
            user_id=user.id,
            token_hash=hash_token(token),
            purpose=purpose,
            created_by_id=created_by.id if created_by else None,
            created_at=now,
            expires_at=now + timedelta(days=ttl_days),
        )
    )
    session.flush()
    return token


def void_open(session: Db, user: User, *, now: datetime | None = None) -> None:
    """Void every unused invite of a user."""
    session.execute(
        update(Invite)
        .where(Invite.user_id == user.id, Invite.used_at.is_(None), Invite.voided_at.is_(None))
        .values(voided_at=now or utcnow())
    )


class InviteStatus(StrEnum):
    """What a presented token turned out to be."""

    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    INVALID = "invalid"


@dataclass(frozen=True)
class InviteCheck:
    """The outcome of checking a token."""

    status: InviteStatus
    invite: Invite | None = None

    @property
    def ok(self) -> bool:
        """Return True when the token can be redeemed."""
        return self.status is InviteStatus.VALID


def check(session: Db, token: str, *, now: datetime | None = None) -> InviteCheck:
    """Look a token up and say whether it can still be used."""
    if not _TOKEN_RE.match(token or ""):
        return InviteCheck(InviteStatus.INVALID)
    invite = session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if invite is None:
        return InviteCheck(InviteStatus.INVALID)
    if invite.used_at is not None or invite.voided_at is not None:
        return InviteCheck(InviteStatus.USED, invite)
    if not invite.user.is_active:
        return InviteCheck(InviteStatus.INVALID)
    if invite.expires_at <= (now or utcnow()):
        return InviteCheck(InviteStatus.EXPIRED, invite)
    return InviteCheck(InviteStatus.VALID, invite)


def mark_used(session: Db, invite: Invite, *, now: datetime | None = None) -> bool:
    """Mark an invite used; return False if another request used it first."""
    result = session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.voided_at.is_(None))
        .values(used_at=now or utcnow())
    )
    return bool(getattr(result, "rowcount", 0) == 1)
