"""When a questionnaire is due: the one rule, on the patient's own local dates.

An assignment makes *occasions*: its start (when the instrument is asked at the start),
every N weeks from the start, and the day before the next booked visit (due that day and
on the visit day). A questionnaire is due when the latest occasion on or before today has
no finished answer on or after its date. Dates are the patient's local dates, so daylight
saving never moves an occasion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from webapp.models import Appointment, OutcomeAssignment
from webapp.services import clock
from webapp.services.outcomes import instruments


@dataclass(frozen=True)
class Occasion:
    """A date a questionnaire is asked, and why."""

    on: date
    kind: str  # start / interval / visit


def visit_day(visit: Appointment | None, timezone: str) -> date | None:
    """Return the local date of a booked visit."""
    if visit is None or visit.status != "booked":
        return None
    return clock.local_today(timezone, visit.starts_at)


def latest_occasion(
    assignment: OutcomeAssignment, day: date, next_visit_on: date | None
) -> Occasion | None:
    """Return the most recent occasion on or before ``day``."""
    if day < assignment.starts_on:
        return None
    instrument = instruments.get(assignment.instrument)
    found: list[Occasion] = []
    if assignment.at_start and instrument is not None and instrument.asked_at_start:
        found.append(Occasion(assignment.starts_on, "start"))
    if assignment.every_weeks:
        period = 7 * assignment.every_weeks
        rounds = (day - assignment.starts_on).days // period
        if rounds >= 1:
            on = assignment.starts_on + timedelta(days=rounds * period)
            found.append(Occasion(on, "interval"))
    if assignment.before_visits and next_visit_on is not None:
        eve = next_visit_on - timedelta(days=1)
        if eve <= day <= next_visit_on and eve >= assignment.starts_on:
            found.append(Occasion(eve, "visit"))
    return max(found, key=lambda o: o.on, default=None)


def due_occasion(
    assignment: OutcomeAssignment,
    day: date,
    *,
    last_answered_on: date | None,
    next_visit_on: date | None,
) -> Occasion | None:
    """Return the occasion due today, or None when nothing is due."""
    if assignment.ended_at is not None:
        return None
    occasion = latest_occasion(assignment, day, next_visit_on)
    if occasion is None:
        return None
    if last_answered_on is not None and last_answered_on >= occasion.on:
        return None
    return occasion


def next_occasion_after(assignment: OutcomeAssignment, day: date) -> date | None:
    """Return the next interval date after ``day`` (visits are shown with the visit)."""
    if not assignment.every_weeks:
        return None
    period = 7 * assignment.every_weeks
    if day < assignment.starts_on:
        return assignment.starts_on
    rounds = (day - assignment.starts_on).days // period + 1
    return assignment.starts_on + timedelta(days=rounds * period)
