"""What a reminder says, and the push payload and messages that carry it to each device.

The payload is Safari's Declarative Web Push shape; our service worker reads the same JSON
for other browsers. The ``Topic`` of every message is the occurrence's key, and the
notification's tag is too, so a reminder sent twice replaces itself rather than stacking.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from webapp.models import Alert, Appointment, PushSubscription, ReminderOccurrence, User
from webapp.push_messages import PushMessage
from webapp.services import alert_words, clock, languages
from webapp.services.languages import N_
from webapp.services.reminders.policy import TTL, DayFacts

QUESTIONNAIRE_TITLE = N_("2 minutes: how are your activities going?")
URGENCY = {
    "exercise": "normal",
    "checkin": "normal",
    "visit": "high",
    "test": "high",
    "snooze": "normal",
    "alert": "high",
    "message": "normal",
}


@dataclass
class PayloadContext:
    """What payloads need from outside: absolute URLs, the clinic's name, snooze links."""

    base_url: str
    clinic_name: str
    snooze_link: Callable[[ReminderOccurrence], str]
    # Whom a push is for decides its language; this is for people who have not chosen one.
    clinic_language: str = languages.DEFAULT


@dataclass
class Delivery:
    """What to send for one occurrence."""

    occurrence: ReminderOccurrence
    patient: User
    title: str
    body: str
    url: str
    snooze: bool
    # The recipient's language: the payload's ``lang`` and the snooze button follow it.
    language: str = languages.DEFAULT


def wording(
    occurrence: ReminderOccurrence,
    patient: User,
    facts: DayFacts,
    appointments: dict[int, Appointment],
    clinic_name: str,
    clinic_language: str = languages.DEFAULT,
) -> Delivery:
    """Return what a patient's reminder says (in their language), where it leads, and snooze."""
    language = languages.of(patient.language, clinic_language)

    def deliver(title: str, body: str, url: str, snooze: bool) -> Delivery:
        return Delivery(occurrence, patient, title, body, url, snooze, language)

    if occurrence.kind == "exercise":
        count = facts.exercise_count(occurrence.user_id, occurrence.local_date)
        left = count.planned - count.done
        body = (
            languages.translate_plural(
                language,
                "%(num)d exercise left today. A few gentle minutes help.",
                "%(num)d exercises left today. A few gentle minutes help.",
                left,
            )
            if left
            else languages.translate(language, "Your exercises are waiting.")
        )
        return deliver(
            languages.translate(language, "Time for your exercises"), body, "/me/play", True
        )
    if occurrence.kind == "message":
        # The lock screen names the clinic, never what was written.
        where = "/me/messages" if patient.is_patient else "/clinic/messages"
        title = languages.translate(language, "New message from %(clinic)s", clinic=clinic_name)
        return deliver(
            title, languages.translate(language, "Open Between Visits to read it."), where, False
        )
    if occurrence.kind == "checkin":
        questionnaire = facts.questionnaires.get(occurrence.user_id)
        if questionnaire is None:
            return deliver(
                languages.translate(language, "How are you today?"),
                languages.translate(language, "Take a minute for your daily check-in."),
                "/me/checkin",
                True,
            )
        if (occurrence.user_id, occurrence.local_date) in facts.checked_in:
            return deliver(
                languages.translate(language, QUESTIONNAIRE_TITLE),
                languages.translate(
                    language, "A few questions for your therapist about everyday life."
                ),
                f"/me/questionnaires/{questionnaire}",
                True,
            )
        return deliver(
            languages.translate(language, "How are you today?"),
            languages.translate(
                language, "Your daily check-in, and a short questionnaire for your therapist."
            ),
            "/me/",
            True,
        )
    if occurrence.kind == "visit":
        appointment = appointments.get(occurrence.appointment_id or 0)
        when = clock.local_now(patient.timezone, appointment.starts_at) if appointment else None
        at = languages.format_clock(language, when) if when else ""
        if when is None:
            title = languages.translate(language, "Your visit")
        elif when.date() == occurrence.local_date:
            title = languages.translate(language, "Visit today at %(time)s", time=at)
        else:
            title = languages.translate(language, "Visit tomorrow at %(time)s", time=at)
        body = (
            appointment.place_note
            if appointment and appointment.place_note
            else languages.translate(language, "See you at %(clinic)s.", clinic=clinic_name)
        )
        return deliver(title, body, "/me/", False)
    if occurrence.kind == "snooze":
        return deliver(
            languages.translate(language, "Time for your exercises"),
            languages.translate(language, "Your snoozed reminder."),
            "/me/play",
            False,
        )
    return deliver(
        languages.translate(language, "This is how your reminders will look"),
        languages.translate(
            language, "Reminders from %(clinic)s will appear like this.", clinic=clinic_name
        ),
        "/me/",
        False,
    )


def alert_wording(
    occurrence: ReminderOccurrence,
    therapist: User,
    alert: Alert,
    subject: User | None,
    clinic_language: str = languages.DEFAULT,
) -> Delivery:
    """Return what an alert push to a therapist says (in their language), and where it leads."""
    language = languages.of(therapist.language, clinic_language)
    name = subject.display_name if subject else languages.translate(language, "a patient")
    return Delivery(
        occurrence,
        therapist,
        languages.translate(language, "Alert: %(name)s", name=name),
        alert_words.describe(alert.detail, language),
        f"/clinic/patients/{alert.patient_id}",
        False,
        language,
    )


def build_payload(delivery: Delivery, context: PayloadContext) -> bytes:
    """Return the JSON payload: Safari's Declarative Web Push shape, read by our worker too."""
    base = context.base_url.rstrip("/")
    notification: dict[str, Any] = {
        "title": delivery.title,
        "body": delivery.body,
        "navigate": f"{base}{delivery.url}",
        "tag": delivery.occurrence.key,
        "lang": delivery.language,
        "dir": languages.direction(delivery.language),
        "silent": False,
        "icon": f"{base}/static/icons/icon-192.png",
        "badge": f"{base}/static/icons/badge-96.png",
        "data": {"kind": delivery.occurrence.kind, "key": delivery.occurrence.key},
    }
    if delivery.snooze:
        link = context.snooze_link(delivery.occurrence)
        notification["actions"] = [
            {
                "action": "snooze",
                "title": languages.translate(delivery.language, "Snooze 30 min"),
                "navigate": f"{base}{link}",
            }
        ]
        notification["data"]["snooze_url"] = f"{base}{link}"
    return json.dumps({"web_push": 8030, "notification": notification}).encode()


def messages(
    delivery: Delivery, context: PayloadContext, devices: Iterable[PushSubscription]
) -> list[PushMessage]:
    """Return one message per device, all carrying the same payload."""
    payload = build_payload(delivery, context)
    occurrence = delivery.occurrence
    return [
        PushMessage(
            subscription_id=device.id,
            endpoint=device.endpoint,
            p256dh=device.p256dh,
            auth=device.auth,
            payload=payload,
            ttl=TTL[occurrence.kind],
            urgency=URGENCY[occurrence.kind],
            topic=occurrence.key,
        )
        for device in devices
    ]
