"""What a patient can download: all their data, and a visit for their phone's calendar."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from webapp.extensions import db
from webapp.models import Role
from webapp.services import export, visits
from webapp.web.i18n import page_language
from webapp.web.patient.blueprint import bp
from webapp.web.security import me, roles_required


@bp.get("/export.json")
@roles_required(Role.PATIENT)
def export_json() -> ResponseReturnValue:
    """Download everything the app holds about me, as JSON."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    data = export.patient_data(db.session, me(), base_url=base, language=page_language())
    db.session.commit()
    response = jsonify(data)
    response.headers["Content-Disposition"] = "attachment; filename=between-visits-my-data.json"
    return response


@bp.get("/export.csv")
@roles_required(Role.PATIENT)
def export_csv() -> ResponseReturnValue:
    """Download my check-ins and exercises as one CSV file."""
    body = export.patient_csv(db.session, me(), page_language())
    db.session.commit()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=between-visits-my-data.csv"},
    )


@bp.get("/visits/<int:visit_id>.ics")
@roles_required(Role.PATIENT)
def visit_calendar(visit_id: int) -> ResponseReturnValue:
    """Download a visit for my phone's calendar."""
    visit = visits.get_for_patient(db.session, me(), visit_id)
    body = visits.ics(
        visit,
        clinic_name=current_app.config["CLINIC_NAME"],
        host=request.host,
        language=page_language(),
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f"attachment; filename=visit-{visit.id}.ics"},
    )
