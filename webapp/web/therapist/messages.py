"""Messages on the therapist's side: the list, one conversation, answers and quick replies."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Role, User
from webapp.services import care, messages, weekly_summary
from webapp.services.errors import ValidationError
from webapp.web.messages import limits, optional_id
from webapp.web.messages.forms import MessageForm, QuickReplyForm
from webapp.web.rendering import respond, wants_fragment
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp


def wants_weekly_summary() -> bool:
    """Return whether the signed-in person gets the weekly summary email."""
    return weekly_summary.wants_summary(db.session, me())


@bp.get("/messages")
@roles_required(Role.THERAPIST)
def inbox() -> ResponseReturnValue:
    """List the patients who have written, those waiting for an answer first."""
    return respond("messages/inbox.html", rows=messages.inbox(db.session, me()))


def _conversation(patient: User, form: MessageForm, status: int = 200) -> ResponseReturnValue:
    shown = messages.show(db.session, me(), patient)
    db.session.commit()  # the read receipts and the audit of this view
    context: dict[str, Any] = {
        "patient": patient,
        "shown": shown,
        "form": form,
        "awaiting": messages.awaiting_answer(shown),
        "quick_replies": messages.quick_replies.of(db.session, me()),
    }
    return respond(
        "messages/therapist.html", "messages/_therapist_panel.html", status=status, **context
    )


@bp.get("/patients/<int:patient_id>/messages")
@roles_required(Role.THERAPIST)
def conversation(patient_id: int) -> ResponseReturnValue:
    """Show a patient's conversation with the care team, and a form to answer.

    ``?reply=<id>`` puts one of one's quick replies in the box, to adapt before sending.
    """
    patient = care.linked_patient(db.session, me(), patient_id)
    form = MessageForm(formdata=None)
    chosen = optional_id(request.args.get("reply"))
    if chosen is not None:
        form.body.data = messages.quick_replies.get(db.session, me(), chosen).text
    return _conversation(patient, form)


def _text_to_send(form: MessageForm) -> str:
    quick = optional_id(request.form.get("quick_reply"))
    if quick is not None:
        return messages.quick_replies.get(db.session, me(), quick).text
    return form.body.data or ""


@bp.post("/patients/<int:patient_id>/messages")
@roles_required(Role.THERAPIST)
def answer(patient_id: int) -> ResponseReturnValue:
    """Answer the patient (typed, or one of one's quick replies)."""
    patient = care.linked_patient(db.session, me(), patient_id)
    form = MessageForm()
    try:
        messages.send(db.session, me(), patient, _text_to_send(form), limits=limits())
    except ValidationError as exc:
        db.session.rollback()
        form.body.errors = [next(iter(exc.errors.values()))[0]]
        return _conversation(patient, form, status=422)
    db.session.commit()
    if wants_fragment():  # the panel beside the patient's page: stay there
        return _conversation(patient, MessageForm(formdata=None))
    back = url_for("therapist.conversation", patient_id=patient.id) + "#latest"
    return respond(redirect_to=back, message=_("Sent."))


@bp.post("/patients/<int:patient_id>/messages/handled")
@roles_required(Role.THERAPIST)
def mark_handled(patient_id: int) -> ResponseReturnValue:
    """Mark what the patient wrote as handled, without writing back."""
    patient = care.linked_patient(db.session, me(), patient_id)
    messages.mark_handled(db.session, me(), patient)
    db.session.commit()
    if wants_fragment():
        return _conversation(patient, MessageForm(formdata=None))
    back = url_for("therapist.conversation", patient_id=patient.id)
    return respond(redirect_to=back, message=_("Marked as handled."))


@bp.post("/messages/<int:message_id>/take-back")
@roles_required(Role.THERAPIST)
def take_back_message(message_id: int) -> ResponseReturnValue:
    """Take back one's own message that the patient has not read yet, within 5 minutes."""
    try:
        taken = messages.take_back(db.session, me(), message_id)
    except ValidationError as exc:
        db.session.rollback()
        return respond(
            redirect_to=url_for("therapist.inbox"), message=exc.first("__all__"), category="error"
        )
    db.session.commit()
    back = url_for("therapist.conversation", patient_id=taken.patient_id)
    return respond(redirect_to=back, message=_("Your message is taken back."))


@bp.route("/quick-replies", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def quick_replies() -> ResponseReturnValue:
    """List one's quick replies and save a new one."""
    form = QuickReplyForm()
    if form.validate_on_submit():
        try:
            messages.quick_replies.add(db.session, me(), form.text.data or "")
        except ValidationError as exc:
            db.session.rollback()
            form.text.errors = exc.errors.get("text", [])
        else:
            db.session.commit()
            return respond(redirect_to=url_for("therapist.quick_replies"), message=_("Saved."))
    replies = messages.quick_replies.of(db.session, me())
    status = 422 if form.text.errors else 200
    return respond("messages/quick_replies.html", status=status, form=form, replies=replies)


@bp.post("/quick-replies/<int:reply_id>/delete")
@roles_required(Role.THERAPIST)
def delete_quick_reply(reply_id: int) -> ResponseReturnValue:
    """Delete one of one's quick replies."""
    messages.quick_replies.remove(db.session, me(), reply_id)
    db.session.commit()
    return respond(redirect_to=url_for("therapist.quick_replies"), message=_("Deleted."))


@bp.post("/settings/summary")
@roles_required(Role.THERAPIST)
def weekly_summary_setting() -> ResponseReturnValue:
    """Turn the weekly summary email on or off."""
    on = request.form.get("weekly_summary") == "on"
    weekly_summary.set_summary(db.session, me(), on)
    db.session.commit()
    message = _("The weekly summary is on.") if on else _("The weekly summary is off.")
    return respond(redirect_to=url_for("therapist.settings"), message=message)
