"""The patient's conversation with their care team: read it, write, take a message back."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Exercise, Role
from webapp.services import care, library, messages
from webapp.services.errors import NotFound, ValidationError
from webapp.web.messages import limits, optional_id
from webapp.web.messages.forms import MessageForm
from webapp.web.patient.blueprint import bp, first_message, new_client_id, refusal, refuse
from webapp.web.rendering import respond, wants_json
from webapp.web.security import me, roles_required


def _page(form: MessageForm, status: int = 200) -> ResponseReturnValue:
    shown = messages.show(db.session, me(), me())
    db.session.commit()  # the read receipts and the audit of this view
    team = [t for t in care.therapists_of(db.session, me()) if t.is_active]
    return respond(
        "messages/patient.html",
        status=status,
        form=form,
        shown=shown,
        about=_about(form),
        team=team,
    )


def _about(form: MessageForm) -> Exercise | None:
    wanted = optional_id(form.exercise_id.data)
    if wanted is None:
        return None
    try:
        return library.get_exercise(db.session, me(), wanted)
    except NotFound:
        return None


@bp.get("/messages")
@roles_required(Role.PATIENT)
def messages_page() -> ResponseReturnValue:
    """Show the conversation with the care team, and a form to write (maybe about an exercise)."""
    form = MessageForm(formdata=None, exercise_id=request.args.get("exercise", ""))
    form.client_id.data = new_client_id()
    return _page(form)


@bp.post("/messages")
@roles_required(Role.PATIENT)
def send_message() -> ResponseReturnValue:
    """Send a message to the care team (the outbox may send it later; it counts once)."""
    form = MessageForm()
    try:
        sent = messages.send(
            db.session,
            me(),
            me(),
            form.body.data or "",
            limits=limits(),
            exercise_id=optional_id(form.exercise_id.data),
            client_id=form.client_id.data or None,
        )
    except ValidationError as exc:
        db.session.rollback()
        if wants_json():
            return refusal(first_message(exc), exc.code, exc.errors)
        form.body.errors = [first_message(exc)]
        return _page(form, status=422)
    db.session.commit()
    if wants_json():
        return jsonify(id=sent.id), 201
    return respond(redirect_to=url_for("patient.messages_page") + "#latest", message=_("Sent."))


@bp.post("/messages/<int:message_id>/take-back")
@roles_required(Role.PATIENT)
def take_back_message(message_id: int) -> ResponseReturnValue:
    """Take back a message that nobody has read yet, within 5 minutes."""
    back = url_for("patient.messages_page")
    try:
        messages.take_back(db.session, me(), message_id)
    except ValidationError as exc:
        db.session.rollback()
        return refuse(exc, back=back)
    db.session.commit()
    return respond(redirect_to=back, message=_("Your message is taken back."))
