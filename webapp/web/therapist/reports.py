"""The visit-prep report and the exports (CSV, and FHIR R4 pain Observations)."""

from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from webapp.extensions import db
from webapp.models import Role
from webapp.services import alerts, care, export, outcomes, reports
from webapp.web import formatting
from webapp.web.i18n import page_language
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp


@bp.get("/patients/<int:patient_id>/report")
@roles_required(Role.THERAPIST)
def report(patient_id: int) -> ResponseReturnValue:
    """The visit-prep report: since the last visit, on one page."""
    person = care.linked_patient(db.session, me(), patient_id)
    prep = reports.visit_prep(db.session, me(), person, language=page_language())
    db.session.commit()
    return render_template(
        "therapist/report.html",
        patient=person,
        prep=prep,
        alert_kinds=alerts.KINDS,
        mark=reports.DAYS_WITH_DATA_MARK,
        function_series=outcomes.for_patient(db.session, person).series,
        change_words=outcomes.CHANGE_WORDS,
        trend_words=formatting.trend_words,
        patient_today=prep.stats.today,
    )


@bp.get("/patients/<int:patient_id>/export.csv")
@roles_required(Role.THERAPIST)
def export_csv(patient_id: int) -> ResponseReturnValue:
    """Download the patient's check-ins and exercises as CSV."""
    person = care.linked_patient(db.session, me(), patient_id)
    body = export.therapist_csv(db.session, me(), person, page_language())
    db.session.commit()
    filename = f"between-visits-patient-{person.id}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.get("/patients/<int:patient_id>/fhir.json")
@roles_required(Role.THERAPIST)
def export_fhir(patient_id: int) -> ResponseReturnValue:
    """Download the patient's pain scores as a FHIR R4 Bundle."""
    person = care.linked_patient(db.session, me(), patient_id)
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    bundle = export.fhir_bundle(db.session, me(), person, base_url=base, language=page_language())
    db.session.commit()
    response = jsonify(bundle)
    response.mimetype = "application/fhir+json"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=between-visits-patient-{person.id}-pain.fhir.json"
    )
    return response
