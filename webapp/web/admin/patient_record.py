"""The admin's part in a patient's record from start to end: discharge, reactivate, erase."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Role
from webapp.services import discharge, erasure, records
from webapp.services.errors import ValidationError
from webapp.web.admin.forms import EraseForm
from webapp.web.admin.routes import bp
from webapp.web.rendering import apply_errors, respond
from webapp.web.security import me, roles_required


@bp.post("/patients/<int:patient_id>/discharge")
@roles_required(Role.ADMIN)
def discharge_patient(patient_id: int) -> ResponseReturnValue:
    """Discharge a patient: the program ends, reminders stop, reading stays for a while."""
    patient = records.patient(db.session, patient_id)
    days = current_app.config["DISCHARGE_ACCESS_DAYS"]
    back = url_for("admin.patients")
    try:
        discharge.discharge(db.session, me(), patient, access_days=days)
    except ValidationError as exc:
        db.session.rollback()
        return respond(redirect_to=back, message=exc.first("__all__"), category="error")
    db.session.commit()
    message = _("%(name)s is discharged.", name=patient.display_name)
    return respond(redirect_to=back, message=message)


@bp.post("/patients/<int:patient_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate_patient(patient_id: int) -> ResponseReturnValue:
    """Bring a discharged patient back into care (their account opens again)."""
    patient = records.patient(db.session, patient_id)
    back = url_for("admin.patients")
    try:
        discharge.reactivate(db.session, me(), patient)
    except ValidationError as exc:
        db.session.rollback()
        return respond(redirect_to=back, message=exc.first("__all__"), category="error")
    db.session.commit()
    message = _("%(name)s is in care again.", name=patient.display_name)
    return respond(redirect_to=back, message=message)


@bp.route("/patients/<int:patient_id>/erase", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def erase_patient(patient_id: int) -> ResponseReturnValue:
    """Erase every record of a patient, once the admin types their full name."""
    patient = records.patient(db.session, patient_id)
    form = EraseForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return respond("admin/erase.html", status=status, form=form, patient=patient)
    try:
        report = erasure.erase_patient(
            db.session,
            me(),
            patient,
            typed_name=form.name.data or "",
            media_folder=Path(current_app.config["MEDIA_FOLDER"]),
        )
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc.errors)
        return respond("admin/erase.html", status=422, form=form, patient=patient)
    db.session.commit()
    return respond(redirect_to=url_for("admin.patients"), message=_erased(report))


def _erased(report: erasure.ErasureReport) -> str:
    """Say that the record is erased, and what of other people's still mentions the name."""
    erased = _(
        "The patient's record is erased. The audit log notes it as patient #%(token)s.",
        token=report.token,
    )
    if not report.mentions:
        return str(erased)
    # The kinds of record are the service's words (N_-marked): shown in the page's language.
    where = ", ".join(f"{_(kind)} ({count})" for kind, count in report.mentions.items())
    mentions = _(
        "Other people's records still mention their name or email: %(where)s. Erasing does "
        "not change someone else's record; please review them.",
        where=where,
    )
    return f"{erased} {mentions}"
