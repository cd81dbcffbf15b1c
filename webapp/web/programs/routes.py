"""Views for the program builder: templates, exercises, doses, order, assigning, handout."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from webapp.extensions import db
from webapp.models import Exercise, Program, ProgramStatus, ProgramTemplate, Role, User
from webapp.services import audit, care, clock, dose, library, numbers, programs
from webapp.services.errors import NotFound, ValidationError
from webapp.web.rendering import render, wants_fragment
from webapp.web.security import roles_required

bp = Blueprint("programs", __name__, url_prefix="/clinic")


def me() -> User:
    """Return the signed-in therapist."""
    user: User = current_user._get_current_object()
    return user


def _patient(patient_id: int) -> User:
    try:
        return care.linked_patient(db.session, me(), patient_id)
    except NotFound:
        abort(404)


def _program(program_id: int) -> tuple[Program, User]:
    program = db.session.get(Program, program_id)
    if program is None:
        abort(404)
    patient = _patient(program.patient_id)
    if program.status is ProgramStatus.ENDED:
        abort(404)
    return program, patient


def _today(patient: User) -> date:
    return clock.local_today(patient.timezone)


def _builder_url(program: Program, anchor: str | None = None) -> str:
    url = url_for("programs.builder", patient_id=program.patient_id)
    return f"{url}#{anchor}" if anchor else url


def _builder_page(
    patient: User, program: Program | None, *, status: int = 200, **extra: Any
) -> Response:
    context: dict[str, Any] = {
        "patient": patient,
        "program": program,
        "items": programs.current_items(program) if program else [],
        "templates": programs.templates(db.session),
        "active": programs.active_program(db.session, patient),
        "today": _today(patient),
        "item_errors": {},
        "details_errors": {},
        "details_values": None,
        "picker_q": "",
        "picker_results": None,
        "template_errors": {},
        "start_errors": {},
        "picker_errors": {},
    }
    context.update(extra)
    response = render("programs/builder.html", status=status, **context)
    return response


@bp.get("/patients/<int:patient_id>/program")
@roles_required(Role.THERAPIST)
def builder(patient_id: int) -> Response:
    """Show the program builder for a linked patient."""
    patient = _patient(patient_id)
    program = programs.working_program(db.session, patient)
    audit.record(db.session, me(), "program.view", patient=patient)
    db.session.commit()
    return _builder_page(patient, program)


@bp.post("/patients/<int:patient_id>/program")
@roles_required(Role.THERAPIST)
def start(patient_id: int) -> Response | BaseResponse:
    """Start a draft program, empty or from a template (asking the side when it needs one)."""
    patient = _patient(patient_id)
    template: ProgramTemplate | None = None
    template_id = request.form.get("template_id", type=numbers.record_id)
    if template_id:
        template = db.session.get(ProgramTemplate, template_id)
        if template is None:
            abort(404)
    try:
        program = programs.create_program(
            db.session,
            me(),
            patient,
            today=_today(patient),
            template=template,
            side=request.form.get("side") or None,
        )
    except ValidationError as exc:
        db.session.rollback()
        patient = _patient(patient_id)
        return _builder_page(
            patient,
            programs.working_program(db.session, patient),
            status=422,
            start_errors={template_id: exc.first("side") or exc.first("__all__")},
        )
    db.session.commit()
    return redirect(_builder_url(program), code=303)


@bp.post("/patients/<int:patient_id>/program/copy")
@roles_required(Role.THERAPIST)
def copy_active(patient_id: int) -> BaseResponse:
    """Start a draft that copies the active program."""
    patient = _patient(patient_id)
    try:
        program = programs.copy_active_to_draft(db.session, me(), patient, today=_today(patient))
    except NotFound:
        abort(404)
    db.session.commit()
    return redirect(_builder_url(program), code=303)


def _parse_date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@bp.post("/programs/<int:program_id>/details")
@roles_required(Role.THERAPIST)
def details(program_id: int) -> Response | BaseResponse:
    """Save the program's name, note and dates."""
    program, patient = _program(program_id)
    values = {k: request.form.get(k, "") for k in ("title", "note", "start_date", "end_date")}
    errors: dict[str, list[str]] = {}
    start_date = _parse_date(values["start_date"])
    end_date = _parse_date(values["end_date"])
    if values["end_date"] and end_date is None:
        errors["end_date"] = ["Please enter a date like 2026-12-31."]
    if not errors:
        try:
            programs.update_details(
                program,
                title=values["title"],
                note=values["note"],
                start_date=start_date,
                end_date=end_date,
                today=_today(patient),
            )
        except ValidationError as exc:
            errors = exc.errors
    if errors:
        db.session.rollback()
        program, patient = _program(program_id)
        if wants_fragment():
            return render(
                "programs/builder.html",
                "programs/_details.html",
                status=422,
                program=program,
                patient=patient,
                details_errors=errors,
                details_values=values,
                today=_today(patient),
            )
        return _builder_page(
            patient, program, status=422, details_errors=errors, details_values=values
        )
    db.session.commit()
    if wants_fragment():
        return render(
            "programs/builder.html",
            "programs/_details.html",
            program=program,
            patient=patient,
            details_errors={},
            details_values=None,
            saved=True,
            today=_today(patient),
        )
    flash("Program details saved.", "success")
    return redirect(_builder_url(program, "program-details"), code=303)


@bp.get("/programs/<int:program_id>/picker")
@roles_required(Role.THERAPIST)
def picker(program_id: int) -> Response:
    """Search the library for exercises to add (as you type, or as a plain form)."""
    program, patient = _program(program_id)
    wanted = library.LibraryFilter.from_args(request.args)
    results = library.search(db.session, me(), wanted)[:25] if wanted.active else []
    if wants_fragment():
        return render(
            "programs/builder.html",
            "programs/_picker_results.html",
            program=program,
            picker_q=wanted.q,
            picker_results=results,
        )
    return _builder_page(patient, program, picker_q=wanted.q, picker_results=results)


def _items_response(program: Program, patient: User, anchor: str, **extra: Any) -> Any:
    if wants_fragment():
        return render(
            "programs/builder.html",
            "programs/_items.html",
            trigger="program-changed",
            program=program,
            patient=patient,
            items=programs.current_items(program),
            item_errors={},
            today=_today(patient),
            **extra,
        )
    return redirect(_builder_url(program, anchor), code=303)


@bp.post("/programs/<int:program_id>/items")
@roles_required(Role.THERAPIST)
def add_item(program_id: int) -> Any:
    """Add an exercise to the program with its usual dose (and the side, when it needs one)."""
    program, patient = _program(program_id)
    exercise = db.session.get(
        Exercise, request.form.get("exercise_id", type=numbers.record_id) or 0
    )
    if exercise is None or exercise.archived:
        abort(404)
    try:
        item = programs.add_item(
            db.session,
            me(),
            program,
            exercise,
            today=_today(patient),
            side=request.form.get("side") or None,
        )
    except ValidationError as exc:
        db.session.rollback()
        program, patient = _program(program_id)
        side_message = exc.first("side")
        if side_message:
            return _picker_with_error(program, patient, exercise.id, side_message)
        message = exc.first("__all__") or "That did not work."
        if wants_fragment():
            return render(
                "programs/builder.html",
                "programs/_items.html",
                status=422,
                program=program,
                patient=patient,
                items=programs.current_items(program),
                item_errors={},
                items_error=message,
                today=_today(patient),
            )
        flash(message, "error")
        return redirect(_builder_url(program, "program-items"), code=303)
    db.session.commit()
    return _items_response(program, patient, f"item-{item.lineage}", added=item.lineage)


def _picker_with_error(program: Program, patient: User, exercise_id: int, message: str) -> Any:
    """Show the search results again with the message next to the exercise's side."""
    q = request.form.get("q", "")
    results = library.search(db.session, me(), library.LibraryFilter.from_args({"q": q}))[:25]
    chosen = db.session.get(Exercise, exercise_id)
    if chosen is not None and chosen not in results:
        results.insert(0, chosen)
    errors = {exercise_id: message}
    if wants_fragment():
        response = render(
            "programs/builder.html",
            "programs/_picker_results.html",
            status=422,
            program=program,
            picker_q=q,
            picker_results=results,
            picker_errors=errors,
        )
        # The add form swaps the list of exercises; the message belongs in the picker.
        response.headers["HX-Retarget"] = "#picker-results"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return _builder_page(
        patient,
        program,
        status=422,
        picker_q=q,
        picker_results=results,
        picker_errors=errors,
    )


@bp.post("/programs/<int:program_id>/items/<int:item_id>")
@roles_required(Role.THERAPIST)
def update_item(program_id: int, item_id: int) -> Any:
    """Change an item's dose."""
    program, patient = _program(program_id)
    try:
        item = programs.get_item(program, item_id)
    except NotFound:
        abort(404)
    lineage = item.lineage
    try:
        parsed = dose.parse_dose(request.form, side_required=item.exercise.side_required)
        current = programs.update_item(
            db.session, me(), program, item, parsed, today=_today(patient)
        )
    except ValidationError as exc:
        db.session.rollback()
        program, patient = _program(program_id)
        item_errors = {lineage: (request.form, exc.errors)}
        if wants_fragment():
            item = next(i for i in programs.current_items(program) if i.lineage == lineage)
            return render(
                "programs/builder.html",
                "programs/_item.html",
                status=422,
                program=program,
                patient=patient,
                item=item,
                item_errors=item_errors,
                open_item=lineage,
            )
        return _builder_page(patient, program, status=422, item_errors=item_errors)
    db.session.commit()
    if wants_fragment():
        return render(
            "programs/builder.html",
            "programs/_item.html",
            trigger="program-changed",
            program=program,
            patient=patient,
            item=current,
            item_errors={},
            saved_item=lineage,
        )
    flash(f"Saved the dose of {current.exercise.title}.", "success")
    return redirect(_builder_url(program, f"item-{lineage}"), code=303)


@bp.post("/programs/<int:program_id>/items/<int:item_id>/move")
@roles_required(Role.THERAPIST)
def move_item(program_id: int, item_id: int) -> Any:
    """Move an item up or down."""
    program, patient = _program(program_id)
    try:
        item = programs.get_item(program, item_id)
    except NotFound:
        abort(404)
    direction = -1 if request.form.get("direction") == "up" else 1
    programs.move_item(program, item, direction, today=_today(patient))
    db.session.commit()
    return _items_response(program, patient, f"item-{item.lineage}", moved=item.lineage)


@bp.post("/programs/<int:program_id>/items/<int:item_id>/remove")
@roles_required(Role.THERAPIST)
def remove_item(program_id: int, item_id: int) -> Any:
    """Take an exercise out of the program."""
    program, patient = _program(program_id)
    try:
        item = programs.get_item(program, item_id)
    except NotFound:
        abort(404)
    title = item.exercise.title
    programs.remove_item(db.session, me(), program, item, today=_today(patient))
    db.session.commit()
    if not wants_fragment():
        flash(f"Removed {title}.", "success")
    return _items_response(program, patient, "program-items")


@bp.post("/programs/<int:program_id>/assign")
@roles_required(Role.THERAPIST)
def assign(program_id: int) -> Any:
    """Give the draft to the patient."""
    program, patient = _program(program_id)
    try:
        programs.assign(db.session, me(), program, today=_today(patient))
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.first("__all__") or "That did not work.", "error")
        # Items that still need a side are flagged next to their side field.
        return redirect(_builder_url(program, "program-items"), code=303)
    db.session.commit()
    flash(f"{patient.first_name} now has this program on their phone.", "success")
    return redirect(_builder_url(program), code=303)


@bp.post("/programs/<int:program_id>/template")
@roles_required(Role.THERAPIST)
def save_template(program_id: int) -> Any:
    """Save the program as a template for other patients."""
    program, patient = _program(program_id)
    try:
        template = programs.save_as_template(
            db.session,
            me(),
            program,
            title=request.form.get("template_title", ""),
            description=request.form.get("template_description", ""),
        )
    except ValidationError as exc:
        db.session.rollback()
        program, patient = _program(program_id)
        return _builder_page(
            patient,
            program,
            status=422,
            template_errors=exc.errors,
            template_values=request.form,
        )
    db.session.commit()
    flash(f"Saved the template “{template.title}”.", "success")
    return redirect(_builder_url(program), code=303)


@bp.get("/programs/<int:program_id>/handout")
@roles_required(Role.THERAPIST)
def handout(program_id: int) -> str:
    """Show a print-friendly handout of the program."""
    program, patient = _program(program_id)
    audit.record(db.session, me(), "program.handout", patient=patient)
    db.session.commit()
    return render_template(
        "programs/handout.html",
        program=program,
        patient=patient,
        items=programs.current_items(program),
    )


def dose_values(item: Any, override: Any = None) -> dict[str, Any]:
    """Return what a dose form shows: what was typed (after an error) or the item's dose."""
    if override is not None:
        values = {k: override.get(k, "") for k in dose.RANGES}
        values["side"] = override.get("side", "both")
        values["note"] = override.get("note", "")
        values["weekdays"] = set(
            dose.weekday_numbers(dose.weekdays_mask(override.getlist("weekdays")))
        )
        return values
    values = dict(programs.dose_form_values(item))
    values["weekdays"] = set(dose.weekday_numbers(item.weekdays))
    return values


@bp.context_processor
def _builder_helpers() -> dict[str, Any]:
    return {
        "dose_values": dose_values,
        "item_side_problem": programs.item_side_problem,
        "template_needs_side": programs.template_needs_side,
    }
