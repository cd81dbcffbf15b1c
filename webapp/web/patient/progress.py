"""The patient's progress: pain over time, adherence, the streak and a six-week calendar."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from webapp.extensions import db
from webapp.models import Role
from webapp.services import outcomes, progress
from webapp.web import charts, formatting
from webapp.web.patient.blueprint import bp
from webapp.web.security import me, roles_required


@bp.get("/progress")
@roles_required(Role.PATIENT)
def progress_page() -> ResponseReturnValue:
    """Show pain over time, adherence, the streak and a six-week calendar."""
    stats = progress.progress(db.session, me(), days=42)
    return render_template(
        "patient/progress.html",
        stats=stats,
        pain_chart=charts.pain_chart(stats.days, markers=charts.change_markers(stats)),
        adherence_chart=charts.adherence_chart(stats.weeks),
        calendar=charts.calendar(stats),
        questionnaires=[
            (s.instrument, formatting.trend_words(s.instrument, s.responses, stats.today))
            for s in outcomes.series(outcomes.history(db.session, me()))
        ],
    )
