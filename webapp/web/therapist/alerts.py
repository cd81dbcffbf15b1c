"""Alerts: acknowledging one with a note, and choosing when alerts are raised."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Alert, Role, User
from webapp.services import alerts, audit, care, records
from webapp.services.errors import ValidationError
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp
from webapp.web.therapist.detail import back_to, detail_context, detail_page, pain_limit_context


def _alert_answer(alert: Alert, patient: User, **answer: Any) -> ResponseReturnValue:
    """Show the alert again (htmx), or the patient's page at their alerts."""
    return respond(
        "therapist/patient.html",
        "therapist/_alert.html",
        full_page=lambda: detail_context(patient),
        alert=alert,
        alert_kinds=alerts.KINDS,
        patient=patient,
        **answer,
    )


@bp.post("/alerts/<int:alert_id>/acknowledge")
@roles_required(Role.THERAPIST)
def acknowledge(alert_id: int) -> ResponseReturnValue:
    """Mark an alert seen, with a note."""
    alert, person = records.linked_alert(db.session, me(), alert_id)
    note = request.form.get("note", "")
    try:
        alerts.acknowledge(db.session, me(), alert, note=note)
    except ValidationError as exc:
        db.session.rollback()
        alert, person = records.linked_alert(db.session, me(), alert_id)
        refused = {"id": alert.id, "note": note, "error": exc.first("note")}
        return _alert_answer(alert, person, status=422, ack=refused)
    db.session.commit()
    return _alert_answer(
        alert,
        person,
        trigger="alert-acknowledged",
        redirect_to=back_to(person, "alerts"),
        message=_("Alert acknowledged."),
    )


@bp.post("/patients/<int:patient_id>/pain-threshold")
@roles_required(Role.THERAPIST)
def patient_pain_threshold(patient_id: int) -> ResponseReturnValue:
    """Set when this patient's pain counts as high (empty: my usual setting)."""
    person = care.linked_patient(db.session, me(), patient_id)
    typed = request.form.get("pain_threshold", "")
    try:
        alerts.set_patient_pain_threshold(db.session, me(), person, typed)
    except ValidationError as exc:
        db.session.rollback()
        refused = pain_limit_context(person, typed.strip(), exc.first("pain_threshold"))
        return detail_page(person, status=422, **refused)
    audit.record(db.session, me(), "patient.pain_threshold", patient=person, detail=typed.strip())
    db.session.commit()
    return respond(redirect_to=back_to(person, "alerts"), message=_("High-pain alert saved."))


def _settings_values(form: Any = None) -> dict[str, Any]:
    if form is None:
        current = alerts.settings_of(db.session, me())
        return {
            "inactivity_days": str(current.inactivity_days),
            "pain_threshold": str(current.pain_threshold),
            "push_alerts": current.push_alerts,
        }
    return {
        "inactivity_days": form.get("inactivity_days", ""),
        "pain_threshold": form.get("pain_threshold", ""),
        "push_alerts": form.get("push_alerts") == "on",
    }


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def settings() -> ResponseReturnValue:
    """Choose when alerts are raised, and whether they come to my devices."""
    values = _settings_values()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _settings_values(request.form)
        try:
            alerts.save_settings(db.session, me(), **values)
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            return respond(
                redirect_to=url_for("therapist.settings"), message=_("Alert settings saved.")
            )
    db.session.commit()
    status = 422 if errors else 200
    return respond("therapist/settings.html", status=status, values=values, errors=errors)
