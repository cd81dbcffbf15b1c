"""One patient's page: progress, program, check-ins, alerts, private notes and visits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup

from webapp.extensions import db
from webapp.models import Appointment, Role, User
from webapp.services import alerts, audit, care, clock, flares, notes, patient_detail, programs
from webapp.services.errors import ValidationError
from webapp.web import charts
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp
from webapp.web.therapist.outcome_panel import outcome_context


def visit_values(visit: Appointment | None) -> dict[str, str]:
    """Return what the visit form shows: the visit as booked, or a week from today at 10."""
    clinic_timezone = current_app.config["CLINIC_TIMEZONE"]
    if visit is None:
        next_week = clock.local_today(clinic_timezone) + timedelta(days=7)
        return {"day": next_week.isoformat(), "start": "10:00", "minutes": "60", "place_note": ""}
    local = clock.local_now(clinic_timezone, visit.starts_at)
    return {
        "day": local.date().isoformat(),
        "start": local.strftime("%H:%M"),
        "minutes": str(visit.duration_minutes),
        "place_note": visit.place_note,
    }


def _pain_chart(detail: patient_detail.PatientDetail) -> Markup:
    visits_marked = [
        charts.ChartMarker(
            clock.local_today(detail.patient.timezone, v.starts_at),
            _("Visit %(day)s", day=format_date(v.starts_at, "dd MMM")),
            "visit",
        )
        for v in detail.visits
        if v.status == "booked"
    ]
    markers = charts.change_markers(detail.stats) + visits_marked
    return charts.pain_chart(detail.stats.days, markers=markers)


def detail_context(patient: User) -> dict[str, Any]:
    """Return everything the patient's page shows, with its forms empty."""
    detail = patient_detail.gather(db.session, patient)
    return {
        "patient": patient,
        "stats": detail.stats,
        "pain_chart": _pain_chart(detail),
        "program": detail.program,
        "active": detail.active,
        "item_stats": detail.item_stats,
        "checkins": detail.checkins,
        "heat": detail.heat,
        "notes": detail.notes,
        "visits": detail.visits,
        "now": detail.now,
        "alerts": detail.alerts,
        "alert_kinds": alerts.KINDS,
        "visit_values": visit_values(None),
        "visit_errors": {},
        "note_error": None,
        "note_value": "",
        "clinic_timezone": current_app.config["CLINIC_TIMEZONE"],
        **pain_limit_context(patient),
        **flare_context(patient),
        **outcome_context(patient),
    }


def flare_context(
    patient: User, typed: Any = None, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """Return what the flare-up plan form shows: what was typed, or the plan as saved."""
    saved = flares.plan_of(db.session, patient)
    active = programs.active_program(db.session, patient)
    items = programs.current_items(active) if active else []
    if typed is not None:
        values = {
            "choices": {i.lineage: typed.get(f"flare-{i.lineage}", "out") for i in items},
            "comfort": typed.get("comfort", ""),
            "when_to_call": typed.get("when_to_call", ""),
            "days": typed.get("days", ""),
        }
    else:
        chosen = saved.exercises if saved else {}
        values = {
            "choices": {
                i.lineage: chosen.get(i.lineage, "out" if saved else "lighter") for i in items
            },
            "comfort": saved.comfort if saved else "",
            "when_to_call": saved.when_to_call if saved else "",
            "days": str(saved.days if saved else 3),
        }
    return {
        "flare_plan": saved,
        "flare_items": items,
        "flare_lighter": {i.lineage: flares.lighter(i) for i in items},
        "flare_choices": flares.CHOICES,
        "flare_values": values,
        "flare_errors": errors or {},
        "flare_spells": flares.spells(db.session, patient)[:5],
    }


def pain_limit_context(
    patient: User, typed: str | None = None, error: str | None = None
) -> dict[str, Any]:
    """Return what the patient's high-pain limit form shows."""
    own = alerts.patient_pain_threshold(db.session, patient)
    return {
        "pain_limit_value": typed if typed is not None else ("" if own is None else str(own)),
        "pain_limit_default": alerts.thresholds_for(db.session, patient).pain_threshold,
        "pain_limit_error": error,
    }


def detail_page(patient: User, *, status: int = 200, **extra: Any) -> ResponseReturnValue:
    """Show the patient's page; ``extra`` fills a form again with what was typed and why not."""
    return respond(
        "therapist/patient.html", status=status, full_page=lambda: detail_context(patient), **extra
    )


def back_to(patient: User, section: str) -> str:
    """Return the address of a section of the patient's page."""
    return url_for("therapist.patient", patient_id=patient.id) + f"#{section}"


@bp.get("/patients/<int:patient_id>")
@roles_required(Role.THERAPIST)
def patient(patient_id: int) -> ResponseReturnValue:
    """Show everything about one patient since they started."""
    person = care.linked_patient(db.session, me(), patient_id)
    audit.record(db.session, me(), "patient.view", patient=person)
    db.session.commit()
    return detail_page(person)


@bp.post("/patients/<int:patient_id>/notes")
@roles_required(Role.THERAPIST)
def add_note(patient_id: int) -> ResponseReturnValue:
    """Keep a private note about the patient (never shown to them)."""
    person = care.linked_patient(db.session, me(), patient_id)
    body = request.form.get("body", "")
    try:
        notes.add(db.session, me(), person, body)
    except ValidationError as exc:
        db.session.rollback()
        return detail_page(
            person, status=422, note_error=exc.first("body"), note_value=body.strip()
        )
    db.session.commit()
    return respond(redirect_to=back_to(person, "notes"), message=_("Note saved."))
