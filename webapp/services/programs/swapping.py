"""Swapping an exercise of a program for its easier or harder version (the exercise ladder)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select

from webapp.models import Exercise, LadderRung, Program, ProgramItem, User
from webapp.services import audit
from webapp.services.db import Db
from webapp.services.errors import ValidationError
from webapp.services.languages import N_
from webapp.services.programs.editing import add_item, remove_item

NOT_ON_LADDER = N_("That exercise is not an easier or harder version of this one.")


def on_ladder(session: Db, one: Exercise, other: Exercise) -> bool:
    """Return True when one exercise is the other's easier or harder version."""
    found = session.scalar(
        select(LadderRung.easier_id).where(
            or_(
                and_(LadderRung.easier_id == one.id, LadderRung.harder_id == other.id),
                and_(LadderRung.easier_id == other.id, LadderRung.harder_id == one.id),
            )
        )
    )
    return found is not None


def swap_item(
    session: Db,
    therapist: User,
    program: Program,
    item: ProgramItem,
    exercise: Exercise,
    *,
    today: date,
) -> ProgramItem:
    """Put an easier or harder version in an item's place, from today on.

    The new exercise comes with its own usual dose (a hold is not a repetition), but keeps
    the place in the list, how often and on which days, the note, and the operated side.
    """
    if not on_ladder(session, item.exercise, exercise):
        raise ValidationError(NOT_ON_LADDER)
    side = item.side if exercise.sided and item.side in ("left", "right") else None
    position, note = item.position, item.note
    times_per_day, weekdays = item.times_per_day, item.weekdays
    old_title = item.exercise.title
    remove_item(session, therapist, program, item, today=today)
    new = add_item(session, therapist, program, exercise, today=today, side=side)
    new.position, new.note = position, note
    new.times_per_day, new.weekdays = times_per_day, weekdays
    session.flush()
    audit.record(
        session,
        therapist,
        "program.item_swap",
        patient=program.patient,
        detail=f"program {program.id}: {old_title} -> {exercise.slug}",
    )
    return new
