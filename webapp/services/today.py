"""The patient's day: what is planned today, what is done, and recording it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from webapp.models import (
    Appointment,
    CheckIn,
    Completion,
    Exercise,
    Program,
    ProgramItem,
    User,
    utcnow,
)
from webapp.numbers import whole_number
from webapp.services import clock, plan
from webapp.services.db import Db
from webapp.services.errors import NotFound, ValidationError
from webapp.services.languages import N_, Shown

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Shown on pages in the page's language (languages.Shown: ``{{ label }}`` translates it).
DIFFICULTIES = {
    "easy": Shown(N_("Easy")),
    "right": Shown(N_("About right")),
    "hard": Shown(N_("Too hard")),
}
# How far back a completion may be dated: a phone that was offline late last night
# still counts the exercise on the day it was done.
BACKDATE_DAYS = 2


@dataclass
class PlannedItem:
    """One exercise of today's plan, with its slots and which are done."""

    item: ProgramItem
    done: dict[int, Completion] = field(default_factory=dict)

    @property
    def slots(self) -> range:
        """Return the daily slots (0 .. times_per_day - 1)."""
        return plan.slots(self.item)

    @property
    def done_count(self) -> int:
        """Return how many of today's slots are done."""
        return sum(1 for slot in self.slots if slot in self.done)

    @property
    def complete(self) -> bool:
        """Return True when every slot is done."""
        return self.done_count >= self.item.times_per_day

    @property
    def next_slot(self) -> int | None:
        """Return the first slot still to do."""
        return next((slot for slot in self.slots if slot not in self.done), None)


@dataclass
class TodayPlan:
    """Everything the Today page shows."""

    patient: User
    day: date
    program: Program | None
    items: list[PlannedItem]
    checkin: CheckIn | None
    next_visit: Appointment | None
    plan_updated: bool = False

    @property
    def total_slots(self) -> int:
        """Return how many exercise slots are planned today."""
        return sum(p.item.times_per_day for p in self.items)

    @property
    def done_slots(self) -> int:
        """Return how many are done."""
        return sum(p.done_count for p in self.items)

    @property
    def percent(self) -> int:
        """Return the day's progress, 0 to 100."""
        return round(100 * self.done_slots / self.total_slots) if self.total_slots else 0

    @property
    def all_done(self) -> bool:
        """Return True when everything planned today is done."""
        return self.total_slots > 0 and self.done_slots >= self.total_slots

    def find(self, item_id: int) -> PlannedItem | None:
        """Return the planned item with this id."""
        return next((p for p in self.items if p.item.id == item_id), None)

    def pending(self) -> list[tuple[PlannedItem, int]]:
        """Return the (item, slot) pairs still to do today, in order."""
        return [(p, slot) for p in self.items for slot in p.slots if slot not in p.done]


def _program_on(session: Db, patient: User, day: date) -> Program | None:
    """Load the program the day belongs to (see services.plan), with its exercises."""
    return session.scalar(
        select(Program)
        .where(Program.patient_id == patient.id, *plan.covering(day, day))
        .options(selectinload(Program.items).joinedload(ProgramItem.exercise))
        .order_by(*plan.NEWEST_FIRST)
        .limit(1)
    )


def plan_for(session: Db, patient: User, *, now: datetime | None = None) -> TodayPlan:
    """Build the patient's plan for their own today, in a fixed number of queries."""
    now = now or utcnow()
    day = clock.local_today(patient.timezone, now)
    program = _program_on(session, patient, day)
    items = plan.planned_items(program, day)
    done: dict[tuple[str, int], Completion] = {}
    if items:
        for completion in session.scalars(
            select(Completion).where(
                Completion.patient_id == patient.id,
                Completion.local_date == day,
                Completion.undone_at.is_(None),
                Completion.lineage.is_not(None),
            )
        ):
            done[(completion.lineage or "", completion.slot)] = completion
    planned = [
        PlannedItem(
            item,
            {slot: c for (lineage, slot), c in done.items() if lineage == item.lineage},
        )
        for item in items
    ]
    checkin = session.scalar(
        select(CheckIn).where(CheckIn.patient_id == patient.id, CheckIn.local_date == day)
    )
    next_visit = session.scalar(
        select(Appointment)
        .where(
            Appointment.patient_id == patient.id,
            Appointment.status == "booked",
            Appointment.starts_at >= now - timedelta(hours=1),
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    return TodayPlan(patient, day, program, planned, checkin, next_visit)


def check_client_id(client_id: str) -> str:
    """Return the id a phone or page made for an action; refuse one that is not like it."""
    if not CLIENT_ID_RE.match(client_id or ""):
        raise ValidationError(
            N_("This form has no valid id. Please reload the page and try again.")
        )
    return client_id


def _existing(session: Db, patient: User, client_id: str) -> Completion | None:
    found = session.scalar(select(Completion).where(Completion.client_id == client_id))
    if found is not None and found.patient_id != patient.id:
        raise ValidationError(N_("This request id is already used. Please reload the page."))
    return found


def _rating(pain_during: str | int | None, difficulty: str | None) -> tuple[int | None, str | None]:
    pain: int | None = None
    if pain_during not in (None, ""):
        pain = whole_number(pain_during)
        if pain is None or not 0 <= pain <= 10:
            raise ValidationError(N_("Pain must be a number from 0 to 10."), "pain_during")
    level = difficulty or None
    if level is not None and level not in DIFFICULTIES:
        raise ValidationError(N_("Please choose easy, about right or too hard."), "difficulty")
    return pain, level


def record_completion(
    session: Db,
    patient: User,
    *,
    client_id: str,
    item_id: int,
    slot: int,
    done_on: date | None = None,
    pain_during: str | int | None = None,
    difficulty: str | None = None,
    now: datetime | None = None,
) -> Completion:
    """Record one planned exercise as done; the same client id never counts twice."""
    client_id = check_client_id(client_id)
    existing = _existing(session, patient, client_id)
    if existing is not None:
        return existing
    now = now or utcnow()
    today = clock.local_today(patient.timezone, now)
    day = done_on or today
    if not today - timedelta(days=BACKDATE_DAYS) <= day <= today:
        raise ValidationError(
            N_("Exercises can be marked done for today or the two days before."),
            code="out_of_range",
        )
    pain, level = _rating(pain_during, difficulty)
    program = _program_on(session, patient, day)
    planned = plan.planned_items(program, day)
    item = next((i for i in planned if i.id == item_id), None)
    if item is None:
        # The plan may have changed since the page was loaded: match the same exercise
        # by its lineage in today's version of the plan.
        old = session.get(ProgramItem, item_id)
        if old is not None:
            item = next((i for i in planned if i.lineage == old.lineage), None)
    if item is None:
        raise NotFound()
    if slot not in plan.slots(item):
        raise ValidationError(N_("That exercise is already done for today."))
    already = session.scalar(
        select(Completion).where(
            Completion.patient_id == patient.id,
            Completion.lineage == item.lineage,
            Completion.local_date == day,
            Completion.slot == slot,
            Completion.undone_at.is_(None),
        )
    )
    if already is not None:
        # Another tab or device marked this slot: keep one record.
        return already
    completion = Completion(
        client_id=client_id,
        patient_id=patient.id,
        program_item_id=item.id,
        lineage=item.lineage,
        exercise_id=item.exercise_id,
        source="plan",
        local_date=day,
        slot=slot,
        pain_during=pain,
        difficulty=level,
        completed_at=now,
    )
    return _insert(session, completion, patient)


def record_selfcare(
    session: Db,
    patient: User,
    *,
    client_id: str,
    exercise: Exercise,
    pain_during: str | int | None = None,
    difficulty: str | None = None,
    now: datetime | None = None,
) -> Completion:
    """Record a self-care exercise the patient chose to do, apart from the plan."""
    client_id = check_client_id(client_id)
    existing = _existing(session, patient, client_id)
    if existing is not None:
        return existing
    if not exercise.self_care or exercise.post_surgical or exercise.archived:
        raise NotFound()
    now = now or utcnow()
    pain, level = _rating(pain_during, difficulty)
    completion = Completion(
        client_id=client_id,
        patient_id=patient.id,
        program_item_id=None,
        lineage=None,
        exercise_id=exercise.id,
        source="selfcare",
        local_date=clock.local_today(patient.timezone, now),
        slot=0,
        pain_during=pain,
        difficulty=level,
        completed_at=now,
    )
    return _insert(session, completion, patient)


def _insert(session: Db, completion: Completion, patient: User) -> Completion:
    # Two requests with the same client id can race past the lookup; the unique index
    # decides, and the loser returns the winner's record.
    try:
        with session.begin_nested():
            session.add(completion)
    except IntegrityError:
        winner = session.scalar(
            select(Completion).where(Completion.client_id == completion.client_id)
        ) or session.scalar(
            select(Completion).where(
                Completion.patient_id == patient.id,
                Completion.lineage == completion.lineage,
                Completion.local_date == completion.local_date,
                Completion.slot == completion.slot,
                Completion.undone_at.is_(None),
            )
        )
        if winner is None:
            raise
        return winner
    return completion


def undo_completion(
    session: Db, patient: User, completion_id: int, *, now: datetime | None = None
) -> Completion:
    """Take back a completion marked by mistake, on the same local day only."""
    completion = session.get(Completion, completion_id)
    if completion is None or completion.patient_id != patient.id:
        raise NotFound()
    if completion.undone_at is not None:
        return completion
    now = now or utcnow()
    if completion.local_date != clock.local_today(patient.timezone, now):
        raise ValidationError(N_("Only today's exercises can be undone."))
    session.execute(update(Completion).where(Completion.id == completion.id).values(undone_at=now))
    session.refresh(completion)
    return completion


def kind_word(day: TodayPlan) -> str:
    """Return a calm, guilt-free line for the day (in English: translated where shown)."""
    if day.program is None:
        return N_("You don't have a home program yet: your therapist will add it here.")
    if not day.items:
        return N_("A rest day from your program. Gentle movement still helps.")
    if day.all_done:
        return N_("All done for today. Well done — rest is part of healing too.")
    if day.done_slots == 0:
        return N_("Start whenever suits you. Even one exercise counts.")
    return N_("Good progress. Do what feels right; tomorrow is another day.")
