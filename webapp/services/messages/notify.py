"""Telling people of a new message: a push through the reminder path, then maybe an email.

Neither says what was written: the push reads "New message from <clinic>", the email holds
a link. A patient's quiet hours hold their push back until the quiet hours end. When the
recipient has no device that takes push, or has not read the message after a while, an
email with a link follows (once per message and person).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from webapp.models import (
    Message,
    MessageRead,
    OutboundEmail,
    ReminderOccurrence,
    ReminderSettings,
    User,
    utcnow,
)
from webapp.services import care, clock
from webapp.services.db import Db
from webapp.services.mail import outbox, wording
from webapp.services.mail.settings import MailSettings
from webapp.services.reminders.materializing import local_moment
from webapp.services.reminders.settings import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    in_quiet_hours,
)
from webapp.services.reminders.store import insert_new, new_row, occurrence_key

# How far back the email pass looks (older notifications are left alone).
LOOK_BACK = timedelta(days=2)


def recipients(session: Db, message: Message, patient: User) -> Sequence[User]:
    """Return who is told of a message: the care team, or the patient."""
    if message.author_id != patient.id:
        return [patient] if patient.is_active else []
    return [t for t in care.therapists_of(session, patient) if t.is_active]


def push_moment(session: Db, person: User, now: datetime) -> datetime:
    """Return when a push may reach this person: now, or when their quiet hours end."""
    if not person.is_patient:
        return now
    chosen = session.get(ReminderSettings, person.id)
    start = chosen.quiet_start if chosen else DEFAULT_QUIET_START
    end = chosen.quiet_end if chosen else DEFAULT_QUIET_END
    local = clock.local_now(person.timezone, now)
    if not in_quiet_hours(local.time(), start, end):
        return now
    moment = local_moment(local.date(), end, person.timezone)
    return (
        moment
        if moment > now
        else local_moment(local.date() + timedelta(days=1), end, person.timezone)
    )


def queue_pushes(
    session: Db, message: Message, patient: User, *, now: datetime | None = None
) -> int:
    """Queue a "new message" push to each recipient; return how many were queued."""
    now = now or utcnow()
    rows = []
    for person in recipients(session, message, patient):
        due = push_moment(session, person, now)
        key = occurrence_key("m", message.id, f"u{person.id}")
        day = clock.local_now(person.timezone, due).date()
        rows.append(new_row(key, person.id, "message", day, due, now, message_id=message.id))
    return insert_new(session, rows)


def _link(person: User, base_url: str) -> str:
    return f"{base_url}{'/me/messages' if person.is_patient else '/clinic/messages'}"


def email_unread(
    session: Db, settings: MailSettings, *, after: timedelta, now: datetime | None = None
) -> int:
    """Queue an email for messages whose recipient has no push device or has not read them."""
    now = now or utcnow()
    if not settings.enabled:
        return 0
    candidates = session.execute(
        select(ReminderOccurrence.message_id, ReminderOccurrence.user_id)
        .join(Message, Message.id == ReminderOccurrence.message_id)
        .where(
            ReminderOccurrence.kind == "message",
            ReminderOccurrence.due_at > now - LOOK_BACK,
            Message.withdrawn_at.is_(None),
            (ReminderOccurrence.status.in_(("inapp", "failed")))
            | ((ReminderOccurrence.status == "sent") & (ReminderOccurrence.due_at <= now - after)),
            ~select(MessageRead.id)
            .where(
                MessageRead.message_id == ReminderOccurrence.message_id,
                MessageRead.reader_id == ReminderOccurrence.user_id,
            )
            .exists(),
        )
    ).all()
    keys = {f"msg-email:{m}:{u}": u for m, u in candidates if m is not None}
    if not keys:
        return 0
    done = set(session.scalars(select(OutboundEmail.key).where(OutboundEmail.key.in_(keys))))
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(set(keys.values()))))}
    queued = 0
    for key, user_id in keys.items():
        person = people.get(user_id)
        if key in done or person is None or not person.email or not person.is_active:
            continue
        email = wording.new_message(
            person, settings.clinic_name, _link(person, settings.base_url), settings.clinic_language
        )
        if outbox.queue(session, email, key=key, kind="message", to=person.email, user=person):
            queued += 1
    return queued
