"""Ending a patient's care, and bringing them back: from the patient's page."""

from __future__ import annotations

from flask import current_app
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Role
from webapp.services import care, discharge
from webapp.services.errors import ValidationError
from webapp.web.formatting import local_date
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp
from webapp.web.therapist.detail import back_to


@bp.post("/patients/<int:patient_id>/discharge")
@roles_required(Role.THERAPIST)
def discharge_patient(patient_id: int) -> ResponseReturnValue:
    """Discharge the patient: the program ends, reminders stop, reading stays for a while."""
    person = care.linked_patient(db.session, me(), patient_id)
    days = current_app.config["DISCHARGE_ACCESS_DAYS"]
    try:
        discharge.discharge(db.session, me(), person, access_days=days)
    except ValidationError as exc:
        db.session.rollback()
        return respond(
            redirect_to=back_to(person, "care"), message=exc.first("__all__"), category="error"
        )
    db.session.commit()
    until = local_date(person.access_until, current_app.config["CLINIC_TIMEZONE"])
    message = _(
        "%(name)s is discharged. They can read their history until %(day)s.",
        name=person.display_name,
        day=until,
    )
    return respond(redirect_to=back_to(person, "care"), message=message)


@bp.post("/patients/<int:patient_id>/reactivate")
@roles_required(Role.THERAPIST)
def reactivate_patient(patient_id: int) -> ResponseReturnValue:
    """Bring a discharged patient back into care."""
    person = care.linked_patient(db.session, me(), patient_id)
    try:
        discharge.reactivate(db.session, me(), person)
    except ValidationError as exc:
        db.session.rollback()
        return respond(
            redirect_to=back_to(person, "care"), message=exc.first("__all__"), category="error"
        )
    db.session.commit()
    message = _("%(name)s is in your care again.", name=person.display_name)
    return respond(redirect_to=back_to(person, "care"), message=message)
