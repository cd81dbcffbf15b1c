"""A patient's questionnaires: assign with a schedule, stop, and read the answers item by item."""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Role
from webapp.services import audit, care, outcomes
from webapp.services.errors import NotFound, ValidationError
from webapp.web.i18n import page_language
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp
from webapp.web.therapist.detail import back_to, detail_page
from webapp.web.therapist.outcome_panel import outcome_context


@bp.post("/patients/<int:patient_id>/outcomes")
@roles_required(Role.THERAPIST)
def assign_outcome(patient_id: int) -> ResponseReturnValue:
    """Assign a questionnaire with its schedule (or change the schedule)."""
    person = care.linked_patient(db.session, me(), patient_id)
    try:
        schedule = outcomes.ScheduleInput.from_mapping(request.form)
        outcomes.assign(db.session, me(), person, schedule)
    except ValidationError as exc:
        db.session.rollback()
        panel = outcome_context(person, values=request.form, errors=exc.errors)
        return detail_page(person, status=422, **panel)
    db.session.commit()
    return respond(redirect_to=back_to(person, "outcomes"), message=_("Questionnaire assigned."))


@bp.post("/patients/<int:patient_id>/outcomes/<int:assignment_id>/end")
@roles_required(Role.THERAPIST)
def end_outcome(patient_id: int, assignment_id: int) -> ResponseReturnValue:
    """Stop asking a questionnaire; its answers stay."""
    person = care.linked_patient(db.session, me(), patient_id)
    try:
        outcomes.end(db.session, me(), person, assignment_id)
    except NotFound:
        abort(404)
    db.session.commit()
    return respond(redirect_to=back_to(person, "outcomes"), message=_("Questionnaire stopped."))


@bp.get("/patients/<int:patient_id>/outcomes/<slug>")
@roles_required(Role.THERAPIST)
def outcome_answers(patient_id: int, slug: str) -> ResponseReturnValue:
    """Show one questionnaire's answers item by item, each occasion a column."""
    person = care.linked_patient(db.session, me(), patient_id)
    instrument = outcomes.instruments.get(slug)
    if instrument is None:
        abort(404)
    responses = outcomes.history(db.session, person, slug)
    audit.record(db.session, me(), "outcome.view", patient=person, detail=slug)
    db.session.commit()
    return respond(
        "therapist/outcome_answers.html",
        patient=person,
        instrument=instrument,
        responses=responses,
        series=outcomes.series(responses),
    )


@bp.get("/patients/<int:patient_id>/outcomes.csv")
@roles_required(Role.THERAPIST)
def export_outcomes_csv(patient_id: int) -> ResponseReturnValue:
    """Download the patient's questionnaire answers as CSV."""
    person = care.linked_patient(db.session, me(), patient_id)
    body = outcomes.exports.therapist_csv(db.session, me(), person, page_language())
    db.session.commit()
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=between-visits-{person.id}-outcomes.csv"
        },
    )


@bp.get("/patients/<int:patient_id>/outcomes.fhir.json")
@roles_required(Role.THERAPIST)
def export_outcomes_fhir(patient_id: int) -> ResponseReturnValue:
    """Download the Questionnaires and the patient's QuestionnaireResponses (FHIR R4)."""
    person = care.linked_patient(db.session, me(), patient_id)
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    bundle = outcomes.exports.bundle(db.session, me(), person, base_url=base)
    db.session.commit()
    response = jsonify(bundle)
    response.mimetype = "application/fhir+json"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=between-visits-patient-{person.id}-outcomes.fhir.json"
    )
    return response
