"""What the patient's page shows of their questionnaires: charts, schedules, the assign form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webapp.extensions import db
from webapp.models import User
from webapp.services import clock, outcomes
from webapp.web import formatting
from webapp.web.outcome_charts import outcome_chart

DEFAULT_VALUES = {"instrument": "psfs", "at_start": "1", "every_weeks": "2", "before_visits": ""}


def outcome_context(
    patient: User,
    *,
    values: Mapping[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Return the questionnaires section's data, with the assign form's values and errors."""
    found = outcomes.for_patient(db.session, patient)
    today = clock.local_today(patient.timezone)
    return {
        "outcome_assignments": [
            (a, formatting.schedule_words(a), outcomes.schedule.next_occasion_after(a, today))
            for a in found.assignments
        ],
        "outcome_series": [(s, outcome_chart(s)) for s in found.series],
        "outcome_instruments": outcomes.instruments.all_instruments(),
        "outcome_values": values if values is not None else DEFAULT_VALUES,
        "outcome_errors": errors or {},
        "change_words": outcomes.CHANGE_WORDS,
    }
