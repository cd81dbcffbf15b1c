"""What a patient has to answer today, read in one query for Today and the reminders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ScalarSelect, func, select

from webapp.models import Appointment, OutcomeAssignment, OutcomeResponse, User
from webapp.services import clock
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


def due_now(session: Db, patient: User, now: datetime) -> list[DueQuestionnaire]:
    """Return what is due at ``now`` on the patient's own day (two queries)."""
    day = clock.local_today(patient.timezone, now)
    return due_for(session, patient, day, next_booked_visit(session, patient, now))


def due_by_patient(session: Db, days: Mapping[int, date]) -> dict[int, str]:
    """Return, for patients with a questionnaire due on their given local day, its slug.

    For the reminder pass (``days``: patient id -> that patient's local date): one query for
    the assignments with each patient's time zone, one for the booked visits.
    """
    if not days:
        return {}
    rows = session.execute(
        select(OutcomeAssignment, User.timezone, _last_done())
        .join(User, User.id == OutcomeAssignment.patient_id)
        .where(OutcomeAssignment.patient_id.in_(days), OutcomeAssignment.ended_at.is_(None))
    ).all()
    if not rows:
        return {}
    zones = {a.patient_id: zone for a, zone, _ in rows}
    # A day of margin either way covers every time zone's "today".
    earliest = datetime.combine(min(days.values()), time.min, tzinfo=UTC) - timedelta(days=1)
    visits: dict[int, date] = {}
    for visit in session.scalars(
        select(Appointment)
        .where(
            Appointment.patient_id.in_(zones),
            Appointment.status == "booked",
            Appointment.starts_at >= earliest,
        )
        .order_by(Appointment.starts_at)
    ):
        on = schedule.visit_day(visit, zones[visit.patient_id])
        if on is not None and on >= days[visit.patient_id]:
            visits.setdefault(visit.patient_id, on)
    order = list(instruments.all_instruments())
    found: dict[int, str] = {}
    for assignment, _, last_done in sorted(
        rows, key=lambda r: order.index(r[0].instrument) if r[0].instrument in order else 99
    ):
        pid = assignment.patient_id
        occasion = schedule.due_occasion(
            assignment, days[pid], last_answered_on=last_done, next_visit_on=visits.get(pid)
        )
        if occasion is not None:
            found.setdefault(pid, assignment.instrument)
    return found
