"""Changing home programs: drafts, items and doses, assigning; the past is never rewritten.

Changing an assigned program ends an item's version and starts the next of the same lineage
(see ``models.programs.ProgramItem``); each change lets the patient's reminders follow.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import object_session

from webapp.models import (
    Exercise,
    Program,
    ProgramItem,
    ProgramStatus,
    ProgramTemplate,
    User,
    utcnow,
)
from webapp.services import audit, dose, languages, reminders
from webapp.services.db import Db
from webapp.services.dose import Dose
from webapp.services.errors import NotFound, ValidationError, text
from webapp.services.languages import N_
from webapp.services.plan import current_items
from webapp.services.programs.reading import active_program, side_problems, working_program
from webapp.services.programs.templating import item_from, new_lineage, template_needs_side

MAX_ITEMS = 20


DISCHARGED_MESSAGE = N_("This patient is discharged. Reactivate them before assigning a program.")
ASSIGN_SIDE_MESSAGE = N_(
    "Choose left or right for each one-sided exercise before assigning the program."
)


def _effective_start(program: Program, item: ProgramItem) -> date:
    return item.valid_from or program.start_date


def _touch(program: Program, today: date, now: datetime | None = None) -> None:
    """Note that the patient-visible plan changed today."""
    if program.status is not ProgramStatus.ACTIVE:
        return
    program.changed_at = now or utcnow()
    stamp = today.isoformat()
    if stamp not in (program.change_dates or []):
        program.change_dates = [*(program.change_dates or []), stamp]
    _reminders_follow(program)


def _reminders_follow(program: Program) -> None:
    """Let the patient's reminders follow the plan (times a day, weekdays)."""
    session = object_session(program)
    if session is not None:
        reminders.program_changed(session, program.patient)


def create_program(
    session: Db,
    therapist: User,
    patient: User,
    *,
    today: date,
    template: ProgramTemplate | None = None,
    title: str | None = None,
    side: str | None = None,
) -> Program:
    """Start a draft program for a patient, empty or from a template.

    A template with one-sided exercises needs ``side`` ("left" or "right"), which every
    such exercise then gets: a template cannot know which side a patient had operated on,
    and one saved from another patient's program would carry that patient's side.
    """
    if template is not None and template_needs_side(template):
        if dose.side_problem(side or "", side_required=True):
            raise ValidationError(dose.TEMPLATE_SIDE_MESSAGE, "side")
    existing = working_program(session, patient)
    if existing is not None and existing.status is ProgramStatus.DRAFT:
        # One draft at a time: starting again replaces the unassigned draft.
        session.delete(existing)
        session.flush()
    # What the patient reads, in the patient's language (not the therapist's).
    language = languages.of(patient.language)
    program = Program(
        patient_id=patient.id,
        therapist_id=therapist.id,
        title=title
        or (
            template.title_in(language)
            if template
            else languages.translate(language, "Home program")
        ),
        note="",
        status=ProgramStatus.DRAFT,
        start_date=today,
        change_dates=[],
    )
    session.add(program)
    if template is not None:
        for position, t_item in enumerate(template.items):
            item = item_from(t_item, position)
            item.note = t_item.note_in(language)
            if t_item.exercise.side_required and side is not None:
                item.side = side
            program.items.append(item)
    session.flush()
    audit.record(
        session,
        therapist,
        "program.create",
        patient=patient,
        detail=f"program {program.id}"
        + (f" from template {template.slug or template.id}" if template else ""),
    )
    return program


def copy_active_to_draft(session: Db, therapist: User, patient: User, *, today: date) -> Program:
    """Start a draft that copies the patient's active program, to plan a bigger change."""
    active = active_program(session, patient)
    if active is None:
        raise NotFound()
    draft = create_program(session, therapist, patient, today=today, title=active.title)
    draft.note = active.note
    for position, item in enumerate(current_items(active)):
        draft.items.append(item_from(item, position))
    session.flush()
    return draft


def update_details(
    program: Program,
    *,
    title: str,
    note: str,
    start_date: date | None,
    end_date: date | None,
    today: date,
) -> None:
    """Change a program's title, note and dates."""
    errors: dict[str, list[str]] = {}
    clean_title = " ".join(title.split())
    if not clean_title:
        errors["title"] = [N_("Please give the program a name.")]
    elif len(clean_title) > 120:
        errors["title"] = [N_("Please keep the name under 120 characters.")]
    clean_note = note.strip()
    if len(clean_note) > 1000:
        errors["note"] = [N_("Please keep the note under 1000 characters.")]
    if start_date is None:
        errors["start_date"] = [N_("Please choose a start date.")]
    elif program.status is ProgramStatus.DRAFT and start_date < today:
        errors["start_date"] = [N_("The start date cannot be in the past.")]
    elif (
        program.status is ProgramStatus.ACTIVE
        and start_date != program.start_date
        and start_date < today
    ):
        errors["start_date"] = [
            N_("A program that has started cannot move its start into the past.")
        ]
    if end_date is not None and start_date is not None and end_date < start_date:
        errors["end_date"] = [N_("The end date must be on or after the start date.")]
    elif end_date is not None and end_date < today:
        errors["end_date"] = [N_("The end date cannot be in the past.")]
    if errors:
        raise ValidationError(errors)
    assert start_date is not None
    program.title = clean_title
    program.note = clean_note
    program.start_date = start_date
    program.end_date = end_date
    _touch(program, today)


def add_item(
    session: Db,
    therapist: User,
    program: Program,
    exercise: Exercise,
    *,
    today: date,
    side: str | None = None,
) -> ProgramItem:
    """Add an exercise to a program with its default dose, on ``side`` when one is given.

    An exercise that needs a side is refused without one, also in an assigned program,
    where the patient would see it at once.
    """
    problem = dose.side_problem(
        side or ("" if exercise.side_required else exercise.side),
        side_required=exercise.side_required,
    )
    if problem:
        raise ValidationError(problem, "side")
    current = current_items(program)
    if len(current) >= MAX_ITEMS:
        raise ValidationError(
            text(
                N_("A program can hold %(num)s exercises. Remove one before adding another."),
                num=MAX_ITEMS,
            )
        )
    if exercise.archived:
        raise NotFound()
    item = ProgramItem(
        lineage=new_lineage(),
        exercise_id=exercise.id,
        exercise=exercise,
        position=(max((i.position for i in current), default=-1) + 1),
        valid_from=today
        if program.status is ProgramStatus.ACTIVE and program.start_date < today
        else None,
        sets=exercise.sets,
        reps=exercise.reps,
        hold_seconds=exercise.hold_seconds,
        rest_seconds=exercise.rest_seconds,
        side=side or exercise.side,
        times_per_day=exercise.times_per_day,
    )
    program.items.append(item)
    session.flush()
    _touch(program, today)
    audit.record(
        session,
        therapist,
        "program.item_add",
        patient=program.patient,
        detail=f"program {program.id}: {exercise.slug}",
    )
    return item


def update_item(
    session: Db, therapist: User, program: Program, item: ProgramItem, dose: Dose, *, today: date
) -> ProgramItem:
    """Change an item's dose; past days keep the dose they had. Return the current version."""
    fields = dose.plan_fields()
    if all(getattr(item, k) == v for k, v in fields.items()):
        return item
    if program.status is not ProgramStatus.ACTIVE or _effective_start(program, item) >= today:
        for name, value in fields.items():
            setattr(item, name, value)
        current = item
    else:
        item.valid_until = today
        current = ProgramItem(
            lineage=item.lineage,
            exercise_id=item.exercise_id,
            exercise=item.exercise,
            position=item.position,
            valid_from=today,
            **fields,
        )
        program.items.append(current)
    session.flush()
    _touch(program, today)
    audit.record(
        session,
        therapist,
        "program.item_update",
        patient=program.patient,
        detail=f"program {program.id}: {item.exercise.slug}",
    )
    return current


def remove_item(
    session: Db, therapist: User, program: Program, item: ProgramItem, *, today: date
) -> None:
    """Take an exercise out of a program from today on."""
    if program.status is not ProgramStatus.ACTIVE or _effective_start(program, item) > today:
        program.items.remove(item)
        session.delete(item)
    else:
        item.valid_until = today
    session.flush()
    _touch(program, today)
    audit.record(
        session,
        therapist,
        "program.item_remove",
        patient=program.patient,
        detail=f"program {program.id}: {item.exercise.slug}",
    )


def move_item(program: Program, item: ProgramItem, direction: int, *, today: date) -> None:
    """Move an item one place up (-1) or down (+1)."""
    items = current_items(program)
    index = items.index(item)
    target = index + direction
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items):
        each.position = position
    _touch(program, today)


def assign(session: Db, therapist: User, program: Program, *, today: date) -> None:
    """Give a draft to the patient; it replaces the program they had."""
    if program.status is not ProgramStatus.DRAFT:
        return
    if program.patient.is_discharged:
        raise ValidationError(DISCHARGED_MESSAGE)
    if not current_items(program):
        raise ValidationError(N_("Add at least one exercise before assigning the program."))
    if side_problems(program):
        raise ValidationError(ASSIGN_SIDE_MESSAGE)
    previous = active_program(session, program.patient)
    start = max(program.start_date, today)
    if previous is not None:
        previous.status = ProgramStatus.ENDED
        last_day = start - timedelta(days=1)
        if previous.end_date is None or previous.end_date > last_day:
            previous.end_date = last_day
    program.start_date = start
    program.status = ProgramStatus.ACTIVE
    program.assigned_at = utcnow()
    program.changed_at = program.assigned_at
    program.change_dates = [start.isoformat()]
    session.flush()
    _reminders_follow(program)
    audit.record(
        session,
        therapist,
        "program.assign",
        patient=program.patient,
        detail=f"program {program.id}",
    )


def acknowledge_update(program: Program, now: datetime | None = None) -> bool:
    """Return True (once) when the patient has not yet seen the latest plan change."""
    if program.changed_at is None or program.assigned_at is None:
        return False
    if program.patient_seen_at is not None and program.patient_seen_at >= program.changed_at:
        return False
    program.patient_seen_at = now or utcnow()
    return True
