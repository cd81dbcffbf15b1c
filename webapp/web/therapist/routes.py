"""Views for the therapist: their patients, adding a patient, invite links."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from webapp.extensions import db
from webapp.models import Role, User
from webapp.services import accounts, care, invites, programs
from webapp.services.errors import NotFound, ValidationError
from webapp.web.rendering import apply_errors, options, timezone_options
from webapp.web.security import roles_required
from webapp.web.therapist.forms import NewPatientForm

bp = Blueprint("therapist", __name__, url_prefix="/clinic")


def me() -> User:
    """Return the signed-in therapist as a model instance."""
    user: User = current_user._get_current_object()
    return user


def linked_patient_or_404(patient_id: int) -> User:
    """Return a patient linked to the signed-in therapist, or answer 404."""
    try:
        return care.linked_patient(db.session, me(), patient_id)
    except NotFound:
        abort(404)


def invite_url(token: str) -> str:
    """Return the absolute URL of an invite link."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("auth.invite", token=token)
    return f"{base}{path}" if base else url_for("auth.invite", token=token, _external=True)


def invite_link_key() -> bytes:
    """Return the key invite links are made with, so they can be shown again."""
    # A key of its own, derived from the secret key, so no other signature can be replayed
    # as an invite link.
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"between-visits invite links", hashlib.sha256).digest()


def qr_svg(url: str) -> str:
    """Return an inline SVG QR code for a URL."""
    qr = segno.make(url, error="m")
    svg: str = qr.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code of the invite link" ', 1)


@bp.route("/patients/new", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def new_patient() -> Any:
    """Add a patient and make their invite link."""
    form = NewPatientForm()
    form.timezone.choices = timezone_options()
    form.template.choices = options(
        [("", "None yet: I will build it later")]
        + [(str(t.id), t.title) for t in programs.templates(db.session)]
    )
    form.side.choices = options([("", "Not needed"), ("left", "Left"), ("right", "Right")])
    if not form.is_submitted():
        form.timezone.data = current_app.config["CLINIC_TIMEZONE"]
    if form.validate_on_submit():
        try:
            created = accounts.create_patient(
                db.session,
                me(),
                name=form.name.data or "",
                email=form.email.data,
                timezone=form.timezone.data or "",
                invite_ttl_days=current_app.config["INVITE_TTL_DAYS"],
                template_id=form.template.data,
                side=form.side.data or None,
                link_key=invite_link_key(),
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            if created.program is not None:
                flash(
                    f"{created.patient.first_name}'s home program “{created.program.title}” "
                    "starts today. You can change it any time from the program builder.",
                    "success",
                )
            return redirect(url_for("therapist.invite", patient_id=created.patient.id), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("therapist/new_patient.html", form=form), status


@bp.get("/patients/<int:patient_id>/invite")
@roles_required(Role.THERAPIST)
def invite(patient_id: int) -> str:
    """Show the patient's invite link as a QR code, ready to scan or print."""
    person = linked_patient_or_404(patient_id)
    token = invites.open_link_token(db.session, person, link_key=invite_link_key())
    url = invite_url(token) if token else None
    return render_template(
        "therapist/invite.html",
        patient=person,
        url=url,
        qr=qr_svg(url) if url else None,
        ttl_days=current_app.config["INVITE_TTL_DAYS"],
    )


@bp.post("/patients/<int:patient_id>/invite")
@roles_required(Role.THERAPIST)
def reissue_invite(patient_id: int) -> Any:
    """Make a new link for the patient (the old one stops working) and sign them out."""
    person = linked_patient_or_404(patient_id)
    accounts.reset_access(
        db.session,
        me(),
        person,
        invite_ttl_days=current_app.config["INVITE_TTL_DAYS"],
        link_key=invite_link_key(),
    )
    db.session.commit()
    return redirect(url_for("therapist.invite", patient_id=person.id), code=303)
