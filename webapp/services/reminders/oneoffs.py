"""Single reminders: a test from the settings page, a snooze, and the in-app banner.

A notification's "Snooze 30 min" button carries a signed token rather than a session: the
service worker may have no page open. The token names one reminder and its patient.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from webapp.models import ReminderOccurrence, User, utcnow
from webapp.services import clock
from webapp.services.db import Db
from webapp.services.errors import ValidationError
from webapp.services.languages import N_
from webapp.services.reminders.settings import in_quiet_hours, settings_for
from webapp.services.reminders.store import occurrence_key

SNOOZE = timedelta(minutes=30)
# How long a notification's snooze button keeps working.
SNOOZE_MAX_AGE = 12 * 3600


def one_off(
    session: Db,
    user: User,
    *,
    key: str,
    kind: str,
    due: datetime,
    rule_id: int | None = None,
) -> ReminderOccurrence:
    """Add a single reminder (a test, a snooze) due at a moment."""
    occurrence = ReminderOccurrence(
        key=key,
        user_id=user.id,
        kind=kind,
        local_date=clock.local_today(user.timezone, due),
        due_at=due,
        next_attempt_at=due,
        status="pending",
        delivered_to=[],
        rule_id=rule_id,
    )
    session.add(occurrence)
    session.flush()
    return occurrence


def new_test(session: Db, user: User, *, now: datetime | None = None) -> ReminderOccurrence:
    """Make a test reminder due now."""
    return one_off(
        session, user, key=f"t{secrets.token_urlsafe(12)}", kind="test", due=now or utcnow()
    )


def snooze(
    session: Db, occurrence_id: int, patient_id: int, *, now: datetime | None = None
) -> ReminderOccurrence | None:
    """Remind again in 30 minutes (once per reminder); None if that lands in quiet hours."""
    now = now or utcnow()
    original = session.get(ReminderOccurrence, occurrence_id)
    patient = session.get(User, patient_id)
    if original is None or patient is None or original.user_id != patient.id:
        raise ValidationError(N_("This reminder is no longer available."))
    due = now + SNOOZE
    chosen = settings_for(session, patient)
    local_due = clock.local_now(patient.timezone, due)
    if in_quiet_hours(local_due.time(), chosen.quiet_start, chosen.quiet_end):
        return None
    key = occurrence_key("s", original.id)
    existing = session.scalar(select(ReminderOccurrence).where(ReminderOccurrence.key == key))
    if existing is not None:
        if existing.status == "pending":
            existing.due_at = existing.next_attempt_at = due
        return existing
    return one_off(
        session,
        patient,
        key=key,
        kind="snooze" if original.kind == "exercise" else original.kind,
        due=due,
        rule_id=original.rule_id,
    )


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="reminder-snooze")


def snooze_token(secret_key: str, occurrence_id: int, patient_id: int) -> str:
    """Return a token that lets a notification's button snooze this one reminder."""
    return str(_serializer(secret_key).dumps([occurrence_id, patient_id]))


def read_snooze_token(secret_key: str, token: str) -> tuple[int, int] | None:
    """Return (occurrence id, patient id) from a snooze token, or None if it is not valid."""
    try:
        value: object = _serializer(secret_key).loads(token, max_age=SNOOZE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, int) for v in value):
        return None
    return value[0], value[1]


def inapp_banner(
    session: Db, patient: User, *, now: datetime | None = None
) -> ReminderOccurrence | None:
    """Return today's latest reminder that went to the app (no device took push)."""
    now = now or utcnow()
    return session.scalar(
        select(ReminderOccurrence)
        .where(
            ReminderOccurrence.user_id == patient.id,
            ReminderOccurrence.local_date == clock.local_today(patient.timezone, now),
            ReminderOccurrence.status == "inapp",
            ReminderOccurrence.kind.in_(["exercise", "checkin", "visit", "snooze"]),
            ReminderOccurrence.due_at <= now,
        )
        .order_by(ReminderOccurrence.due_at.desc())
        .limit(1)
    )
