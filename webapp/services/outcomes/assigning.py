"""A therapist assigns questionnaires to a patient, with a schedule, or ends them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from webapp.models import OutcomeAssignment, ProgramTemplate, User, utcnow
from webapp.numbers import whole_number
from webapp.services import audit, clock
from webapp.services.db import Db
from webapp.services.errors import NotFound, ValidationError
from webapp.services.languages import N_
from webapp.services.outcomes import instruments

MAX_EVERY_WEEKS = 26


@dataclass(frozen=True)
class ScheduleInput:
    """A schedule as a form or a template gives it."""

    instrument: str
    at_start: bool
    every_weeks: int | None
    before_visits: bool

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> ScheduleInput:
        """Read and check a schedule; raise ValidationError with the field at fault."""
        slug = str(data.get("instrument") or "")
        instrument = instruments.get(slug)
        if instrument is None:
            raise ValidationError(N_("Please choose a questionnaire."), "instrument")
        raw = data.get("every_weeks")
        every: int | None = None
        if raw not in (None, "", 0, "0"):
            every = whole_number(raw)
            if every is None or not 1 <= every <= MAX_EVERY_WEEKS:
                raise ValidationError(
                    f"Every how many weeks: a whole number from 1 to {MAX_EVERY_WEEKS}.",
                    "every_weeks",
                )
        at_start = _flag(data.get("at_start")) and instrument.asked_at_start
        before = _flag(data.get("before_visits"))
        if not (at_start or every or before) and _flag(data.get("at_start")):
            raise ValidationError(
                f"The {instrument.abbreviation} compares with the start, so it is not asked at "
                "the start: choose every few weeks or before each visit.",
                "schedule",
            )
        if not (at_start or every or before):
            raise ValidationError(
                "Choose when to ask: at the start, every few weeks, or before each visit.",
                "schedule",
            )
        return cls(slug, at_start, every, before)


def _flag(value: object) -> bool:
    return value is True or value in ("1", "on", "true", "yes", 1)


def live_assignments(session: Db, patient: User) -> Sequence[OutcomeAssignment]:
    """Return the patient's current assignments, in the clinic's instrument order."""
    found = session.scalars(
        select(OutcomeAssignment).where(
            OutcomeAssignment.patient_id == patient.id, OutcomeAssignment.ended_at.is_(None)
        )
    ).all()
    order = list(instruments.all_instruments())
    return sorted(found, key=lambda a: order.index(a.instrument) if a.instrument in order else 99)


def assign(
    session: Db,
    therapist: User,
    patient: User,
    schedule: ScheduleInput,
    *,
    now: datetime | None = None,
) -> OutcomeAssignment:
    """Assign a questionnaire (or change the schedule of the one already assigned)."""
    now = now or utcnow()
    current = session.scalar(
        select(OutcomeAssignment).where(
            OutcomeAssignment.patient_id == patient.id,
            OutcomeAssignment.instrument == schedule.instrument,
            OutcomeAssignment.ended_at.is_(None),
        )
    )
    if current is None:
        current = OutcomeAssignment(
            patient_id=patient.id,
            instrument=schedule.instrument,
            starts_on=clock.local_today(patient.timezone, now),
            activities=[],
            created_at=now,
        )
        session.add(current)
    current.assigned_by_id = therapist.id
    current.at_start = schedule.at_start
    current.every_weeks = schedule.every_weeks
    current.before_visits = schedule.before_visits
    session.flush()
    audit.record(session, therapist, "outcome.assign", patient=patient, detail=schedule.instrument)
    return current


def end(
    session: Db, therapist: User, patient: User, assignment_id: int, *, now: datetime | None = None
) -> None:
    """Stop asking a questionnaire; its answers stay."""
    assignment = session.get(OutcomeAssignment, assignment_id)
    if assignment is None or assignment.patient_id != patient.id or assignment.ended_at:
        raise NotFound()
    assignment.ended_at = now or utcnow()
    audit.record(session, therapist, "outcome.end", patient=patient, detail=assignment.instrument)


def end_all(session: Db, patient: User, *, now: datetime | None = None) -> int:
    """Stop asking every questionnaire (a discharge); return how many were live."""
    live = live_assignments(session, patient)
    for assignment in live:
        assignment.ended_at = now or utcnow()
    return len(live)


def template_defaults(template: ProgramTemplate) -> list[ScheduleInput]:
    """Return the questionnaires a template offers, skipping any the content no longer has."""
    found: list[ScheduleInput] = []
    for entry in template.outcome_defaults or []:
        try:
            found.append(ScheduleInput.from_mapping(entry))
        except ValidationError:
            continue
    return found


def copy_to_template(session: Db, patient: User, template: ProgramTemplate) -> list[str]:
    """Give a template the patient's live questionnaire schedules; return their names."""
    live = live_assignments(session, patient)
    template.outcome_defaults = [
        {
            "instrument": a.instrument,
            "at_start": a.at_start,
            "every_weeks": a.every_weeks,
            "before_visits": a.before_visits,
        }
        for a in live
    ]
    return [a.instrument for a in live]


def apply_template(
    session: Db, therapist: User, patient: User, template: ProgramTemplate, day: date | None = None
) -> list[OutcomeAssignment]:
    """Assign a template's default questionnaires the patient does not have yet."""
    have = {a.instrument for a in live_assignments(session, patient)}
    return [
        assign(session, therapist, patient, schedule)
        for schedule in template_defaults(template)
        if schedule.instrument not in have
    ]
