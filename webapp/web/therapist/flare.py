"""The patient's flare-up plan, set by the therapist on the patient's page."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Role
from webapp.services import care, flares, programs
from webapp.services.errors import ValidationError
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp
from webapp.web.therapist.detail import back_to, detail_page, flare_context


@bp.post("/patients/<int:patient_id>/flare-plan")
@roles_required(Role.THERAPIST)
def flare_plan(patient_id: int) -> ResponseReturnValue:
    """Save the patient's flare-up plan: lighter exercises, comfort, when to call."""
    person = care.linked_patient(db.session, me(), patient_id)
    form = request.form
    active = programs.active_program(db.session, person)
    lineages = [i.lineage for i in programs.current_items(active)] if active else []
    choices = {lineage: form.get(f"flare-{lineage}", "out") for lineage in lineages}
    data = flares.FlarePlanInput(
        choices, form.get("comfort", ""), form.get("when_to_call", ""), form.get("days", "")
    )
    try:
        flares.save_plan(db.session, me(), person, data)
    except ValidationError as exc:
        db.session.rollback()
        return detail_page(person, status=422, **flare_context(person, form, exc.errors))
    db.session.commit()
    return respond(redirect_to=back_to(person, "flare"), message=_("Flare-up plan saved."))
