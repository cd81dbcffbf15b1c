"""Self-care: an exercise from the library done apart from the plan, with the player."""

from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Role
from webapp.services import library, records, today
from webapp.services.errors import NotFound, ValidationError
from webapp.web.content_text import exercise_text
from webapp.web.patient.blueprint import SELFCARE_GONE, bp, gone, refuse
from webapp.web.rendering import respond, wants_json
from webapp.web.security import me, roles_required


@bp.get("/selfcare/<int:exercise_id>")
@roles_required(Role.PATIENT)
def selfcare(exercise_id: int) -> ResponseReturnValue:
    """Do one self-care exercise with the player."""
    exercise = library.get_exercise(db.session, me(), exercise_id)
    if not exercise.self_care or exercise.post_surgical:
        abort(404)
    return render_template("patient/selfcare.html", exercise=exercise)


@bp.post("/selfcare/<int:exercise_id>")
@roles_required(Role.PATIENT)
def selfcare_done(exercise_id: int) -> ResponseReturnValue:
    """Log a self-care exercise, apart from the plan."""
    try:
        exercise = records.exercise(db.session, exercise_id)
        today.record_selfcare(
            db.session,
            me(),
            client_id=request.form.get("client_id", ""),
            exercise=exercise,
            pain_during=request.form.get("pain_during"),
            difficulty=request.form.get("difficulty"),
        )
    except NotFound:
        db.session.rollback()
        return gone(str(SELFCARE_GONE), "not_found")
    except ValidationError as exc:
        db.session.rollback()
        return refuse(exc, back=url_for("patient.selfcare", exercise_id=exercise_id))
    db.session.commit()
    if wants_json():
        return jsonify(status="saved"), 201
    message = _("Logged %(title)s as self-care. Nice work.", title=exercise_text(exercise).title)
    return respond(redirect_to=url_for("library.browse"), message=message)
