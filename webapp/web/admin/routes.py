"""Views for the clinic admin: therapists and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import InvitePurpose, Role, User
from webapp.services import accounts, audit, invites, numbers
from webapp.services.errors import ValidationError
from webapp.web.admin.forms import NewTherapistForm
from webapp.web.rendering import apply_errors
from webapp.web.security import roles_required
from webapp.web.therapist.routes import invite_url, qr_svg

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _therapists() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.THERAPIST).order_by(User.display_name)
        )
    )


def _page(form: NewTherapistForm, new_link: str | None = None, status: int = 200) -> Any:
    return (
        render_template(
            "admin/home.html",
            form=form,
            therapists=_therapists(),
            new_link=new_link,
            new_qr=qr_svg(new_link) if new_link else None,
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def home() -> Any:
    """List therapists and add one."""
    form = NewTherapistForm()
    if form.validate_on_submit():
        try:
            therapist = accounts.create_staff(
                db.session,
                role=Role.THERAPIST,
                email=form.email.data or "",
                name=form.name.data or "",
                timezone=current_app.config["CLINIC_TIMEZONE"],
            )
            token = invites.issue(
                db.session,
                therapist,
                created_by=current_user._get_current_object(),
                purpose=InvitePurpose.INVITE,
                ttl_days=current_app.config["INVITE_TTL_DAYS"],
            )
            audit.record(
                db.session,
                current_user._get_current_object(),
                "staff.create",
                detail=str(therapist.id),
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
            return _page(form, status=422)
        db.session.commit()
        flash(f"{therapist.display_name} is added. Give them the link below.", "success")
        return _page(NewTherapistForm(formdata=None), new_link=invite_url(token))
    return _page(form, status=422 if form.errors else 200)


@bp.post("/therapists/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_active(user_id: int) -> Any:
    """Enable or disable a therapist."""
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.THERAPIST:
        abort(404)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(db.session, current_user._get_current_object(), user, active)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.first("__all__") or "That did not work.", "error")
    else:
        db.session.commit()
        flash(
            f"{user.display_name} can sign in again."
            if active
            else f"{user.display_name} is disabled and signed out.",
            "success",
        )
    return redirect(url_for("admin.home"), code=303)


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log() -> str:
    """Read the audit log, newest first."""
    before = request.args.get("before", type=numbers.record_id)
    events = audit.recent_events(db.session, limit=100, before_id=before)
    return render_template("admin/audit.html", events=events)


@bp.get("/patients")
@roles_required(Role.ADMIN)
def patients() -> str:
    """List every patient and who cares for them."""
    from webapp.services import care

    return render_template(
        "admin/patients.html", rows=care.all_patients(db.session), therapists=_therapists()
    )


@bp.post("/patients/<int:patient_id>/therapist")
@roles_required(Role.ADMIN)
def move_patient(patient_id: int) -> Any:
    """Move a patient to another therapist."""
    from webapp.services import care

    patient = db.session.get(User, patient_id)
    therapist = db.session.get(User, request.form.get("therapist_id", type=numbers.record_id) or 0)
    if patient is None or not patient.is_patient:
        abort(404)
    if therapist is None or not therapist.is_therapist or not therapist.is_active:
        flash("Please choose an active therapist.", "error")
        return redirect(url_for("admin.patients"), code=303)
    care.move(db.session, current_user._get_current_object(), patient, therapist)
    db.session.commit()
    flash(f"{patient.display_name} is now cared for by {therapist.display_name}.", "success")
    return redirect(url_for("admin.patients"), code=303)
