"""Whether a claimed reminder still goes out: never late, never in quiet hours, never needless.

A reminder is skipped when the patient is discharged, when its work is already done today
(every planned exercise slot; the check-in and any questionnaire due), when the patient
turned that kind off, inside quiet hours, for a visit that was cancelled, and when it is
older than its time to live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.models import (
    Appointment,
    CheckIn,
    Completion,
    Message,
    MessageRead,
    Program,
    ReminderOccurrence,
    ReminderSettings,
    User,
)
from webapp.services import clock, outcomes, plan
from webapp.services.db import Db
from webapp.services.reminders.settings import in_quiet_hours

# How long a push service keeps an undelivered message, per kind (and how late we still send).
TTL = {
    "exercise": 4 * 3600,
    "checkin": 4 * 3600,
    "visit": 12 * 3600,
    "test": 3600,
    "snooze": 2 * 3600,
    "alert": 12 * 3600,
    "message": 24 * 3600,
}
NOTHING = plan.DayCount(0, 0)


@dataclass
class DayFacts:
    """What the skip rules and the wording know of the patients' days."""

    checked_in: set[tuple[int, date]] = field(default_factory=set)
    exercises: dict[tuple[int, date], plan.DayCount] = field(default_factory=dict)
    # Patients with a questionnaire due on their check-in reminder's day: its slug.
    questionnaires: dict[int, str] = field(default_factory=dict)
    # (message, recipient) pairs needing no push any more: read, or taken back.
    settled_messages: set[tuple[int, int]] = field(default_factory=set)

    def exercise_count(self, patient_id: int, day: date) -> plan.DayCount:
        """Return the exercise slots planned and done on a patient's day (as far as known)."""
        return self.exercises.get((patient_id, day), NOTHING)


def day_facts(session: Db, occurrences: Sequence[ReminderOccurrence]) -> DayFacts:
    """Read the check-ins present and the exercise slots planned and done, for these reminders."""
    checkin_keys = {(o.user_id, o.local_date) for o in occurrences if o.kind == "checkin"}
    # A snoozed exercise reminder is skipped too once everything planned is done.
    exercise_keys = {
        (o.user_id, o.local_date) for o in occurrences if o.kind in ("exercise", "snooze")
    }
    facts = DayFacts()
    facts.settled_messages = settled_messages(session, occurrences)
    if checkin_keys:
        rows = session.execute(
            select(CheckIn.patient_id, CheckIn.local_date).where(
                CheckIn.patient_id.in_({p for p, _ in checkin_keys}),
                CheckIn.local_date.in_({d for _, d in checkin_keys}),
            )
        )
        facts.checked_in = {(p, d) for p, d in rows if (p, d) in checkin_keys}
        # A due questionnaire rides on the check-in reminder: the same time, once a day,
        # the same quiet hours.
        facts.questionnaires = outcomes.due_by_patient(session, dict(checkin_keys))
    if exercise_keys:
        patient_ids = {p for p, _ in exercise_keys}
        days = {d for _, d in exercise_keys}
        programs_by_patient: dict[int, list[Program]] = defaultdict(list)
        for candidate in session.scalars(
            select(Program)
            .where(Program.patient_id.in_(patient_ids), *plan.covering(min(days), max(days)))
            .options(selectinload(Program.items))
        ):
            programs_by_patient[candidate.patient_id].append(candidate)
        done_slots: dict[tuple[int, date], set[tuple[str, int]]] = defaultdict(set)
        for patient_id, local_date, lineage, slot in session.execute(
            select(
                Completion.patient_id, Completion.local_date, Completion.lineage, Completion.slot
            ).where(
                Completion.patient_id.in_(patient_ids),
                Completion.local_date.in_(days),
                Completion.undone_at.is_(None),
                Completion.lineage.is_not(None),
            )
        ):
            done_slots[(patient_id, local_date)].add((lineage or "", slot))
        for patient_id, day in exercise_keys:
            facts.exercises[(patient_id, day)] = plan.day_count(
                programs_by_patient.get(patient_id, []), day, done_slots[(patient_id, day)]
            )
    return facts


def settled_messages(
    session: Db, occurrences: Sequence[ReminderOccurrence]
) -> set[tuple[int, int]]:
    """Return the (message, recipient) pairs of these reminders that were read or taken back."""
    wanted = {(o.message_id, o.user_id) for o in occurrences if o.message_id}
    if not wanted:
        return set()
    ids = {m for m, _ in wanted}
    settled = {
        (m, u)
        for m, u in session.execute(
            select(MessageRead.message_id, MessageRead.reader_id).where(
                MessageRead.message_id.in_(ids)
            )
        )
    }
    withdrawn = set(
        session.scalars(
            select(Message.id).where(Message.id.in_(ids), Message.withdrawn_at.is_not(None))
        )
    )
    return {(m, u) for m, u in wanted if (m, u) in settled or m in withdrawn}


def skip_reason(
    occurrence: ReminderOccurrence,
    patient: User | None,
    settings: dict[int, ReminderSettings],
    facts: DayFacts,
    appointments: dict[int, Appointment],
    now: datetime,
) -> str | None:
    """Return why a claimed reminder must not go out, or None when it should."""
    if patient is None or not patient.is_active:
        return "no patient"
    if patient.is_patient and patient.is_discharged:
        return "discharged"
    if occurrence.kind != "test" and now - occurrence.due_at > timedelta(
        seconds=TTL[occurrence.kind]
    ):
        return "too late"
    chosen = settings.get(patient.id)
    if occurrence.kind in ("exercise", "checkin", "snooze", "visit") and chosen is not None:
        local = clock.local_now(patient.timezone, now).time()
        if in_quiet_hours(local, chosen.quiet_start, chosen.quiet_end):
            return "quiet hours"
        if occurrence.kind == "exercise" and not chosen.exercise_on:
            return "turned off"
        if occurrence.kind == "checkin" and not chosen.checkin_on:
            return "turned off"
        if occurrence.kind == "visit" and not chosen.visit_on:
            return "turned off"
    if occurrence.kind in ("exercise", "snooze"):
        count = facts.exercise_count(patient.id, occurrence.local_date)
        if occurrence.kind == "exercise" and count.planned == 0:
            return "nothing planned"
        if count.planned and count.done >= count.planned:
            return "already done"
    if occurrence.kind == "message" and (occurrence.message_id, patient.id) in (
        facts.settled_messages
    ):
        return "read or taken back"
    if (
        occurrence.kind == "checkin"
        and (patient.id, occurrence.local_date) in facts.checked_in
        and patient.id not in facts.questionnaires
    ):
        return "already checked in"
    if occurrence.kind == "visit":
        appointment = appointments.get(occurrence.appointment_id or 0)
        if appointment is None or appointment.status != "booked" or appointment.starts_at <= now:
            return "visit cancelled or past"
    return None
