"""What a patient has to answer today, read in one query for Today and the reminders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ScalarSelect, func, select

from webapp.models import Appointment, OutcomeAssignment, OutcomeResponse, User
from webapp.services.db import Db
from webapp.services.outcomes import instruments, schedule
from webapp.services.outcomes.instruments import Instrument
from webapp.services.outcomes.schedule import Occasion


@dataclass(frozen=True)
class DueQuestionnaire:
    """A questionnaire due today, and the draft that keeps answers already given."""

    assignment: OutcomeAssignment
    instrument: Instrument
    occasion: Occasion
    draft_id: int | None


def _last_done() -> ScalarSelect[date]:
    return (
        select(func.max(OutcomeResponse.local_date))
        .where(
            OutcomeResponse.assignment_id == OutcomeAssignment.id,
            OutcomeResponse.status == "complete",
        )
        .correlate(OutcomeAssignment)
        .scalar_subquery()
    )


def _draft() -> ScalarSelect[int]:
    return (
        select(func.max(OutcomeResponse.id))
        .where(
            OutcomeResponse.assignment_id == OutcomeAssignment.id,
            OutcomeResponse.status == "draft",
        )
        .correlate(OutcomeAssignment)
        .scalar_subquery()
    )


def due_for(
    session: Db, patient: User, day: date, next_visit: Appointment | None
) -> list[DueQuestionnaire]:
    """Return the questionnaires due on the patient's local ``day``, in one query.

    ``next_visit`` is the patient's next booked visit, as Today already loads it.
    """
    rows = session.execute(
        select(OutcomeAssignment, _last_done(), _draft()).where(
            OutcomeAssignment.patient_id == patient.id, OutcomeAssignment.ended_at.is_(None)
        )
    ).all()
    visit_on = schedule.visit_day(next_visit, patient.timezone)
    found: list[DueQuestionnaire] = []
    for assignment, last_done, draft_id in rows:
        instrument = instruments.get(assignment.instrument)
        if instrument is None:
            continue
        occasion = schedule.due_occasion(
            assignment, day, last_answered_on=last_done, next_visit_on=visit_on
        )
        if occasion is not None:
            found.append(DueQuestionnaire(assignment, instrument, occasion, draft_id))
    order = list(instruments.all_instruments())
    return sorted(found, key=lambda d: order.index(d.instrument.slug))


def next_booked_visit(session: Db, patient: User, now: datetime) -> Appointment | None:
    """Return the next booked visit, as Today shows it (one that began within the hour too)."""
    return session.scalar(
        select(Appointment)
        .where(
            Appointment.patient_id == patient.id,
            Appointment.status == "booked",
            Appointment.starts_at >= now - timedelta(hours=1),
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )


def due_patient_ids(session: Db, patients: Sequence[User], days: dict[int, date]) -> set[int]:
    """Return which of these patients have a questionnaire due on their own local day.

    For the reminder pass: one query for the assignments, one for the next visits.
    """
    ids = [p.id for p in patients]
    if not ids:
        return set()
    rows = session.execute(
        select(OutcomeAssignment, _last_done()).where(
            OutcomeAssignment.patient_id.in_(ids), OutcomeAssignment.ended_at.is_(None)
        )
    ).all()
    if not rows:
        return set()
    visits: dict[int, date] = {}
    zones = {p.id: p.timezone for p in patients}
    # A day of margin either way covers every time zone's "today".
    earliest = datetime.combine(min(days.values()), time.min, tzinfo=UTC) - timedelta(days=1)
    for visit in session.scalars(
        select(Appointment)
        .where(
            Appointment.patient_id.in_({a.patient_id for a, _ in rows}),
            Appointment.status == "booked",
            Appointment.starts_at >= earliest,
        )
        .order_by(Appointment.starts_at)
    ):
        on = schedule.visit_day(visit, zones[visit.patient_id])
        if on is not None and on >= days[visit.patient_id]:
            visits.setdefault(visit.patient_id, on)
    due: set[int] = set()
    for assignment, last_done in rows:
        pid = assignment.patient_id
        occasion = schedule.due_occasion(
            assignment, days[pid], last_answered_on=last_done, next_visit_on=visits.get(pid)
        )
        if occasion is not None:
            due.add(pid)
    return due
