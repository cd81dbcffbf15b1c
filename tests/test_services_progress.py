"""Progress: pain with its average, adherence, the forgiving streak, charts and calendar."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from tests.conftest import Factory, local
from webapp.services import programs, progress
from webapp.web import charts

TODAY = date(2026, 5, 20)
NOW = local("Europe/London", 2026, 5, 20, 12, 0)


def test_forgiving_streak() -> None:
    days = {TODAY - timedelta(days=n) for n in (1, 2, 4, 5, 6, 9)}
    # Today not done yet, yesterday and the day before, one quiet day, three more; then two
    # quiet days end it.
    assert progress.forgiving_streak(days, TODAY) == 5
    assert progress.forgiving_streak(days | {TODAY}, TODAY) == 6
    assert progress.forgiving_streak(set(), TODAY) == 0
    assert progress.forgiving_streak({TODAY - timedelta(days=3)}, TODAY) == 0


def test_rolling_average_needs_two_values() -> None:
    values = {TODAY: 4, TODAY - timedelta(days=2): 6, TODAY - timedelta(days=9): 1}
    assert progress.rolling_average(values, TODAY) == 5
    assert progress.rolling_average({TODAY: 4}, TODAY) is None


def test_progress_with_gaps_and_changes(session: Session, make: Factory) -> None:
    patient = make.patient()
    start = TODAY - timedelta(days=13)
    program = make.program(patient, start, slugs=("chin-tuck",), times_per_day=1)
    item = programs.current_items(program)[0]
    for offset in (0, 1, 2, 5, 6, 13):  # gaps in between; 13 is today
        day = start + timedelta(days=offset)
        make.completion(item, day, client_id=f"p-{offset}")
        make.checkin(patient, day, pain=6 - offset // 3)
    stats = progress.progress(session, patient, days=14, now=NOW)
    assert [d.day for d in stats.days][0] == start and stats.days[-1].day == TODAY
    assert sum(d.planned for d in stats.days) == 14 and sum(d.done for d in stats.days) == 6
    assert stats.days[3].pain is None and stats.days[3].share == 0
    assert stats.change_dates == [start]
    assert stats.streak == 1  # today counts; yesterday and the day before were quiet
    chart = charts.pain_chart(stats.days, markers=charts.change_markers(stats))
    assert chart.count("<circle") == 6 and "chart__line--avg" in chart
    assert "Plan changed" in chart
    weeks = charts.adherence_chart(stats.weeks)
    assert weeks.count("<rect") == len(stats.weeks)
    cells = [c for row in charts.calendar(stats) for c in row]
    assert len(cells) % 7 == 0
    today_cell = next(c for c in cells if c.day == TODAY)
    assert today_cell.level == "full" and today_cell.checked_in
    assert "1 of 1 done, checked in" in today_cell.label


def test_progress_with_no_data(session: Session, make: Factory) -> None:
    patient = make.patient()
    stats = progress.progress(session, patient, days=42, now=NOW)
    assert len(stats.days) == 42 and stats.streak == 0 and stats.adherence is None
    assert stats.pain_change() is None
    chart = charts.pain_chart(stats.days)
    assert "No check-ins yet" in chart and "<circle" not in chart
    assert "rest" in charts.adherence_chart(stats.weeks)
    assert all(c.level in {"rest", "future"} for row in charts.calendar(stats) for c in row)
