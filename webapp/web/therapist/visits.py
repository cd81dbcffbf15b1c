"""Visits: booking the next one, moving one and cancelling one (their reminders follow)."""

from __future__ import annotations

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Appointment, Role, User
from webapp.services import care, records, visits
from webapp.services.errors import ValidationError
from webapp.web.formatting import local_datetime
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp
from webapp.web.therapist.detail import back_to, detail_page, visit_values


def _visit_input() -> visits.VisitInput:
    return visits.VisitInput(
        day=request.form.get("day", ""),
        start=request.form.get("start", ""),
        minutes=request.form.get("minutes", ""),
        place_note=request.form.get("place_note", ""),
    )


def _clinic_timezone() -> str:
    return str(current_app.config["CLINIC_TIMEZONE"])


@bp.post("/patients/<int:patient_id>/visits")
@roles_required(Role.THERAPIST)
def book_visit(patient_id: int) -> ResponseReturnValue:
    """Book the next visit."""
    person = care.linked_patient(db.session, me(), patient_id)
    try:
        visit = visits.book(
            db.session, me(), person, _visit_input(), clinic_timezone=_clinic_timezone()
        )
    except ValidationError as exc:
        db.session.rollback()
        return detail_page(
            person, status=422, visit_values=dict(request.form), visit_errors=exc.errors
        )
    db.session.commit()
    when = local_datetime(visit.starts_at, _clinic_timezone())
    message = _("Visit booked for %(when)s.", when=when)
    return respond(redirect_to=back_to(person, "visits"), message=message)


def _visit_page(
    visit: Appointment, patient: User, values: dict[str, str], errors: dict[str, list[str]]
) -> ResponseReturnValue:
    return respond(
        "therapist/visit.html",
        status=422 if errors else 200,
        visit=visit,
        patient=patient,
        values=values,
        errors=errors,
    )


@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def edit_visit(visit_id: int) -> ResponseReturnValue:
    """Move a visit (its reminders follow)."""
    visit, person = records.linked_visit(db.session, me(), visit_id)
    if request.method == "GET":
        return _visit_page(visit, person, visit_values(visit), {})
    try:
        visits.reschedule(
            db.session, me(), visit, _visit_input(), clinic_timezone=_clinic_timezone()
        )
    except ValidationError as exc:
        db.session.rollback()
        visit, person = records.linked_visit(db.session, me(), visit_id)
        return _visit_page(visit, person, dict(request.form), exc.errors)
    db.session.commit()
    message = _("Visit moved; its reminders follow.")
    return respond(redirect_to=back_to(person, "visits"), message=message)


@bp.post("/visits/<int:visit_id>/cancel")
@roles_required(Role.THERAPIST)
def cancel_visit(visit_id: int) -> ResponseReturnValue:
    """Cancel a visit."""
    visit, person = records.linked_visit(db.session, me(), visit_id)
    visits.cancel(db.session, me(), visit)
    db.session.commit()
    message = _("Visit cancelled; its reminders are withdrawn.")
    return respond(redirect_to=back_to(person, "visits"), message=message)
