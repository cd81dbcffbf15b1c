"""The daily check-in: today's form, saving it, and past check-ins (read-only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue

from webapp.extensions import db
from webapp.models import CheckIn, Role
from webapp.services import alerts, checkins, clock
from webapp.services.errors import ValidationError
from webapp.web.patient.blueprint import (
    bp,
    first_message,
    new_client_id,
    parse_day,
    refusal,
    translated,
)
from webapp.web.rendering import respond, wants_json
from webapp.web.security import me, roles_required


def _checkin_page(
    checkin: CheckIn | None,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    status: int = 200,
) -> ResponseReturnValue:
    flags = checkins.red_flags(db.session, me(), checkin) if checkin is not None else None
    return respond(
        "patient/checkin.html",
        status=status,
        checkin=checkin,
        values=values,
        errors=errors,
        flags=flags,
        high_pain_from=alerts.high_pain_from(db.session, me()),
        editable=checkins.editable(checkin, me()),
        client_id=new_client_id(),
        day=clock.local_today(me().timezone),
        saved=request.args.get("saved") == "1",
    )


def _todays() -> CheckIn | None:
    return checkins.for_day(db.session, me(), clock.local_today(me().timezone))


@bp.get("/checkin")
@roles_required(Role.PATIENT)
def checkin() -> ResponseReturnValue:
    """Show today's check-in form (filled in when already done today)."""
    existing = _todays()
    return _checkin_page(existing, values=checkins.form_values(existing), errors={})


def _refused(exc: ValidationError) -> ResponseReturnValue:
    if wants_json():
        return refusal(first_message(exc), exc.code, exc.errors)
    values = checkins.form_values(None, request.form)
    return _checkin_page(_todays(), values=values, errors=translated(exc.errors), status=422)


def _saved_json(saved: checkins.SavedCheckIn) -> ResponseReturnValue:
    return jsonify(
        id=saved.checkin.id,
        local_date=saved.checkin.local_date.isoformat(),
        red_flags=saved.flags.any,
        urgent=saved.flags.urgent,
    ), (201 if saved.created else 200)


@bp.post("/checkin")
@roles_required(Role.PATIENT)
def save_checkin() -> ResponseReturnValue:
    """Save today's check-in."""
    try:
        saved = checkins.save(
            db.session,
            me(),
            checkins.CheckInInput.from_form(request.form),
            client_id=request.form.get("client_id") or None,
            done_on=parse_day(request.form.get("done_on")),
        )
    except ValidationError as exc:
        db.session.rollback()
        return _refused(exc)
    db.session.commit()
    if wants_json():
        return _saved_json(saved)
    return respond(redirect_to=url_for("patient.checkin", saved=1))


@bp.get("/checkin/<day>")
@roles_required(Role.PATIENT)
def past_checkin(day: str) -> ResponseReturnValue:
    """Show a past check-in, read-only."""
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        abort(404)
    found = checkins.for_day(db.session, me(), wanted)
    if found is None:
        abort(404)
    if checkins.editable(found, me()):
        return redirect(url_for("patient.checkin"))
    return _checkin_page(found, values=checkins.form_values(found), errors={})


@bp.get("/soreness")
@roles_required(Role.PATIENT)
def soreness() -> ResponseReturnValue:
    """Show the shared card: normal soreness, doing less, or stopping."""
    return respond("patient/soreness.html")
