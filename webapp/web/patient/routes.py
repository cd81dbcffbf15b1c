"""Views for the patient: their home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from webapp.extensions import db
from webapp.models import Role
from webapp.services import care
from webapp.web.security import roles_required

bp = Blueprint("patient", __name__, url_prefix="/me")


@bp.get("/")
@roles_required(Role.PATIENT)
def home() -> str:
    """Show the patient's home page."""
    therapists = care.therapists_of(db.session, current_user._get_current_object())
    return render_template("patient/home.html", therapists=therapists)
