"""The weekly "who needs you" email to each therapist: counts and a link, no health detail.

On by default; a therapist turns it off in their settings or with the email's one-click
unsubscribe (RFC 8058: ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.models import EmailPreference, Role, User, utcnow
from webapp.services import clinic
from webapp.services.db import Db
from webapp.services.mail import outbox
from webapp.services.mail.settings import MailSettings
from webapp.services.mail.wording import summary
from webapp.services.messages import unread_total


@dataclass(frozen=True)
class WeekCounts:
    """What the summary tells a therapist."""

    attention: int
    alerts: int
    unread: int


def wants_summary(session: Db, user: User) -> bool:
    """Return True unless the person turned the weekly summary off."""
    chosen = session.get(EmailPreference, user.id)
    return chosen.weekly_summary if chosen is not None else True


def set_summary(session: Db, user: User, on: bool, *, now: datetime | None = None) -> None:
    """Turn the weekly summary on or off for a person."""
    chosen = session.get(EmailPreference, user.id)
    if chosen is None:
        chosen = EmailPreference(user_id=user.id)
        session.add(chosen)
    chosen.weekly_summary = on
    chosen.updated_at = now or utcnow()


def unsubscribe_token(secret: str, user_id: int) -> str:
    """Return the token of a person's one-click unsubscribe link."""
    message = f"weekly-summary-unsubscribe\x00{user_id}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def unsubscriber(session: Db, secret: str, user_id: int, token: str) -> User | None:
    """Return the person an unsubscribe link names, if its token is right."""
    if not hmac.compare_digest(unsubscribe_token(secret, user_id), token or ""):
        return None
    return session.get(User, user_id)


def counts(session: Db, therapist: User, *, now: datetime | None = None) -> WeekCounts:
    """Return how many patients need the therapist, open alerts and unread messages."""
    rows = clinic.patient_rows(session, therapist, now=now)
    return WeekCounts(
        attention=sum(1 for r in rows if r.needs_attention),
        alerts=sum(r.open_alerts for r in rows),
        unread=unread_total(session, therapist),
    )


def queue_weekly(
    session: Db, settings: MailSettings, secret: str, *, now: datetime | None = None
) -> int:
    """Queue this week's summary to every therapist who wants it (once per week)."""
    now = now or utcnow()
    if not settings.enabled:
        return 0
    year, week, _ = now.isocalendar()
    queued = 0
    for therapist in session.scalars(
        select(User).where(User.role == Role.THERAPIST, User.is_active.is_(True))
    ):
        if not therapist.email or not wants_summary(session, therapist):
            continue
        link = f"{settings.base_url}/email/unsubscribe/{therapist.id}/"
        link += unsubscribe_token(secret, therapist.id)
        email = summary(
            therapist,
            settings.clinic_name,
            asdict(counts(session, therapist, now=now)),
            patients_url=f"{settings.base_url}/clinic/",
            unsubscribe_url=link,
            clinic_language=settings.clinic_language,
        )
        key = f"summary:{therapist.id}:{year}-W{week:02d}"
        if outbox.queue(
            session, email, key=key, kind="summary", to=therapist.email, user=therapist, now=now
        ):
            queued += 1
    return queued
