"""The flare-up plan: set by the therapist, switched to by the patient for a few days.

A spell is a short program (status ``flare``) from the day the patient switches, over the
active program: the newest program covering a day owns it (``services.plan``), so Today,
the player, reminders and the reports all follow it without a rule of their own, and the
active program takes the days back when the spell ends. Its exercises keep their lineage,
so what was done today before switching still counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.models import FlarePlan, Program, ProgramItem, ProgramStatus, User, utcnow
from webapp.numbers import whole_number
from webapp.services import alert_words, alerts, audit, plan, reminders
from webapp.services.db import Db
from webapp.services.errors import ValidationError, text
from webapp.services.languages import N_
from webapp.services.programs import active_program

CHOICES = {"same": N_("As usual"), "lighter": N_("Lighter"), "out": N_("Leave out")}
MAX_DAYS = 7
TEXT_MAX = 1000
FLARE_TITLE = "Flare-up plan"
ALERT_KIND = "flare_plan"


@dataclass
class FlarePlanInput:
    """What the therapist submitted (strings, unvalidated)."""

    exercises: Mapping[str, str]
    comfort: str = ""
    when_to_call: str = ""
    days: str = "3"


def plan_of(session: Db, patient: User) -> FlarePlan | None:
    """Return the patient's flare-up plan, if their therapist set one."""
    return session.get(FlarePlan, patient.id)


def save_plan(session: Db, therapist: User, patient: User, data: FlarePlanInput) -> FlarePlan:
    """Check and save the patient's flare-up plan; raise ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    days = whole_number(data.days)
    if days is None or not 1 <= days <= MAX_DAYS:
        errors["days"] = [
            text(N_("Please enter a whole number of days from 1 to %(num)s."), num=MAX_DAYS)
        ]
    for name in ("comfort", "when_to_call"):
        if len(getattr(data, name).strip()) > TEXT_MAX:
            errors[name] = [text(N_("Please keep this under %(num)s characters."), num=TEXT_MAX)]
    program = active_program(session, patient)
    lineages = {i.lineage for i in plan.current_items(program)} if program else set()
    chosen = {k: v for k, v in data.exercises.items() if k in lineages and v in CHOICES}
    kept = {k: v for k, v in chosen.items() if v != "out"}
    if not kept:
        errors["exercises"] = [N_("Keep at least one exercise, as usual or lighter.")]
    if errors:
        raise ValidationError(errors)
    found = plan_of(session, patient)
    if found is None:
        found = FlarePlan(patient_id=patient.id)
        session.add(found)
    found.exercises = kept
    found.comfort = data.comfort.strip()
    found.when_to_call = data.when_to_call.strip()
    found.days = days or 3
    found.set_by_id = therapist.id
    found.updated_at = utcnow()
    session.flush()
    audit.record(session, therapist, "flare_plan.save", patient=patient)
    return found


def spells(session: Db, patient: User) -> Sequence[Program]:
    """Return the patient's flare-up spells, newest first."""
    return session.scalars(
        select(Program)
        .where(Program.patient_id == patient.id, Program.status == ProgramStatus.FLARE)
        .order_by(*plan.NEWEST_FIRST)
    ).all()


def current_spell(session: Db, patient: User, today: date) -> Program | None:
    """Return the flare-up spell that covers today, if the patient is in one."""
    return next((s for s in spells(session, patient) if plan.covers(s, today)), None)


def lighter(item: ProgramItem) -> dict[str, int]:
    """Return the lighter dose of an item: one set, half the repetitions, once a day."""
    return {"sets": 1, "reps": max(1, (item.reps + 1) // 2), "times_per_day": 1}


def start_spell(session: Db, patient: User, *, today: date, now: datetime | None = None) -> Program:
    """Switch the patient to their flare-up plan from today, for the days the therapist set."""
    flare = plan_of(session, patient)
    program = _active_with_items(session, patient)
    if flare is None or program is None:
        raise ValidationError(N_("There is no flare-up plan to switch to. Please call the clinic."))
    already = current_spell(session, patient, today)
    if already is not None:
        return already  # sent twice (a double tap, a retry): one spell
    now = now or utcnow()
    spell = Program(
        patient_id=patient.id,
        therapist_id=flare.set_by_id,
        title=FLARE_TITLE,
        note=program.note,
        status=ProgramStatus.FLARE,
        start_date=today,
        end_date=today + timedelta(days=flare.days - 1),
        assigned_at=now,
        changed_at=now,
        patient_seen_at=now,
        change_dates=[today.isoformat()],
    )
    for position, item in enumerate(plan.current_items(program)):
        choice = flare.exercises.get(item.lineage)
        if choice is None:
            continue
        dose = lighter(item) if choice == "lighter" else {}
        spell.items.append(
            ProgramItem(
                lineage=item.lineage,
                exercise_id=item.exercise_id,
                position=position,
                sets=dose.get("sets", item.sets),
                reps=dose.get("reps", item.reps),
                hold_seconds=item.hold_seconds,
                rest_seconds=item.rest_seconds,
                side=item.side,
                times_per_day=dose.get("times_per_day", item.times_per_day),
                weekdays=item.weekdays,
                note=item.note,
            )
        )
    session.add(spell)
    session.flush()
    _tell_the_therapist(session, patient, spell, now)
    reminders.program_changed(session, patient)
    audit.record(session, patient, "flare.start", patient=patient, detail=today.isoformat())
    return spell


def end_spell(session: Db, patient: User, *, today: date) -> bool:
    """Go back to the usual plan from today; return False when not in a flare-up."""
    spell = current_spell(session, patient, today)
    if spell is None:
        return False
    spell.end_date = today - timedelta(days=1)  # before its start when begun today: no days
    session.flush()
    reminders.program_changed(session, patient)
    audit.record(session, patient, "flare.end", patient=patient, detail=today.isoformat())
    return True


def _active_with_items(session: Db, patient: User) -> Program | None:
    found = active_program(session, patient)
    if found is None:
        return None
    return session.scalar(
        select(Program).where(Program.id == found.id).options(selectinload(Program.items))
    )


def _tell_the_therapist(session: Db, patient: User, spell: Program, now: datetime) -> None:
    # Each switch is news: an acknowledged earlier one must not keep this one quiet.
    alerts.condition_cleared(session, patient, ALERT_KIND, now=now)
    assert spell.end_date is not None
    alerts.raise_alert(
        session,
        patient,
        ALERT_KIND,
        alert_words.detail(alert_words.FLARE_PLAN, day=spell.start_date, until=spell.end_date),
        now=now,
    )


@dataclass(frozen=True)
class FlareToday:
    """What Today shows of the flare-up plan: the plan to switch to, or the spell under way."""

    plan: FlarePlan | None
    spell: Program | None

    @property
    def back_on(self) -> date | None:
        """Return the day the usual plan comes back."""
        if self.spell is None or self.spell.end_date is None:
            return None
        return self.spell.end_date + timedelta(days=1)


def for_today(session: Db, patient: User, today: date) -> FlareToday:
    """Return the flare-up plan and any spell under way, as Today shows them."""
    found = plan_of(session, patient)
    if found is None:
        return FlareToday(None, None)
    return FlareToday(found, current_spell(session, patient, today))
