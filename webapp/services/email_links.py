"""Sign-in links by email: "Forgot password?" (never saying who has an account) and invites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from webapp.models import Invite, InvitePurpose, User, utcnow
from webapp.services import audit, invites
from webapp.services.db import Db
from webapp.services.errors import ValidationError
from webapp.services.languages import N_
from webapp.services.mail import outbox, wording

# One reset email per account in this window, however many times it is asked for.
ACCOUNT_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class LinkPolicy:
    """What emailed links are made with."""

    clinic_name: str
    ttl_minutes: int
    link_key: bytes
    # For people who have not chosen a language: each email speaks its recipient's.
    clinic_language: str = "en"


def _account(session: Db, address: str) -> User | None:
    address = address.strip().lower()
    if "@" not in address or len(address) > 254:
        return None
    return session.scalar(
        select(User).where(
            User.is_active.is_(True),
            User.email.is_not(None),
            or_(User.email == address, User.login == address),
        )
    )


def request_reset(
    session: Db, address: str, policy: LinkPolicy, *, now: datetime | None = None
) -> None:
    """Queue a reset email when an account uses this address; otherwise do nothing.

    The caller answers the same either way, so nobody learns who has an account.
    """
    now = now or utcnow()
    user = _account(session, address)
    if user is None or user.email is None:
        return
    if outbox.queued_since(session, user, "reset", now - ACCOUNT_WINDOW):
        return
    purpose = InvitePurpose.RESET if user.has_password else InvitePurpose.INVITE
    invites.issue(
        session,
        user,
        created_by=None,
        purpose=purpose,
        ttl=timedelta(minutes=policy.ttl_minutes),
        link_key=policy.link_key,
        now=now,
    )
    invite = session.scalar(
        select(Invite).where(Invite.user_id == user.id).order_by(Invite.id.desc()).limit(1)
    )
    email = wording.reset(user, policy.clinic_name, policy.ttl_minutes, policy.clinic_language)
    outbox.queue(
        session,
        email,
        key=f"reset:{invite.id if invite else user.id}:{now.timestamp():.0f}",
        kind="reset",
        to=user.email,
        user=user,
        invite=invite,
        now=now,
    )
    audit.record(
        session, user, "account.reset_requested", patient=user if user.is_patient else None
    )


def email_invite(
    session: Db,
    therapist: User,
    patient: User,
    policy: LinkPolicy,
    *,
    ttl_days: int,
    now: datetime | None = None,
) -> None:
    """Queue the patient's open invite link by email (instead of showing its QR code)."""
    now = now or utcnow()
    if not patient.email:
        raise ValidationError(N_("This patient has no email address."))
    invite = session.scalar(
        select(Invite)
        .where(
            Invite.user_id == patient.id,
            Invite.used_at.is_(None),
            Invite.voided_at.is_(None),
            Invite.expires_at > now,
        )
        .order_by(Invite.id.desc())
        .limit(1)
    )
    if invite is None or invites.rebuilt_token(invite, link_key=policy.link_key, now=now) is None:
        raise ValidationError(N_("There is no open link to send. Make a new link first."))
    queued = outbox.queue(
        session,
        wording.invite(patient, policy.clinic_name, ttl_days, policy.clinic_language),
        key=f"invite:{invite.id}",
        kind="invite",
        to=patient.email,
        user=patient,
        invite=invite,
        now=now,
    )
    if queued is None:
        raise ValidationError(N_("This link was already sent by email."))
    audit.record(session, therapist, "patient.invite_emailed", patient=patient)
