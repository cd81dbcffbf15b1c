"""The exercises of a program: finding them in the library, adding, dosing, ordering, removing."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Program, ProgramItem, Role, User
from webapp.services import dose, library, numbers, programs, records
from webapp.services.errors import ValidationError
from webapp.web.content_text import exercise_text, reader_language
from webapp.web.programs.blueprint import (
    bp,
    builder_context,
    builder_url,
    item_ladders,
    linked_program,
    patient_today,
)
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required

PICKER_RESULTS = 25


def _picker_answer(program: Program, patient: User, **answer: Any) -> ResponseReturnValue:
    """Show the library search results (htmx), or the builder page with them."""
    return respond(
        "programs/builder.html",
        "programs/_picker_results.html",
        full_page=lambda: builder_context(patient, program),
        program=program,
        **answer,
    )


@bp.get("/programs/<int:program_id>/picker")
@roles_required(Role.THERAPIST)
def picker(program_id: int) -> ResponseReturnValue:
    """Search the library for exercises to add (as you type, or as a plain form)."""
    program, patient = linked_program(program_id)
    wanted = library.LibraryFilter.from_args(request.args)
    found = library.search(db.session, me(), wanted, reader_language()) if wanted.active else []
    return _picker_answer(
        program, patient, picker_q=wanted.q, picker_results=found[:PICKER_RESULTS]
    )


def _items_answer(program: Program, patient: User, **answer: Any) -> ResponseReturnValue:
    """Show the program's exercises again (htmx), or the builder page."""
    return respond(
        "programs/builder.html",
        "programs/_items.html",
        full_page=lambda: builder_context(patient, program),
        program=program,
        patient=patient,
        items=programs.current_items(program),
        ladders=item_ladders(program),
        item_errors={},
        today=patient_today(patient),
        **answer,
    )


def _items_changed(
    program: Program, patient: User, anchor: str, **answer: Any
) -> ResponseReturnValue:
    return _items_answer(
        program,
        patient,
        trigger="program-changed",
        redirect_to=builder_url(program, anchor),
        **answer,
    )


def _side_refused(
    program: Program, patient: User, exercise_id: int, message: str
) -> ResponseReturnValue:
    """Show the search results again with the message next to the exercise's side."""
    q = request.form.get("q", "")
    results = library.search(
        db.session, me(), library.LibraryFilter.from_args({"q": q}), reader_language()
    )
    results = results[:PICKER_RESULTS]
    chosen = records.exercise(db.session, exercise_id)
    if chosen not in results:
        results.insert(0, chosen)
    # The add form swaps the list of exercises; the message belongs in the picker.
    return _picker_answer(
        program,
        patient,
        status=422,
        retarget="#picker-results",
        picker_q=q,
        picker_results=results,
        picker_errors={exercise_id: message},
    )


def _add_refused(
    program: Program, patient: User, exercise_id: int, exc: ValidationError
) -> ResponseReturnValue:
    side_message = exc.first("side")
    if side_message:
        return _side_refused(program, patient, exercise_id, side_message)
    message = exc.first("__all__") or _("That did not work.")
    return _items_answer(
        program,
        patient,
        status=422,
        redirect_to=builder_url(program, "program-items"),
        message=message,
        category="error",
        items_error=message,
    )


@bp.post("/programs/<int:program_id>/items")
@roles_required(Role.THERAPIST)
def add_item(program_id: int) -> ResponseReturnValue:
    """Add an exercise to the program with its usual dose (and the side, when it needs one)."""
    program, patient = linked_program(program_id)
    exercise_id = request.form.get("exercise_id", type=numbers.record_id) or 0
    exercise = records.addable_exercise(db.session, exercise_id)
    side = request.form.get("side") or None
    try:
        item = programs.add_item(
            db.session, me(), program, exercise, today=patient_today(patient), side=side
        )
    except ValidationError as exc:
        db.session.rollback()
        program, patient = linked_program(program_id)
        return _add_refused(program, patient, exercise_id, exc)
    db.session.commit()
    return _items_changed(program, patient, f"item-{item.lineage}", added=item.lineage)


def _dose_refused(
    program: Program, patient: User, lineage: str, exc: ValidationError
) -> ResponseReturnValue:
    item = next(i for i in programs.current_items(program) if i.lineage == lineage)
    return respond(
        "programs/builder.html",
        "programs/_item.html",
        status=422,
        full_page=lambda: builder_context(patient, program),
        program=program,
        patient=patient,
        item=item,
        ladders=item_ladders(program),
        item_errors={lineage: (request.form, exc.errors)},
        open_item=lineage,
    )


def _dose_saved(program: Program, patient: User, item: ProgramItem) -> ResponseReturnValue:
    return respond(
        "programs/builder.html",
        "programs/_item.html",
        trigger="program-changed",
        redirect_to=builder_url(program, f"item-{item.lineage}"),
        message=_("Saved the dose of %(title)s.", title=exercise_text(item.exercise).title),
        program=program,
        patient=patient,
        item=item,
        ladders=item_ladders(program),
        item_errors={},
        saved_item=item.lineage,
    )


@bp.post("/programs/<int:program_id>/items/<int:item_id>")
@roles_required(Role.THERAPIST)
def update_item(program_id: int, item_id: int) -> ResponseReturnValue:
    """Change an item's dose."""
    program, patient = linked_program(program_id)
    item = programs.get_item(program, item_id)
    lineage = item.lineage
    try:
        parsed = dose.parse_dose(request.form, side_required=item.exercise.side_required)
        today = patient_today(patient)
        current = programs.update_item(db.session, me(), program, item, parsed, today=today)
    except ValidationError as exc:
        db.session.rollback()
        program, patient = linked_program(program_id)
        return _dose_refused(program, patient, lineage, exc)
    db.session.commit()
    return _dose_saved(program, patient, current)


@bp.post("/programs/<int:program_id>/items/<int:item_id>/move")
@roles_required(Role.THERAPIST)
def move_item(program_id: int, item_id: int) -> ResponseReturnValue:
    """Move an item up or down."""
    program, patient = linked_program(program_id)
    item = programs.get_item(program, item_id)
    direction = -1 if request.form.get("direction") == "up" else 1
    programs.move_item(program, item, direction, today=patient_today(patient))
    db.session.commit()
    return _items_changed(program, patient, f"item-{item.lineage}", moved=item.lineage)


@bp.post("/programs/<int:program_id>/items/<int:item_id>/remove")
@roles_required(Role.THERAPIST)
def remove_item(program_id: int, item_id: int) -> ResponseReturnValue:
    """Take an exercise out of the program."""
    program, patient = linked_program(program_id)
    item = programs.get_item(program, item_id)
    title = exercise_text(item.exercise).title
    programs.remove_item(db.session, me(), program, item, today=patient_today(patient))
    db.session.commit()
    return _items_changed(
        program, patient, "program-items", message=_("Removed %(title)s.", title=title)
    )


def _swap_refused(program_id: int, exc: ValidationError) -> ResponseReturnValue:
    program, patient = linked_program(program_id)
    message = exc.first("side") or exc.first("__all__") or programs.NOT_ON_LADDER
    return _items_answer(
        program,
        patient,
        status=422,
        redirect_to=builder_url(program, "program-items"),
        message=message,
        category="error",
        items_error=message,
    )


@bp.post("/programs/<int:program_id>/items/<int:item_id>/swap")
@roles_required(Role.THERAPIST)
def swap_item(program_id: int, item_id: int) -> ResponseReturnValue:
    """Put the exercise's easier or harder version in its place."""
    program, patient = linked_program(program_id)
    item = programs.get_item(program, item_id)
    exercise_id = request.form.get("exercise_id", type=numbers.record_id) or 0
    chosen = records.addable_exercise(db.session, exercise_id)
    old = exercise_text(item.exercise).title
    try:
        new = programs.swap_item(
            db.session, me(), program, item, chosen, today=patient_today(patient)
        )
    except ValidationError as exc:
        db.session.rollback()
        return _swap_refused(program_id, exc)
    db.session.commit()
    message = _("Swapped %(old)s for %(new)s.", old=old, new=exercise_text(new.exercise).title)
    return _items_changed(
        program, patient, f"item-{new.lineage}", added=new.lineage, message=message
    )
