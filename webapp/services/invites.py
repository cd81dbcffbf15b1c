"""Single-use invite links: issue, check and redeem."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update

from webapp.models import Invite, InvitePurpose, User, utcnow
from webapp.services.db import Db

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest a token is stored under."""
    return hashlib.sha256(token.encode()).hexdigest()


def _link_token(link_key: bytes, user_id: int, purpose: InvitePurpose, created_at: datetime) -> str:
    # The token is a keyed hash of facts the invite row keeps, so the server can show the
    # link again without storing it anywhere (not in the database, not in a session
    # cookie): the database alone still cannot make a working link. The creation moment
    # keeps a restored backup's reused row id from ever matching an older link.
    stamp = created_at.astimezone(UTC).isoformat()
    message = f"invite-link\x00{user_id}\x00{purpose.value}\x00{stamp}".encode()
    digest = hmac.new(link_key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(
    session: Db,
    user: User,
    *,
    created_by: User | None,
    purpose: InvitePurpose = InvitePurpose.INVITE,
    ttl_days: int = 7,
    ttl: timedelta | None = None,
    link_key: bytes | None = None,
    now: datetime | None = None,
) -> str:
    """Create a new invite for a user, void any earlier open one, and return its token.

    With a ``link_key`` the link can be shown again later (``open_link_token``); without
    one it is random and can be shown only now.
    """
    now = now or utcnow()
    void_open(session, user, now=now)
    if link_key is None:
        token = secrets.token_urlsafe(32)
    else:
        token = _link_token(link_key, user.id, purpose, now)
    session.add(
        Invite(
            user_id=user.id,
            token_hash=hash_token(token),
            purpose=purpose,
            created_by_id=created_by.id if created_by else None,
            created_at=now,
            expires_at=now + (ttl or timedelta(days=ttl_days)),
        )
    )
    session.flush()
    return token


def open_link_token(
    session: Db, user: User, *, link_key: bytes, now: datetime | None = None
) -> str | None:
    """Return the token of the user's open invite, or None when there is none to show."""
    invite = session.scalar(
        select(Invite)
        .where(
            Invite.user_id == user.id,
            Invite.used_at.is_(None),
            Invite.voided_at.is_(None),
            Invite.expires_at > (now or utcnow()),
        )
        .order_by(Invite.created_at.desc())
        .limit(1)
    )
    if invite is None:
        return None
    # A random link, or one made under another key, cannot be rebuilt: say there is none.
    return rebuilt_token(invite, link_key=link_key, now=now)


def link_key_from_secret(secret: str) -> bytes:
    """Return the key invite links are made with, derived from the app's secret key."""
    # A key of its own, so no other signature can be replayed as an invite link.
    return hmac.new(secret.encode(), b"between-visits invite links", hashlib.sha256).digest()


def link_path(token: str) -> str:
    """Return the path of an invite link (the web layer's ``auth.invite`` route)."""
    return f"/i/{token}"


def rebuilt_token(invite: Invite, *, link_key: bytes, now: datetime | None = None) -> str | None:
    """Return the token of an open invite made with ``link_key``, else None."""
    if invite.used_at is not None or invite.voided_at is not None:
        return None
    if invite.expires_at <= (now or utcnow()):
        return None
    token = _link_token(link_key, invite.user_id, invite.purpose, invite.created_at)
    if not hmac.compare_digest(hash_token(token), invite.token_hash):
        return None
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
