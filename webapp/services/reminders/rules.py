"""Reminder rules follow the patient's settings, program and visits.

A rule is a local time on some weekdays; ``materialize`` turns it into occurrences. When
settings, the program or a visit change, the rules change and the pending reminders still
to come are made again.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from webapp.models import (
    Appointment,
    Program,
    ProgramStatus,
    ReminderOccurrence,
    ReminderRule,
    ReminderSettings,
    User,
    utcnow,
)
from webapp.services import plan
from webapp.services.db import Db
from webapp.services.reminders.materializing import materialize_visits
from webapp.services.reminders.settings import (
    SettingsInput,
    checked_exercise_times,
    exercise_times,
    settings_for,
)
from webapp.services.reminders.store import drop_pending

# A new or rebuilt rule is due for materializing at once, whatever "now" is.
AS_SOON_AS_POSSIBLE = datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))
EVERY_DAY = 0b1111111


def save_settings(
    session: Db, patient: User, data: SettingsInput, *, now: datetime | None = None
) -> ReminderSettings:
    """Check and save reminder settings, then rebuild the patient's reminders."""
    times = checked_exercise_times(data)
    settings = settings_for(session, patient)
    settings.exercise_on = data.exercise_on
    settings.exercise_times = times
    settings.checkin_on = data.checkin_on
    settings.checkin_time = data.checkin_time
    settings.visit_on = data.visit_on
    settings.quiet_start = data.quiet_start
    settings.quiet_end = data.quiet_end
    settings.updated_at = now or utcnow()
    sync_rules(session, patient, now=now, rebuild=True)
    return settings


def _active_program(session: Db, patient: User) -> Program | None:
    return session.scalar(
        select(Program)
        .where(Program.patient_id == patient.id, Program.status == ProgramStatus.ACTIVE)
        .options(selectinload(Program.items))
        .order_by(Program.id.desc())
        .limit(1)
    )


def sync_rules(
    session: Db, patient: User, *, now: datetime | None = None, rebuild: bool = False
) -> list[ReminderRule]:
    """Make the patient's rules match their settings and program.

    With ``rebuild``, pending rule-based reminders still to come are made again (after a
    change of quiet hours, say).
    """
    now = now or utcnow()
    settings = settings_for(session, patient)
    program = _active_program(session, patient)
    wanted: set[tuple[str, str, int]] = set()
    items = plan.current_items(program) if program is not None else []
    # A discharged patient is reminded of nothing (their reminders stop with their care).
    in_care = not patient.is_discharged
    if in_care and settings.exercise_on and items:
        weekdays = 0
        for item in items:
            weekdays |= item.weekdays
        wanted |= {("exercise", t, weekdays) for t in exercise_times(settings, program)}
    if in_care and settings.checkin_on:
        wanted.add(("checkin", settings.checkin_time, EVERY_DAY))
    existing = list(
        session.scalars(select(ReminderRule).where(ReminderRule.patient_id == patient.id))
    )
    keep: list[ReminderRule] = []
    for rule in existing:
        signature = (rule.kind, rule.local_time, rule.weekdays)
        if signature in wanted:
            wanted.discard(signature)
            keep.append(rule)
        else:
            drop_pending(session, [ReminderOccurrence.rule_id == rule.id], now)
            session.delete(rule)
    for kind, local_time, weekdays in sorted(wanted):
        rule = ReminderRule(
            patient_id=patient.id,
            kind=kind,
            local_time=local_time,
            weekdays=weekdays,
            materialized_through=None,
            next_materialize_at=AS_SOON_AS_POSSIBLE,
        )
        session.add(rule)
        keep.append(rule)
    if rebuild:
        ids = [r.id for r in keep if r.id is not None]
        if ids:
            drop_pending(session, [ReminderOccurrence.rule_id.in_(ids)], now)
        for rule in keep:
            rule.materialized_through = None
            rule.next_materialize_at = AS_SOON_AS_POSSIBLE
    session.flush()
    return keep


def program_changed(session: Db, patient: User, *, now: datetime | None = None) -> None:
    """Follow a change of the patient's program (new times a day, weekdays, dates)."""
    sync_rules(session, patient, now=now, rebuild=True)


def appointment_changed(
    session: Db, appointment: Appointment, *, now: datetime | None = None
) -> None:
    """Forget pending reminders of a visit that moved or was cancelled; make them again."""
    now = now or utcnow()
    drop_pending(session, [ReminderOccurrence.appointment_id == appointment.id], now)
    session.execute(
        delete(ReminderOccurrence).where(
            ReminderOccurrence.appointment_id == appointment.id,
            ReminderOccurrence.status == "pending",
        )
    )
    session.flush()
    if appointment.status == "booked":
        patient = session.get(User, appointment.patient_id)
        if patient is not None:
            materialize_visits(session, [appointment], {patient.id: patient}, now)
