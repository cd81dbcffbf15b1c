"""Turning rules and booked visits into occurrences: a UTC due time and a unique key each.

A patient's "08:00" stays 08:00 local across daylight-saving changes; nothing is made
inside quiet hours (a visit reminder moves to their end when that is still before the visit).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from webapp.models import Appointment, ReminderRule, ReminderSettings, User, utcnow
from webapp.services import clock, plan
from webapp.services.db import Db
from webapp.services.reminders.settings import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    in_quiet_hours,
    parse_time,
)
from webapp.services.reminders.store import insert_new, new_row, occurrence_key, people

# A reminder that would be due longer ago than this is not made at all.
LATE = timedelta(minutes=5)
# Rows per INSERT statement.
INSERT_BATCH = 500


def local_moment(day: date, local_time: str, timezone: str) -> datetime:
    """Return the UTC instant of a local date and time (08:00 stays 08:00 across DST).

    A time skipped by a spring-forward change is taken an hour later; a time that happens
    twice in autumn is taken the first time.
    """
    zone = ZoneInfo(timezone)
    naive = datetime.combine(day, parse_time(local_time))
    moment = naive.replace(tzinfo=zone)
    # A wall time that does not exist round-trips to a different one: move it forward.
    if moment.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != naive:
        moment = (naive + timedelta(hours=1)).replace(tzinfo=zone, fold=0)
    return moment.astimezone(ZoneInfo("UTC"))


def materialize(session: Db, *, now: datetime | None = None, limit: int = 2000) -> int:
    """Turn rules into occurrences for today and tomorrow, in each patient's zone.

    Idempotent: an occurrence's key (rule, local date) can exist once. Each rule records how
    far it is done and when it next needs a pass, so an idle pass is one indexed query.
    """
    now = now or utcnow()
    created = 0
    rules = list(
        session.scalars(
            select(ReminderRule)
            .where(ReminderRule.next_materialize_at <= now)
            .order_by(ReminderRule.next_materialize_at)
            .limit(limit)
        )
    )
    if rules:
        patients = people(session, {r.patient_id for r in rules})
        settings = {
            s.patient_id: s
            for s in session.scalars(
                select(ReminderSettings).where(ReminderSettings.patient_id.in_(patients))
            )
        }
        rows: list[dict[str, Any]] = []
        for rule in rules:
            patient = patients.get(rule.patient_id)
            if patient is None or patient.is_discharged:
                continue
            quiet = settings.get(rule.patient_id)
            today = clock.local_today(patient.timezone, now)
            first = max(
                today, (rule.materialized_through or today - timedelta(days=1)) + timedelta(days=1)
            )
            day = first
            while day <= today + timedelta(days=1):
                if plan.on_weekday(rule.weekdays, day.weekday()):
                    due = local_moment(day, rule.local_time, patient.timezone)
                    quiet_time = quiet is not None and in_quiet_hours(
                        parse_time(rule.local_time), quiet.quiet_start, quiet.quiet_end
                    )
                    if due > now - LATE and not quiet_time:
                        rows.append(
                            new_row(
                                occurrence_key("r", rule.id, f"-{day:%Y%m%d}"),
                                patient.id,
                                rule.kind,
                                day,
                                due,
                                now,
                                rule_id=rule.id,
                            )
                        )
                day += timedelta(days=1)
            rule.materialized_through = today + timedelta(days=1)
            # When tomorrow becomes today (local midnight), tomorrow's tomorrow is needed.
            rule.next_materialize_at = local_moment(
                today + timedelta(days=1), "00:00", patient.timezone
            )
        for start in range(0, len(rows), INSERT_BATCH):
            created += insert_new(session, rows[start : start + INSERT_BATCH])
    created += _upcoming_visits(session, now)
    session.flush()
    return created


def _upcoming_visits(session: Db, now: datetime) -> int:
    appointments = list(
        session.scalars(
            select(Appointment).where(
                Appointment.status == "booked",
                Appointment.starts_at > now,
                Appointment.starts_at <= now + timedelta(days=2),
            )
        )
    )
    if not appointments:
        return 0
    patients = people(session, {a.patient_id for a in appointments})
    return materialize_visits(session, appointments, patients, now)


def materialize_visits(
    session: Db, appointments: Sequence[Appointment], patients: dict[int, User], now: datetime
) -> int:
    """Make the reminders of booked visits: the evening before and two hours ahead."""
    settings = {
        s.patient_id: s
        for s in session.scalars(
            select(ReminderSettings).where(ReminderSettings.patient_id.in_(list(patients)))
        )
    }
    rows = []
    for appointment in appointments:
        patient = patients.get(appointment.patient_id)
        if patient is None or patient.is_discharged:
            continue
        chosen = settings.get(patient.id)
        if chosen is not None and not chosen.visit_on:
            continue
        quiet_start = chosen.quiet_start if chosen else DEFAULT_QUIET_START
        quiet_end = chosen.quiet_end if chosen else DEFAULT_QUIET_END
        local_start = clock.local_now(patient.timezone, appointment.starts_at)
        candidates = [
            ("d", local_moment(local_start.date() - timedelta(days=1), "18:00", patient.timezone)),
            ("h", appointment.starts_at - timedelta(hours=2)),
        ]
        for suffix, due in candidates:
            local_due = clock.local_now(patient.timezone, due)
            if in_quiet_hours(local_due.time(), quiet_start, quiet_end):
                # Move it to the end of quiet hours when that is still before the visit.
                moved = local_moment(local_due.date(), quiet_end, patient.timezone)
                if moved <= local_due.astimezone(ZoneInfo("UTC")):
                    moved = local_moment(
                        local_due.date() + timedelta(days=1), quiet_end, patient.timezone
                    )
                if moved >= appointment.starts_at:
                    continue
                due = moved
            if due <= now - LATE:
                continue
            rows.append(
                new_row(
                    occurrence_key("v", appointment.id, suffix),
                    patient.id,
                    "visit",
                    clock.local_today(patient.timezone, due),
                    due,
                    now,
                    appointment_id=appointment.id,
                )
            )
    return insert_new(session, rows)
