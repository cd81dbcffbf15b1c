"""Views of the clinic: My patients, a patient's detail, alerts, notes, visits, reports, exports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Alert, Appointment, CheckIn, Role, TherapistNote, User, utcnow
from webapp.services import (
    alerts,
    audit,
    clinic,
    clock,
    export,
    numbers,
    programs,
    progress,
    reports,
    visits,
)
from webapp.services.errors import ValidationError
from webapp.web import charts
from webapp.web.rendering import render, wants_fragment
from webapp.web.security import roles_required
from webapp.web.therapist.routes import bp, linked_patient_or_404, me

NOTE_MAX = 4000
PAGE = 50


@bp.get("/")
@roles_required(Role.THERAPIST)
def patients() -> Response:
    """My patients: who needs attention, last activity, adherence, pain, alerts, visits."""
    sort = request.args.get("sort", "attention")
    show = request.args.get("show", "all")
    page = max(1, request.args.get("page", 1, type=numbers.record_id) or 1)
    rows = clinic.patient_rows(db.session, me())
    chosen = clinic.arrange(rows, sort=sort, show=show)
    # Everyone is computed (so sorting and filters cover all); a phone shows a page at a time.
    shown = chosen[(page - 1) * PAGE : page * PAGE]
    return render(
        "therapist/patients.html",
        "therapist/_patient_table.html",
        rows=shown,
        matching=len(chosen),
        first=(page - 1) * PAGE + 1,
        page_number=page,
        more=len(chosen) > page * PAGE,
        total=len(rows),
        attention=sum(1 for r in rows if r.needs_attention),
        sort=sort,
        show=show,
        sparkline=charts.sparkline,
    )


def _visit_values(visit: Appointment | None, patient: User) -> dict[str, str]:
    if visit is None:
        tomorrow = clock.local_today(current_app.config["CLINIC_TIMEZONE"]) + timedelta(days=7)
        return {"day": tomorrow.isoformat(), "start": "10:00", "minutes": "60", "place_note": ""}
    local = clock.local_now(current_app.config["CLINIC_TIMEZONE"], visit.starts_at)
    return {
        "day": local.date().isoformat(),
        "start": local.strftime("%H:%M"),
        "minutes": str(visit.duration_minutes),
        "place_note": visit.place_note,
    }


def _detail(patient: User, *, status: int = 200, **extra: Any) -> tuple[str, int]:
    now = utcnow()
    stats = progress.progress(db.session, patient, days=42, now=now)
    all_visits = visits.for_patient(db.session, patient)
    markers = charts.change_markers(stats) + [
        charts.ChartMarker(
            clock.local_today(patient.timezone, v.starts_at), f"Visit {v.starts_at:%d %b}", "visit"
        )
        for v in all_visits
        if v.status == "booked"
    ]
    program = programs.working_program(db.session, patient)
    active = programs.active_program(db.session, patient)
    since = stats.today - timedelta(days=29)
    checkins = list(
        db.session.scalars(
            select(CheckIn)
            .where(CheckIn.patient_id == patient.id, CheckIn.local_date >= since)
            .order_by(CheckIn.local_date.desc())
        )
    )
    heat: dict[str, int] = {}
    for checkin in checkins:
        for key in checkin.regions:
            heat[key] = heat.get(key, 0) + 1
    notes = db.session.scalars(
        select(TherapistNote)
        .where(TherapistNote.patient_id == patient.id)
        .order_by(TherapistNote.created_at.desc())
    ).all()
    context = {
        "patient": patient,
        "stats": stats,
        "pain_chart": charts.pain_chart(stats.days, markers=markers),
        "program": program,
        "active": active,
        "item_stats": clinic.item_adherence(db.session, patient, active, now=now) if active else [],
        "checkins": checkins,
        "heat": heat,
        "notes": notes,
        "visits": all_visits,
        "now": now,
        "alerts": alerts.for_patient(db.session, patient),
        "alert_kinds": alerts.KINDS,
        "visit_values": _visit_values(None, patient),
        "visit_errors": {},
        "note_error": None,
        "note_value": "",
        "clinic_timezone": current_app.config["CLINIC_TIMEZONE"],
    }
    context.update(extra)
    return render_template("therapist/patient.html", **context), status


@bp.get("/patients/<int:patient_id>")
@roles_required(Role.THERAPIST)
def patient(patient_id: int) -> tuple[str, int]:
    """Show everything about one patient since they started."""
    person = linked_patient_or_404(patient_id)
    audit.record(db.session, me(), "patient.view", patient=person)
    db.session.commit()
    return _detail(person)


@bp.post("/patients/<int:patient_id>/notes")
@roles_required(Role.THERAPIST)
def add_note(patient_id: int) -> Any:
    """Keep a private note about the patient (never shown to them)."""
    person = linked_patient_or_404(patient_id)
    body = request.form.get("body", "").strip()
    if not body or len(body) > NOTE_MAX:
        message = (
            "Please write the note." if not body else "Please keep notes under 4000 characters."
        )
        return _detail(person, status=422, note_error=message, note_value=body)
    db.session.add(TherapistNote(patient_id=person.id, author_id=me().id, body=body))
    audit.record(db.session, me(), "note.add", patient=person)
    db.session.commit()
    flash("Note saved.", "success")
    return redirect(url_for("therapist.patient", patient_id=person.id) + "#notes", code=303)


def _alert_or_404(alert_id: int) -> tuple[Alert, User]:
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        abort(404)
    return alert, linked_patient_or_404(alert.patient_id)


@bp.post("/alerts/<int:alert_id>/acknowledge")
@roles_required(Role.THERAPIST)
def acknowledge(alert_id: int) -> Any:
    """Mark an alert seen, with a note."""
    alert, person = _alert_or_404(alert_id)
    try:
        alerts.acknowledge(db.session, me(), alert, note=request.form.get("note", ""))
    except ValidationError as exc:
        db.session.rollback()
        alert, person = _alert_or_404(alert_id)
        if wants_fragment():
            return render(
                "therapist/patient.html",
                "therapist/_alert.html",
                status=422,
                alert=alert,
                alert_kinds=alerts.KINDS,
                ack_error=exc.first("note"),
                patient=person,
            )
        return _detail(person, status=422)
    db.session.commit()
    if wants_fragment():
        return render(
            "therapist/patient.html",
            "therapist/_alert.html",
            trigger="alert-acknowledged",
            alert=alert,
            alert_kinds=alerts.KINDS,
            patient=person,
        )
    flash("Alert acknowledged.", "success")
    return redirect(url_for("therapist.patient", patient_id=person.id) + "#alerts", code=303)


def _visit_input() -> visits.VisitInput:
    return visits.VisitInput(
        day=request.form.get("day", ""),
        start=request.form.get("start", ""),
        minutes=request.form.get("minutes", ""),
        place_note=request.form.get("place_note", ""),
    )


@bp.post("/patients/<int:patient_id>/visits")
@roles_required(Role.THERAPIST)
def book_visit(patient_id: int) -> Any:
    """Book the next visit."""
    person = linked_patient_or_404(patient_id)
    try:
        visit = visits.book(
            db.session,
            me(),
            person,
            _visit_input(),
            clinic_timezone=current_app.config["CLINIC_TIMEZONE"],
        )
    except ValidationError as exc:
        db.session.rollback()
        return _detail(person, status=422, visit_values=dict(request.form), visit_errors=exc.errors)
    db.session.commit()
    when = clock.local_now(current_app.config["CLINIC_TIMEZONE"], visit.starts_at)
    flash(f"Visit booked for {when:%A %-d %B at %H:%M}.", "success")
    return redirect(url_for("therapist.patient", patient_id=person.id) + "#visits", code=303)


def _visit_or_404(visit_id: int) -> tuple[Appointment, User]:
    visit = db.session.get(Appointment, visit_id)
    if visit is None:
        abort(404)
    return visit, linked_patient_or_404(visit.patient_id)


@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def edit_visit(visit_id: int) -> Any:
    """Move a visit (its reminders follow)."""
    visit, person = _visit_or_404(visit_id)
    values, errors = _visit_values(visit, person), {}
    if request.method == "POST":
        try:
            visits.reschedule(
                db.session,
                me(),
                visit,
                _visit_input(),
                clinic_timezone=current_app.config["CLINIC_TIMEZONE"],
            )
        except ValidationError as exc:
            db.session.rollback()
            visit, person = _visit_or_404(visit_id)
            values, errors = dict(request.form), exc.errors
        else:
            db.session.commit()
            flash("Visit moved; its reminders follow.", "success")
            return redirect(url_for("therapist.patient", patient_id=person.id) + "#visits", 303)
    return (
        render_template(
            "therapist/visit.html", visit=visit, patient=person, values=values, errors=errors
        ),
        422 if errors else 200,
    )


@bp.post("/visits/<int:visit_id>/cancel")
@roles_required(Role.THERAPIST)
def cancel_visit(visit_id: int) -> Any:
    """Cancel a visit."""
    visit, person = _visit_or_404(visit_id)
    visits.cancel(db.session, me(), visit)
    db.session.commit()
    flash("Visit cancelled; its reminders are withdrawn.", "success")
    return redirect(url_for("therapist.patient", patient_id=person.id) + "#visits", code=303)


@bp.get("/patients/<int:patient_id>/report")
@roles_required(Role.THERAPIST)
def report(patient_id: int) -> str:
    """The visit-prep report: since the last visit, on one page."""
    person = linked_patient_or_404(patient_id)
    prep = reports.visit_prep(db.session, me(), person)
    db.session.commit()
    return render_template(
        "therapist/report.html",
        patient=person,
        prep=prep,
        alert_kinds=alerts.KINDS,
        mark=reports.DAYS_WITH_DATA_MARK,
    )


@bp.get("/patients/<int:patient_id>/export.csv")
@roles_required(Role.THERAPIST)
def export_csv(patient_id: int) -> Response:
    """Download the patient's check-ins and exercises as CSV."""
    person = linked_patient_or_404(patient_id)
    body = export.therapist_csv(db.session, me(), person)
    db.session.commit()
    filename = f"between-visits-patient-{person.id}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@bp.get("/patients/<int:patient_id>/fhir.json")
@roles_required(Role.THERAPIST)
def export_fhir(patient_id: int) -> Response:
    """Download the patient's pain scores as a FHIR R4 Bundle."""
    person = linked_patient_or_404(patient_id)
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    bundle = export.fhir_bundle(db.session, me(), person, base_url=base)
    db.session.commit()
    response = jsonify(bundle)
    response.mimetype = "application/fhir+json"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=between-visits-patient-{person.id}-pain.fhir.json"
    )
    return response


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def settings() -> Any:
    """Choose when alerts are raised, and whether they come to my devices."""
    current = alerts.settings_of(db.session, me())
    values = {
        "inactivity_days": str(current.inactivity_days),
        "pain_threshold": str(current.pain_threshold),
        "push_alerts": current.push_alerts,
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            "inactivity_days": request.form.get("inactivity_days", ""),
            "pain_threshold": request.form.get("pain_threshold", ""),
            "push_alerts": request.form.get("push_alerts") == "on",
        }
        try:
            alerts.save_settings(db.session, me(), **values)  # type: ignore[arg-type]
        except ValidationError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash("Alert settings saved.", "success")
            return redirect(url_for("therapist.settings"), code=303)
    db.session.commit()
    return render_template("therapist/settings.html", values=values, errors=errors), (
        422 if errors else 200
    )
