"""Views for the clinic admin: therapists and the audit log."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import InvitePurpose, Role, User
from webapp.services import accounts, audit, care, discharge, invites, numbers, records, twofactor
from webapp.services.errors import ValidationError
from webapp.web.admin.forms import NewTherapistForm
from webapp.web.invite_links import invite_url, qr_svg
from webapp.web.rendering import apply_errors, respond
from webapp.web.security import me, roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _page(
    form: NewTherapistForm, new_link: str | None = None, status: int = 200
) -> ResponseReturnValue:
    return respond(
        "admin/home.html",
        status=status,
        form=form,
        therapists=records.therapists(db.session),
        new_link=new_link,
        new_qr=qr_svg(new_link) if new_link else None,
    )


def _add_therapist(form: NewTherapistForm) -> tuple[User, str]:
    """Add the therapist the form describes; return them and their invite token."""
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
        created_by=me(),
        purpose=InvitePurpose.INVITE,
        ttl_days=current_app.config["INVITE_TTL_DAYS"],
    )
    audit.record(db.session, me(), "staff.create", detail=str(therapist.id))
    return therapist, token


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def home() -> ResponseReturnValue:
    """List therapists and add one."""
    form = NewTherapistForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.errors else 200)
    try:
        therapist, token = _add_therapist(form)
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc.errors)
        return _page(form, status=422)
    db.session.commit()
    # The page shows the link once; it is not kept anywhere to show again.
    flash(_("%(name)s is added. Give them the link below.", name=therapist.display_name), "success")
    return _page(NewTherapistForm(formdata=None), new_link=invite_url(token))


@bp.post("/therapists/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_active(user_id: int) -> ResponseReturnValue:
    """Enable or disable a therapist."""
    user = records.therapist(db.session, user_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(db.session, me(), user, active)
    except ValidationError as exc:
        db.session.rollback()
        message = exc.first("__all__") or _("That did not work.")
        return respond(redirect_to=url_for("admin.home"), message=message, category="error")
    db.session.commit()
    message = (
        _("%(name)s can sign in again.", name=user.display_name)
        if active
        else _("%(name)s is disabled and signed out.", name=user.display_name)
    )
    return respond(redirect_to=url_for("admin.home"), message=message)


@bp.post("/therapists/<int:user_id>/two-factor/reset")
@roles_required(Role.ADMIN)
def reset_two_factor(user_id: int) -> ResponseReturnValue:
    """Turn off a therapist's second factor (lost phone): they set it up at next sign-in."""
    user = records.therapist(db.session, user_id)
    twofactor.reset(db.session, me(), user)
    db.session.commit()
    message = _(
        "%(name)s's two-factor sign-in is reset and they are signed out. They set it up "
        "again the next time they sign in.",
        name=user.display_name,
    )
    return respond(redirect_to=url_for("admin.home"), message=message)


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log() -> ResponseReturnValue:
    """Read the audit log, newest first."""
    before = request.args.get("before", type=numbers.record_id)
    events = audit.recent_events(db.session, limit=100, before_id=before)
    return render_template("admin/audit.html", events=events)


@bp.get("/patients")
@roles_required(Role.ADMIN)
def patients() -> ResponseReturnValue:
    """List every patient and who cares for them."""
    return render_template(
        "admin/patients.html",
        rows=care.all_patients(db.session),
        therapists=records.therapists(db.session),
        erasure_requests=discharge.erasure_requests(db.session),
    )


@bp.post("/patients/<int:patient_id>/therapist")
@roles_required(Role.ADMIN)
def move_patient(patient_id: int) -> ResponseReturnValue:
    """Move a patient to another therapist."""
    patient = records.patient(db.session, patient_id)
    chosen = request.form.get("therapist_id", type=numbers.record_id)
    therapist = records.active_therapist(db.session, chosen)
    back = url_for("admin.patients")
    if therapist is None:
        return respond(
            redirect_to=back, message=_("Please choose an active therapist."), category="error"
        )
    care.move(db.session, me(), patient, therapist)
    db.session.commit()
    message = _(
        "%(patient)s is now cared for by %(therapist)s.",
        patient=patient.display_name,
        therapist=therapist.display_name,
    )
    return respond(redirect_to=back, message=message)
