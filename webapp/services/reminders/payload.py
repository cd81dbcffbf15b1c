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
from webapp.services import clock
from webapp.services.reminders.policy import TTL, DayFacts

QUESTIONNAIRE_TITLE = "2 minutes: how are your activities going?"
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


@dataclass
class Delivery:
    """What to send for one occurrence."""

    occurrence: ReminderOccurrence
    patient: User
    title: str
    body: str
    url: str
    snooze: bool


def wording(
    occurrence: ReminderOccurrence,
    patient: User,
    facts: DayFacts,
    appointments: dict[int, Appointment],
    clinic_name: str,
) -> Delivery:
    """Return what a patient's reminder says, where it leads, and whether it offers a snooze."""
    if occurrence.kind == "exercise":
        count = facts.exercise_count(occurrence.user_id, occurrence.local_date)
        left = count.planned - count.done
        body = (
            f"{left} exercise{'s' if left != 1 else ''} left today. A few gentle minutes help."
            if left
            else "Your exercises are waiting."
        )
        return Delivery(occurrence, patient, "Time for your exercises", body, "/me/play", True)
    if occurrence.kind == "message":
        # The lock screen names the clinic, never what was written.
        where = "/me/messages" if patient.is_patient else "/clinic/messages"
        title = f"New message from {clinic_name}"
        return Delivery(occurrence, patient, title, "Open Between Visits to read it.", where, False)
    if occurrence.kind == "checkin":
        questionnaire = facts.questionnaires.get(occurrence.user_id)
        if questionnaire is None:
            return Delivery(
                occurrence,
                patient,
                "How are you today?",
                "Take a minute for your daily check-in.",
                "/me/checkin",
                True,
            )
        if (occurrence.user_id, occurrence.local_date) in facts.checked_in:
            return Delivery(
                occurrence,
                patient,
                QUESTIONNAIRE_TITLE,
                "A few questions for your therapist about everyday life.",
                f"/me/questionnaires/{questionnaire}",
                True,
            )
        return Delivery(
            occurrence,
            patient,
            "How are you today?",
            "Your daily check-in, and a short questionnaire for your therapist.",
            "/me/",
            True,
        )
    if occurrence.kind == "visit":
        appointment = appointments.get(occurrence.appointment_id or 0)
        when = clock.local_now(patient.timezone, appointment.starts_at) if appointment else None
        day = "today" if when and when.date() == occurrence.local_date else "tomorrow"
        title = f"Visit {day} at {when:%H:%M}" if when else "Your visit"
        body = (
            appointment.place_note
            if appointment and appointment.place_note
            else f"See you at {clinic_name}."
        )
        return Delivery(occurrence, patient, title, body, "/me/", False)
    if occurrence.kind == "snooze":
        return Delivery(
            occurrence,
            patient,
            "Time for your exercises",
            "Your snoozed reminder.",
            "/me/play",
            False,
        )
    return Delivery(
        occurrence,
        patient,
        "This is how your reminders will look",
        f"Reminders from {clinic_name} will appear like this.",
        "/me/",
        False,
    )


def alert_wording(
    occurrence: ReminderOccurrence, therapist: User, alert: Alert, subject: User | None
) -> Delivery:
    """Return what an alert push to a therapist says, and where it leads."""
    name = subject.display_name if subject else "a patient"
    return Delivery(
        occurrence,
        therapist,
        f"Alert: {name}",
        alert.detail,
        f"/clinic/patients/{alert.patient_id}",
        False,
    )


def build_payload(delivery: Delivery, context: PayloadContext) -> bytes:
    """Return the JSON payload: Safari's Declarative Web Push shape, read by our worker too."""
    base = context.base_url.rstrip("/")
    notification: dict[str, Any] = {
        "title": delivery.title,
        "body": delivery.body,
        "navigate": f"{base}{delivery.url}",
        "tag": delivery.occurrence.key,
        "lang": "en",
        "dir": "ltr",
        "silent": False,
        "icon": f"{base}/static/icons/icon-192.png",
        "badge": f"{base}/static/icons/badge-96.png",
        "data": {"kind": delivery.occurrence.kind, "key": delivery.occurrence.key},
    }
    if delivery.snooze:
        link = context.snooze_link(delivery.occurrence)
        notification["actions"] = [
            {"action": "snooze", "title": "Snooze 30 min", "navigate": f"{base}{link}"}
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
