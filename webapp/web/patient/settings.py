"""The patient's settings: time zone, reminders, and asking for their record to be erased."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from webapp.extensions import db
from webapp.models import ReminderSettings, Role
from webapp.services import accounts, devices, discharge, programs, reminders
from webapp.services.errors import ValidationError
from webapp.web.patient.blueprint import bp, translated
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required


@bp.post("/timezone")
@roles_required(Role.PATIENT)
def set_timezone() -> ResponseReturnValue:
    """Use the time zone the phone reports."""
    name = request.form.get("timezone", "")
    if not accounts.valid_timezone(name):
        return respond(redirect_to=url_for("patient.home"))
    accounts.update_profile(db.session, me(), name=me().display_name, timezone=name)
    db.session.commit()
    return respond(
        redirect_to=url_for("patient.home"), message=_("Your day now follows %(zone)s.", zone=name)
    )


def _reminders_page(
    values: dict[str, Any],
    errors: dict[str, list[str]],
    *,
    status: int = 200,
    redirect_to: str | None = None,
    message: str | None = None,
) -> ResponseReturnValue:
    return respond(
        "patient/reminders.html",
        "patient/_reminders_form.html",
        status=status,
        redirect_to=redirect_to,
        message=message,
        values=values,
        errors=errors,
        default_times=reminders.program_times(programs.active_program(db.session, me())),
        devices=devices.count(db.session, me()),
        saved=request.method == "POST" and not errors,
        settings=reminders.settings_for(db.session, me()),
    )


def _settings_values(settings: ReminderSettings) -> dict[str, Any]:
    return {
        "exercise_on": settings.exercise_on,
        "exercise_times": list(settings.exercise_times),
        "checkin_on": settings.checkin_on,
        "checkin_time": settings.checkin_time,
        "visit_on": settings.visit_on,
        "quiet_start": settings.quiet_start,
        "quiet_end": settings.quiet_end,
    }


def _settings_input(form: MultiDict[str, str]) -> reminders.SettingsInput:
    return reminders.SettingsInput(
        exercise_on=form.get("exercise_on") == "on",
        exercise_times=[t for t in form.getlist("exercise_times") if t.strip()],
        checkin_on=form.get("checkin_on") == "on",
        checkin_time=form.get("checkin_time", "").strip(),
        visit_on=form.get("visit_on") == "on",
        quiet_start=form.get("quiet_start", "").strip(),
        quiet_end=form.get("quiet_end", "").strip(),
    )


@bp.get("/reminders")
@roles_required(Role.PATIENT)
def reminder_settings() -> ResponseReturnValue:
    """Show what the patient is reminded of, and when."""
    settings = reminders.settings_for(db.session, me())
    db.session.commit()
    return _reminders_page(_settings_values(settings), {})


@bp.post("/reminders")
@roles_required(Role.PATIENT)
def save_reminder_settings() -> ResponseReturnValue:
    """Save the reminder settings."""
    data = _settings_input(request.form)
    try:
        reminders.save_settings(db.session, me(), data)
    except ValidationError as exc:
        db.session.rollback()
        return _reminders_page(data.__dict__, translated(exc.errors), status=422)
    db.session.commit()
    return _reminders_page(
        data.__dict__,
        {},
        redirect_to=url_for("patient.reminder_settings"),
        message=_("Your reminder settings are saved."),
    )


@bp.post("/erasure-request")
@roles_required(Role.PATIENT)
def request_erasure() -> ResponseReturnValue:
    """Ask the clinic to erase my record (the admin sees the request)."""
    asked = discharge.request_erasure(db.session, me())
    db.session.commit()
    message = (
        _("Your request is sent. The clinic's administrator will contact you before erasing.")
        if asked
        else _("You have already asked. The clinic's administrator will contact you.")
    )
    return respond(redirect_to=url_for("auth.account") + "#erasure-h", message=message)
