"""Adding a patient at the end of a visit, and their invite link as a QR code."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.extensions import db
from webapp.models import Role
from webapp.services import accounts, care, email_links, invites, languages, mail, programs
from webapp.services.errors import ValidationError
from webapp.web.content_text import template_title
from webapp.web.invite_links import invite_link_key, invite_url, link_policy, qr_svg
from webapp.web.rendering import apply_errors, options, respond, timezone_options
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp
from webapp.web.therapist.forms import NewPatientForm

EMAIL_OFF = _l("Email is off at this clinic (no SMTP settings): show the QR code instead.")


def _new_patient_form() -> NewPatientForm:
    form = NewPatientForm()
    form.timezone.choices = timezone_options()
    form.template.choices = options(
        [("", _("None yet: I will build it later"))]
        + [(str(t.id), template_title(t)) for t in programs.templates(db.session)]
    )
    form.side.choices = options([("", _("Not needed")), ("left", _("Left")), ("right", _("Right"))])
    form.language.choices = options([("", _("As their phone asks")), *languages.choices()])
    if not form.is_submitted():
        form.timezone.data = current_app.config["CLINIC_TIMEZONE"]
    return form


def _create_patient(form: NewPatientForm) -> accounts.NewPatient:
    return accounts.create_patient(
        db.session,
        me(),
        name=form.name.data or "",
        email=form.email.data,
        timezone=form.timezone.data or "",
        invite_ttl_days=current_app.config["INVITE_TTL_DAYS"],
        template_id=form.template.data,
        side=form.side.data or None,
        language=form.language.data or None,
        link_key=invite_link_key(),
    )


def _program_started(created: accounts.NewPatient) -> str | None:
    if created.program is None:
        return None
    return str(
        _(
            "%(name)s's home program “%(title)s” starts today. "
            "You can change it any time from the program builder.",
            name=created.patient.first_name,
            title=created.program.title,
        )
    )


@bp.route("/patients/new", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def new_patient() -> ResponseReturnValue:
    """Add a patient and make their invite link."""
    form = _new_patient_form()
    if form.validate_on_submit():
        try:
            created = _create_patient(form)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            return respond(
                redirect_to=url_for("therapist.invite", patient_id=created.patient.id),
                message=_program_started(created),
            )
    status = 422 if form.errors or form.form_errors else 200
    return respond("therapist/new_patient.html", status=status, form=form)


@bp.get("/patients/<int:patient_id>/invite")
@roles_required(Role.THERAPIST)
def invite(patient_id: int) -> ResponseReturnValue:
    """Show the patient's invite link as a QR code, ready to scan or print."""
    person = care.linked_patient(db.session, me(), patient_id)
    token = invites.open_link_token(db.session, person, link_key=invite_link_key())
    url = invite_url(token) if token else None
    return render_template(
        "therapist/invite.html",
        patient=person,
        url=url,
        qr=qr_svg(url) if url else None,
        ttl_days=current_app.config["INVITE_TTL_DAYS"],
        email_on=mail.mail_enabled(current_app.config),
    )


@bp.post("/patients/<int:patient_id>/invite")
@roles_required(Role.THERAPIST)
def reissue_invite(patient_id: int) -> ResponseReturnValue:
    """Make a new link for the patient (the old one stops working) and sign them out."""
    person = care.linked_patient(db.session, me(), patient_id)
    try:
        accounts.reset_access(
            db.session,
            me(),
            person,
            invite_ttl_days=current_app.config["INVITE_TTL_DAYS"],
            link_key=invite_link_key(),
        )
    except ValidationError as exc:
        db.session.rollback()
        back = url_for("therapist.patient", patient_id=person.id) + "#care"
        return respond(redirect_to=back, message=exc.first("__all__"), category="error")
    db.session.commit()
    return respond(redirect_to=url_for("therapist.invite", patient_id=person.id))


@bp.post("/patients/<int:patient_id>/invite/email")
@roles_required(Role.THERAPIST)
def email_invite(patient_id: int) -> ResponseReturnValue:
    """Send the patient's open link by email, as an alternative to scanning its QR code."""
    person = care.linked_patient(db.session, me(), patient_id)
    back = url_for("therapist.invite", patient_id=person.id)
    if not mail.mail_enabled(current_app.config):
        return respond(redirect_to=back, message=str(EMAIL_OFF), category="error")
    try:
        ttl = int(current_app.config["INVITE_TTL_DAYS"])
        email_links.email_invite(db.session, me(), person, link_policy(), ttl_days=ttl)
    except ValidationError as exc:
        db.session.rollback()
        return respond(redirect_to=back, message=exc.first("__all__"), category="error")
    db.session.commit()
    message = _("The link is on its way to %(email)s.", email=person.email)
    return respond(redirect_to=back, message=message)
