"""The program builder's blueprint, and the builder page its views answer with."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, url_for
from flask.typing import ResponseReturnValue

from webapp.extensions import db
from webapp.models import Program, ProgramItem, User
from webapp.services import clock, dose, library, programs, records
from webapp.web.rendering import respond
from webapp.web.security import me

bp = Blueprint("programs", __name__, url_prefix="/clinic")


def linked_program(program_id: int) -> tuple[Program, User]:
    """Return a program the signed-in therapist may change, with its patient (else 404)."""
    return records.linked_program(db.session, me(), program_id)


def patient_today(patient: User) -> date:
    """Return the patient's own date today: program changes take effect on it."""
    return clock.local_today(patient.timezone)


def builder_url(program: Program, anchor: str | None = None) -> str:
    """Return the address of the program's builder, at a section when given."""
    url = url_for("programs.builder", patient_id=program.patient_id)
    return f"{url}#{anchor}" if anchor else url


def item_ladders(program: Program | None) -> dict[int, library.Ladder]:
    """Return the easier and harder versions of each exercise in the program, by exercise id."""
    items = programs.current_items(program) if program else []
    return library.ladders(db.session, me(), [i.exercise for i in items])


def builder_context(patient: User, program: Program | None) -> dict[str, Any]:
    """Return what the whole builder page shows, with its forms empty."""
    return {
        "patient": patient,
        "program": program,
        "items": programs.current_items(program) if program else [],
        "ladders": item_ladders(program),
        "templates": programs.templates(db.session),
        "active": programs.active_program(db.session, patient),
        "today": patient_today(patient),
        "item_errors": {},
        "details_errors": {},
        "details_values": None,
        "picker_q": "",
        "picker_results": None,
        "template_errors": {},
        "start_errors": {},
        "picker_errors": {},
    }


def builder_page(
    patient: User, program: Program | None, *, status: int = 200, **extra: Any
) -> ResponseReturnValue:
    """Show the whole builder; ``extra`` fills a form again with what was typed and why not."""
    return respond(
        "programs/builder.html",
        status=status,
        full_page=lambda: builder_context(patient, program),
        **extra,
    )


def dose_values(item: ProgramItem, override: Any = None) -> dict[str, Any]:
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
