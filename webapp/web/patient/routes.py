"""Views for the patient: Today, the guided player, check-in, progress, self-care, data."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from webapp.extensions import db
from webapp.models import Exercise, Role, User
from webapp.services import (
    checkins,
    clock,
    devices,
    export,
    library,
    numbers,
    programs,
    progress,
    reminders,
    today,
)
from webapp.services.errors import NotFound, ValidationError
from webapp.web import charts
from webapp.web.rendering import render, wants_fragment
from webapp.web.security import roles_required

bp = Blueprint("patient", __name__, url_prefix="/me")


def me() -> User:
    """Return the signed-in patient."""
    user: User = current_user._get_current_object()
    return user


def new_client_id() -> str:
    """Return a fresh id for a form, so sending it twice records it once."""
    return uuid.uuid4().hex


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "new_client_id": new_client_id,
        "difficulties": today.DIFFICULTIES,
        "warning_signs": checkins.WARNING_SIGNS,
        "sleep_options": checkins.SLEEP,
        "kind_word_for": today.kind_word,
    }


def _greeting(user: User) -> str:
    hour = clock.local_now(user.timezone).hour
    if hour < 12:
        return "Good morning"
    if hour < 18:
        return "Good afternoon"
    return "Good evening"


@bp.get("/")
@roles_required(Role.PATIENT)
def home() -> Response:
    """Show today's plan, the check-in card and the next visit."""
    plan = today.plan_for(db.session, me())
    if plan.program is not None and programs.acknowledge_update(plan.program):
        plan.plan_updated = True
        db.session.commit()
    return render(
        "patient/today.html",
        "patient/_plan.html",
        plan=plan,
        greeting=_greeting(me()),
        banner=reminders.inapp_banner(db.session, me()),
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and not request.headers.get("HX-Request")


# Refusals the outbox reads. A code means "refused for good, tell the patient"; anything
# without one (a stale CSRF token, a sign-in page) keeps the action waiting.
NOT_IN_PLAN = "This exercise is not in today's plan any more."
SELFCARE_GONE = "This exercise is not in the self-care library any more."
REFUSAL_STATUS = {"not_in_plan": 404, "not_found": 404, "checkin_exists": 409}


def _refusal(message: str, code: str, fields: dict[str, list[str]] | None = None) -> Any:
    """Answer a refusal as JSON with a machine-readable code, never a redirect."""
    return jsonify(error=message, code=code, fields=fields or {}), REFUSAL_STATUS.get(code, 422)


def _first_message(exc: ValidationError) -> str:
    return next(iter(exc.errors.values()))[0]


def _safe_next(target: str | None, fallback: str) -> str:
    if target and target.startswith("/me/") and "//" not in target:
        return target
    return fallback


def _parse_day(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError("The date is not valid.") from exc


@bp.post("/completions")
@roles_required(Role.PATIENT)
def complete() -> Any:
    """Mark an exercise done (idempotent by its client id)."""
    form = request.form
    try:
        completion = today.record_completion(
            db.session,
            me(),
            client_id=form.get("client_id", ""),
            item_id=form.get("item_id", type=numbers.record_id) or 0,
            slot=numbers.whole_number(form.get("slot")) or 0,
            done_on=_parse_day(form.get("done_on")),
            pain_during=form.get("pain_during"),
            difficulty=form.get("difficulty"),
        )
    except NotFound:
        db.session.rollback()
        if _wants_json():
            return _refusal(NOT_IN_PLAN, "not_in_plan")
        abort(404)
    except ValidationError as exc:
        db.session.rollback()
        message = _first_message(exc)
        if _wants_json():
            return _refusal(message, exc.code, exc.errors)
        flash(message, "error")
        return redirect(url_for("patient.home"), code=303)
    db.session.commit()
    if _wants_json():
        plan = today.plan_for(db.session, me())
        return jsonify(
            id=completion.id,
            client_id=completion.client_id,
            local_date=completion.local_date.isoformat(),
            done_slots=plan.done_slots,
            total_slots=plan.total_slots,
        ), 201
    if wants_fragment():
        plan = today.plan_for(db.session, me())
        return render(
            "patient/today.html", "patient/_plan.html", plan=plan, trigger="completion-saved"
        )
    return redirect(_safe_next(form.get("next"), url_for("patient.home")), code=303)


@bp.post("/completions/<int:completion_id>/undo")
@roles_required(Role.PATIENT)
def undo(completion_id: int) -> Any:
    """Take back a completion marked by mistake today."""
    try:
        today.undo_completion(db.session, me(), completion_id)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.first("__all__") or "That can no longer be undone.", "error")
        return redirect(url_for("patient.home"), code=303)
    db.session.commit()
    if wants_fragment():
        plan = today.plan_for(db.session, me())
        return render(
            "patient/today.html", "patient/_plan.html", plan=plan, trigger="completion-saved"
        )
    return redirect(url_for("patient.home"), code=303)


@bp.get("/play")
@roles_required(Role.PATIENT)
def play() -> str:
    """Guide through today's exercises (a plain list with "Mark done" without JavaScript)."""
    plan = today.plan_for(db.session, me())
    return render_template("patient/play.html", plan=plan, steps=plan.pending())


@bp.get("/program")
@roles_required(Role.PATIENT)
def program() -> str:
    """Show the patient's whole program."""
    active = programs.active_program(db.session, me())
    items = programs.current_items(active) if active else []
    return render_template("patient/program.html", program=active, items=items)


@bp.get("/program/handout")
@roles_required(Role.PATIENT)
def handout() -> str:
    """Show the program as a printable handout."""
    active = programs.active_program(db.session, me())
    if active is None:
        abort(404)
    return render_template(
        "programs/handout.html",
        program=active,
        patient=me(),
        items=programs.current_items(active),
    )


def _checkin_page(
    checkin: Any, *, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200
) -> tuple[str, int]:
    flags = checkins.red_flags(db.session, me(), checkin) if checkin is not None else None
    return (
        render_template(
            "patient/checkin.html",
            checkin=checkin,
            values=values,
            errors=errors,
            flags=flags,
            editable=checkins.editable(checkin, me()),
            client_id=new_client_id(),
            day=clock.local_today(me().timezone),
            saved=request.args.get("saved") == "1",
        ),
        status,
    )


@bp.get("/checkin")
@roles_required(Role.PATIENT)
def checkin() -> tuple[str, int]:
    """Show today's check-in form (filled in when already done today)."""
    existing = checkins.for_day(db.session, me(), clock.local_today(me().timezone))
    return _checkin_page(existing, values=checkins.form_values(existing), errors={})


@bp.post("/checkin")
@roles_required(Role.PATIENT)
def save_checkin() -> Any:
    """Save today's check-in."""
    try:
        saved = checkins.save(
            db.session,
            me(),
            checkins.CheckInInput.from_form(request.form),
            client_id=request.form.get("client_id") or None,
            done_on=_parse_day(request.form.get("done_on")),
        )
    except ValidationError as exc:
        db.session.rollback()
        if _wants_json():
            return _refusal(_first_message(exc), exc.code, exc.errors)
        existing = checkins.for_day(db.session, me(), clock.local_today(me().timezone))
        return _checkin_page(
            existing,
            values=checkins.form_values(None, request.form),
            errors=exc.errors,
            status=422,
        )
    db.session.commit()
    if _wants_json():
        return jsonify(
            id=saved.checkin.id,
            local_date=saved.checkin.local_date.isoformat(),
            red_flags=saved.flags.any,
            urgent=saved.flags.urgent,
        ), (201 if saved.created else 200)
    return redirect(url_for("patient.checkin", saved=1), code=303)


@bp.get("/checkin/<day>")
@roles_required(Role.PATIENT)
def past_checkin(day: str) -> Any:
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


@bp.get("/progress")
@roles_required(Role.PATIENT)
def progress_page() -> str:
    """Show pain over time, adherence, the streak and a six-week calendar."""
    stats = progress.progress(db.session, me(), days=42)
    return render_template(
        "patient/progress.html",
        stats=stats,
        pain_chart=charts.pain_chart(stats.days, markers=charts.change_markers(stats)),
        adherence_chart=charts.adherence_chart(stats.weeks),
        calendar=charts.calendar(stats),
    )


@bp.get("/selfcare/<int:exercise_id>")
@roles_required(Role.PATIENT)
def selfcare(exercise_id: int) -> str:
    """Do one self-care exercise with the player."""
    try:
        exercise = library.get_exercise(db.session, me(), exercise_id)
    except NotFound:
        abort(404)
    if not exercise.self_care or exercise.post_surgical:
        abort(404)
    return render_template("patient/selfcare.html", exercise=exercise)


@bp.post("/selfcare/<int:exercise_id>")
@roles_required(Role.PATIENT)
def selfcare_done(exercise_id: int) -> Any:
    """Log a self-care exercise, apart from the plan."""
    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None:
        if _wants_json():
            return _refusal(SELFCARE_GONE, "not_found")
        abort(404)
    try:
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
        if _wants_json():
            return _refusal(SELFCARE_GONE, "not_found")
        abort(404)
    except ValidationError as exc:
        db.session.rollback()
        if _wants_json():
            return _refusal(_first_message(exc), exc.code, exc.errors)
        flash(_first_message(exc), "error")
        return redirect(url_for("patient.selfcare", exercise_id=exercise_id), code=303)
    db.session.commit()
    if _wants_json():
        return jsonify(status="saved"), 201
    flash(f"Logged {exercise.title} as self-care. Nice work.", "success")
    return redirect(url_for("library.browse"), code=303)


@bp.get("/export.json")
@roles_required(Role.PATIENT)
def export_json() -> Response:
    """Download everything the app holds about me, as JSON."""
    data = export.patient_data(db.session, me())
    db.session.commit()
    response = jsonify(data)
    response.headers["Content-Disposition"] = "attachment; filename=between-visits-my-data.json"
    return response


@bp.get("/export.csv")
@roles_required(Role.PATIENT)
def export_csv() -> Response:
    """Download my check-ins and exercises as one CSV file."""
    body = export.patient_csv(db.session, me())
    db.session.commit()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=between-visits-my-data.csv"},
    )


@bp.post("/timezone")
@roles_required(Role.PATIENT)
def set_timezone() -> BaseResponse:
    """Use the time zone the phone reports."""
    from webapp.services import accounts

    name = request.form.get("timezone", "")
    if accounts.valid_timezone(name):
        accounts.update_profile(db.session, me(), name=me().display_name, timezone=name)
        db.session.commit()
        flash(f"Your day now follows {name}.", "success")
    return redirect(url_for("patient.home"), code=303)


def _reminders_page(values: dict[str, Any], errors: dict[str, list[str]], status: int = 200) -> Any:
    settings = reminders.settings_for(db.session, me())
    program_now = programs.active_program(db.session, me())
    return render(
        "patient/reminders.html",
        "patient/_reminders_form.html",
        status=status,
        values=values,
        errors=errors,
        default_times=reminders.program_times(program_now),
        devices=devices.count(db.session, me()),
        saved=request.method == "POST" and not errors,
        settings=settings,
    )


def _settings_values(settings: Any) -> dict[str, Any]:
    return {
        "exercise_on": settings.exercise_on,
        "exercise_times": list(settings.exercise_times),
        "checkin_on": settings.checkin_on,
        "checkin_time": settings.checkin_time,
        "visit_on": settings.visit_on,
        "quiet_start": settings.quiet_start,
        "quiet_end": settings.quiet_end,
    }


@bp.get("/reminders")
@roles_required(Role.PATIENT)
def reminder_settings() -> Any:
    """Show what the patient is reminded of, and when."""
    settings = reminders.settings_for(db.session, me())
    db.session.commit()
    return _reminders_page(_settings_values(settings), {})


@bp.post("/reminders")
@roles_required(Role.PATIENT)
def save_reminder_settings() -> Any:
    """Save the reminder settings."""
    form = request.form
    data = reminders.SettingsInput(
        exercise_on=form.get("exercise_on") == "on",
        exercise_times=[t for t in form.getlist("exercise_times") if t.strip()],
        checkin_on=form.get("checkin_on") == "on",
        checkin_time=form.get("checkin_time", "").strip(),
        visit_on=form.get("visit_on") == "on",
        quiet_start=form.get("quiet_start", "").strip(),
        quiet_end=form.get("quiet_end", "").strip(),
    )
    try:
        reminders.save_settings(db.session, me(), data)
    except ValidationError as exc:
        db.session.rollback()
        return _reminders_page(data.__dict__, exc.errors, status=422)
    db.session.commit()
    if wants_fragment():
        return _reminders_page(data.__dict__, {})
    flash("Your reminder settings are saved.", "success")
    return redirect(url_for("patient.reminder_settings"), code=303)


@bp.get("/visits/<int:visit_id>.ics")
@roles_required(Role.PATIENT)
def visit_calendar(visit_id: int) -> Response:
    """Download a visit for my phone's calendar."""
    from flask import current_app

    from webapp.services import visits

    try:
        visit = visits.get_for_patient(db.session, me(), visit_id)
    except NotFound:
        abort(404)
    body = visits.ics(visit, clinic_name=current_app.config["CLINIC_NAME"], host=request.host)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f"attachment; filename=visit-{visit.id}.ics"},
    )
