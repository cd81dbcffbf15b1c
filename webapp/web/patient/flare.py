"""The flare-up plan from the patient's side: switching to it for a few days, and back."""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Role
from webapp.services import clock, flares
from webapp.services.errors import ValidationError
from webapp.web.formatting import long_date
from webapp.web.patient.blueprint import bp, first_message
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required


@bp.post("/flare")
@roles_required(Role.PATIENT)
def start_flare() -> ResponseReturnValue:
    """Switch to the flare-up plan from today."""
    home = url_for("patient.home")
    try:
        spell = flares.start_spell(db.session, me(), today=clock.local_today(me().timezone))
    except ValidationError as exc:
        db.session.rollback()
        return respond(redirect_to=home, message=first_message(exc), category="error")
    db.session.commit()
    until = long_date(spell.end_date) if spell.end_date else ""
    message = _("Your flare-up plan is on until %(date)s. Go gently.", date=until)
    return respond(redirect_to=home, message=message)


@bp.post("/flare/end")
@roles_required(Role.PATIENT)
def end_flare() -> ResponseReturnValue:
    """Go back to the usual plan from today."""
    flares.end_spell(db.session, me(), today=clock.local_today(me().timezone))
    db.session.commit()
    return respond(redirect_to=url_for("patient.home"), message=_("Back to your usual plan."))
