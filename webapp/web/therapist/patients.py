"""My patients: who needs attention, last activity, adherence, pain, alerts, visits."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from webapp.extensions import db
from webapp.models import Role
from webapp.services import clinic, messages, numbers
from webapp.web import charts
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required
from webapp.web.therapist.blueprint import bp

PAGE = 50


@bp.get("/")
@roles_required(Role.THERAPIST)
def patients() -> ResponseReturnValue:
    """My patients: who needs attention, last activity, adherence, pain, alerts, visits."""
    sort = request.args.get("sort", "attention")
    show = request.args.get("show", "all")
    page = max(1, request.args.get("page", 1, type=numbers.record_id) or 1)
    rows = clinic.patient_rows(db.session, me())
    chosen = clinic.arrange(rows, sort=sort, show=show)
    # Everyone is computed (so sorting and filters cover all); a phone shows a page at a time.
    shown = chosen[(page - 1) * PAGE : page * PAGE]
    return respond(
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
        unread=messages.unread_by_patient(db.session, me(), [r.patient.id for r in shown]),
    )
