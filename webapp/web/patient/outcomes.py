"""Questionnaires on the phone: answer one that is due, keep a draft, see the trend after."""

from __future__ import annotations

from collections.abc import Mapping

from flask import abort, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.extensions import db
from webapp.models import OutcomeResponse, Role, utcnow
from webapp.services import clock, outcomes
from webapp.services.errors import NotFound, ValidationError
from webapp.web import formatting
from webapp.web.patient.blueprint import bp, first_message, new_client_id, refusal, translated
from webapp.web.rendering import respond, wants_json
from webapp.web.security import me, roles_required

KEPT_FOR_LATER = _l("Your answers are kept. Finish whenever suits you.")


def _values(draft: OutcomeResponse | None) -> dict[str, str]:
    """Return a draft's answers as form values (``item-<key>`` and ``name-<key>``)."""
    if draft is None:
        return {}
    values = {f"item-{a.item_key}": "" if a.value is None else str(a.value) for a in draft.answers}
    values.update({f"name-{a.item_key}": a.label for a in draft.answers})
    return values


def _page(
    sheet: outcomes.Sheet, values: Mapping[str, str], errors: dict[str, list[str]], status: int
) -> ResponseReturnValue:
    return respond(
        "patient/questionnaire.html",
        status=status,
        sheet=sheet,
        values=values,
        errors=errors,
        client_id=new_client_id(),
    )


@bp.get("/questionnaires/<slug>")
@roles_required(Role.PATIENT)
def questionnaire(slug: str) -> ResponseReturnValue:
    """Show a due questionnaire, with the answers already kept."""
    try:
        sheet = outcomes.sheet(db.session, me(), slug)
    except NotFound:
        return respond(redirect_to=url_for("patient.questionnaire_done", slug=slug))
    return _page(sheet, _values(sheet.draft), {}, 200)


def _not_due(slug: str) -> ResponseReturnValue:
    if wants_json():
        return refusal(_("This questionnaire is not due any more."), "not_found")
    return respond(redirect_to=url_for("patient.questionnaire_done", slug=slug))


def _refused(slug: str, exc: ValidationError) -> ResponseReturnValue:
    if wants_json():
        return refusal(first_message(exc), exc.code, exc.errors)
    return _page(outcomes.sheet(db.session, me(), slug), request.form, translated(exc.errors), 422)


@bp.post("/questionnaires/<slug>")
@roles_required(Role.PATIENT)
def answer_questionnaire(slug: str) -> ResponseReturnValue:
    """Keep the answers given; "Done" scores it, "Finish later" keeps a draft."""
    # Not "action": a field of that name would hide the form's own action from scripts.
    finish = request.form.get("next_step") != "later"
    client_id = request.form.get("client_id") or None
    try:
        response = outcomes.submit(
            db.session, me(), slug, request.form, finish=finish, client_id=client_id
        )
    except (NotFound, ValidationError) as exc:
        db.session.rollback()
        return _not_due(slug) if isinstance(exc, NotFound) else _refused(slug, exc)
    db.session.commit()
    if wants_json():
        return jsonify(id=response.id, status=response.status, score=response.score), 200
    if finish:
        return respond(redirect_to=url_for("patient.questionnaire_done", slug=slug))
    return respond(redirect_to=url_for("patient.home"), message=str(KEPT_FOR_LATER))


@bp.get("/questionnaires/<slug>/done")
@roles_required(Role.PATIENT)
def questionnaire_done(slug: str) -> ResponseReturnValue:
    """Thank the patient and show their own trend in plain words."""
    instrument = outcomes.instruments.get(slug)
    if instrument is None:
        abort(404)
    responses = outcomes.history(db.session, me(), slug)
    day = clock.local_today(me().timezone)
    return respond(
        "patient/questionnaire_done.html",
        instrument=instrument,
        words=formatting.trend_words(instrument, responses, day),
        answered=bool(responses),
        still_due=outcomes.due_now(db.session, me(), utcnow()),
    )
