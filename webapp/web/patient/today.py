"""The patient's day: Today's plan, marking exercises done, the guided player, the program."""

from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Completion, Role
from webapp.services import clock, flares, library, numbers, outcomes, programs, reminders, today
from webapp.services.errors import NotFound, ValidationError
from webapp.web.patient.blueprint import NOT_IN_PLAN, bp, gone, parse_day, refuse, safe_next
from webapp.web.rendering import respond, wants_json
from webapp.web.security import me, roles_required


def _greeting() -> str:
    hour = clock.local_now(me().timezone).hour
    if hour < 12:
        return str(_("Good morning"))
    if hour < 18:
        return str(_("Good afternoon"))
    return str(_("Good evening"))


def _plan_changed(redirect_to: str) -> ResponseReturnValue:
    """Show the plan again (htmx), or go back to the page the action came from."""
    return respond(
        "patient/today.html",
        "patient/_plan.html",
        redirect_to=redirect_to,
        trigger="completion-saved",
        plan=today.plan_for(db.session, me()),
    )


@bp.get("/")
@roles_required(Role.PATIENT)
def home() -> ResponseReturnValue:
    """Show today's plan, the check-in card and the next visit."""
    plan = today.plan_for(db.session, me())
    if plan.program is not None and programs.acknowledge_update(plan.program):
        plan.plan_updated = True
        db.session.commit()
    return respond(
        "patient/today.html",
        "patient/_plan.html",
        plan=plan,
        greeting=_greeting(),
        banner=reminders.inapp_banner(db.session, me()),
        questionnaires=outcomes.due_for(db.session, me(), plan.day, plan.next_visit),
        flare=flares.for_today(db.session, me(), plan.day),
    )


@bp.get("/install-card")
@roles_required(Role.PATIENT)
def install_card() -> ResponseReturnValue:
    """The "install the app" card, for install.js to show where installing is possible."""
    return render_template("patient/_install_card.html")


def _completion_json(completion: Completion) -> ResponseReturnValue:
    plan = today.plan_for(db.session, me())
    return jsonify(
        id=completion.id,
        client_id=completion.client_id,
        local_date=completion.local_date.isoformat(),
        done_slots=plan.done_slots,
        total_slots=plan.total_slots,
    ), 201


@bp.post("/completions")
@roles_required(Role.PATIENT)
def complete() -> ResponseReturnValue:
    """Mark an exercise done (idempotent by its client id)."""
    form = request.form
    try:
        completion = today.record_completion(
            db.session,
            me(),
            client_id=form.get("client_id", ""),
            item_id=form.get("item_id", type=numbers.record_id) or 0,
            slot=numbers.whole_number(form.get("slot")) or 0,
            done_on=parse_day(form.get("done_on")),
            pain_during=form.get("pain_during"),
            difficulty=form.get("difficulty"),
        )
    except NotFound:
        db.session.rollback()
        return gone(str(NOT_IN_PLAN), "not_in_plan")
    except ValidationError as exc:
        db.session.rollback()
        return refuse(exc, back=url_for("patient.home"))
    db.session.commit()
    if wants_json():
        return _completion_json(completion)
    return _plan_changed(safe_next(form.get("next"), url_for("patient.home")))


@bp.post("/completions/<int:completion_id>/undo")
@roles_required(Role.PATIENT)
def undo(completion_id: int) -> ResponseReturnValue:
    """Take back a completion marked by mistake today."""
    try:
        today.undo_completion(db.session, me(), completion_id)
    except ValidationError as exc:
        db.session.rollback()
        reason = exc.first("__all__")
        return respond(
            redirect_to=url_for("patient.home"),
            message=_(reason) if reason else _("That can no longer be undone."),
            category="error",
        )
    db.session.commit()
    return _plan_changed(url_for("patient.home"))


@bp.get("/play")
@roles_required(Role.PATIENT)
def play() -> ResponseReturnValue:
    """Guide through today's exercises (a plain list with "Mark done" without JavaScript)."""
    plan = today.plan_for(db.session, me())
    steps = plan.pending()
    exercises = [p.item.exercise for p, _slot in steps]
    ladders = library.ladders(db.session, me(), exercises)
    return render_template("patient/play.html", plan=plan, steps=steps, ladders=ladders)


@bp.get("/program")
@roles_required(Role.PATIENT)
def program() -> ResponseReturnValue:
    """Show the patient's whole program."""
    active = programs.active_program(db.session, me())
    items = programs.current_items(active) if active else []
    return render_template("patient/program.html", program=active, items=items)


@bp.get("/program/handout")
@roles_required(Role.PATIENT)
def handout() -> ResponseReturnValue:
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
