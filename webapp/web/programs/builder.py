"""The builder page and the program as a whole: start, copy, details, assign, template, handout."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Program, Role, User
from webapp.services import audit, care, languages, numbers, outcomes, programs, records
from webapp.services.errors import ValidationError
from webapp.web.programs.blueprint import (
    bp,
    builder_context,
    builder_page,
    builder_url,
    linked_program,
    patient_today,
)
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required

DETAIL_FIELDS = ("title", "note", "start_date", "end_date")


@bp.get("/patients/<int:patient_id>/program")
@roles_required(Role.THERAPIST)
def builder(patient_id: int) -> ResponseReturnValue:
    """Show the program builder for a linked patient."""
    patient = care.linked_patient(db.session, me(), patient_id)
    program = programs.working_program(db.session, patient)
    audit.record(db.session, me(), "program.view", patient=patient)
    db.session.commit()
    return builder_page(patient, program)


@bp.post("/patients/<int:patient_id>/program")
@roles_required(Role.THERAPIST)
def start(patient_id: int) -> ResponseReturnValue:
    """Start a draft program, empty or from a template (asking the side when it needs one)."""
    patient = care.linked_patient(db.session, me(), patient_id)
    template_id = request.form.get("template_id", type=numbers.record_id)
    template = records.template(db.session, template_id) if template_id else None
    try:
        program = programs.create_program(
            db.session,
            me(),
            patient,
            today=patient_today(patient),
            template=template,
            side=request.form.get("side") or None,
        )
    except ValidationError as exc:
        db.session.rollback()
        patient = care.linked_patient(db.session, me(), patient_id)
        problem = exc.first("side") or exc.first("__all__")
        working = programs.working_program(db.session, patient)
        return builder_page(patient, working, status=422, start_errors={template_id: problem})
    added = outcomes.apply_template(db.session, me(), patient, template) if template else []
    db.session.commit()
    return respond(redirect_to=builder_url(program), message=_assigned_too(len(added)))


def _assigned_too(count: int) -> str | None:
    """Say that starting from a template assigned its questionnaires too (None: it had none)."""
    if not count:
        return None
    return str(
        ngettext(
            "The template's questionnaire was assigned too (%(num)d); "
            "change it on the patient's page.",
            "The template's questionnaires were assigned too (%(num)d); "
            "change them on the patient's page.",
            count,
        )
    )


@bp.post("/patients/<int:patient_id>/program/copy")
@roles_required(Role.THERAPIST)
def copy_active(patient_id: int) -> ResponseReturnValue:
    """Start a draft that copies the active program."""
    patient = care.linked_patient(db.session, me(), patient_id)
    today = patient_today(patient)
    program = programs.copy_active_to_draft(db.session, me(), patient, today=today)
    db.session.commit()
    return respond(redirect_to=builder_url(program))


def _parse_date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _save_details(program: Program, patient: User, values: dict[str, str]) -> None:
    end_date = _parse_date(values["end_date"])
    if values["end_date"] and end_date is None:
        raise ValidationError(_("Please enter a date like 2026-12-31."), "end_date")
    programs.update_details(
        program,
        title=values["title"],
        note=values["note"],
        start_date=_parse_date(values["start_date"]),
        end_date=end_date,
        today=patient_today(patient),
    )


def _details_answer(program: Program, patient: User, **answer: Any) -> ResponseReturnValue:
    """Show the details card again (htmx), or the builder page."""
    return respond(
        "programs/builder.html",
        "programs/_details.html",
        full_page=lambda: builder_context(patient, program),
        program=program,
        patient=patient,
        today=patient_today(patient),
        **answer,
    )


@bp.post("/programs/<int:program_id>/details")
@roles_required(Role.THERAPIST)
def details(program_id: int) -> ResponseReturnValue:
    """Save the program's name, note and dates."""
    program, patient = linked_program(program_id)
    values = {k: request.form.get(k, "") for k in DETAIL_FIELDS}
    try:
        _save_details(program, patient, values)
    except ValidationError as exc:
        db.session.rollback()
        program, patient = linked_program(program_id)
        return _details_answer(
            program, patient, status=422, details_errors=exc.errors, details_values=values
        )
    db.session.commit()
    return _details_answer(
        program,
        patient,
        redirect_to=builder_url(program, "program-details"),
        message=_("Program details saved."),
        details_errors={},
        details_values=None,
        saved=True,
    )


@bp.post("/programs/<int:program_id>/assign")
@roles_required(Role.THERAPIST)
def assign(program_id: int) -> ResponseReturnValue:
    """Give the draft to the patient."""
    program, patient = linked_program(program_id)
    try:
        programs.assign(db.session, me(), program, today=patient_today(patient))
    except ValidationError as exc:
        db.session.rollback()
        # Items that still need a side are flagged next to their side field.
        return respond(
            redirect_to=builder_url(program, "program-items"),
            message=exc.first("__all__") or _("That did not work."),
            category="error",
        )
    db.session.commit()
    message = _("%(name)s now has this program on their phone.", name=patient.first_name)
    return respond(redirect_to=builder_url(program), message=message)


@bp.post("/programs/<int:program_id>/template")
@roles_required(Role.THERAPIST)
def save_template(program_id: int) -> ResponseReturnValue:
    """Save the program as a template for other patients."""
    program, patient = linked_program(program_id)
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
        program, patient = linked_program(program_id)
        return builder_page(
            patient, program, status=422, template_errors=exc.errors, template_values=request.form
        )
    message = _saved_template(template.title, _with_questionnaires(patient, template))
    db.session.commit()
    return respond(redirect_to=builder_url(program), message=message)


def _saved_template(title: str, names: str) -> str:
    """Say the program was saved as a template (naming the questionnaires it carries)."""
    if names:
        return str(
            _(
                "Saved the template “%(title)s”, with its questionnaires (%(names)s).",
                title=title,
                names=names,
            )
        )
    return str(_("Saved the template “%(title)s”.", title=title))


def _with_questionnaires(patient: User, template: Any) -> str:
    """Carry the patient's questionnaire schedules into the template when asked to.

    Return the questionnaires carried (their short names), or "" for none.
    """
    if not request.form.get("template_outcomes"):
        return ""
    names = outcomes.copy_to_template(db.session, patient, template)
    return ", ".join(n.upper() for n in names)


@bp.get("/programs/<int:program_id>/handout")
@roles_required(Role.THERAPIST)
def handout(program_id: int) -> ResponseReturnValue:
    """Show a print-friendly handout of the program, in the patient's language.

    The patient takes it home: it speaks their language (else the clinic's), whatever
    language the therapist who prints it reads the app in.
    """
    program, patient = linked_program(program_id)
    audit.record(db.session, me(), "program.handout", patient=patient)
    db.session.commit()
    with force_locale(languages.of(patient.language, current_app.config["CLINIC_LANGUAGE"])):
        return render_template(
            "programs/handout.html",
            program=program,
            patient=patient,
            items=programs.current_items(program),
        )
