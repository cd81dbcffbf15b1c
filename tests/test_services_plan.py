"""The day-plan rule: what is planned on a day, and what of it is done.

Every count is checked against a plain day-by-day reading of the rule (``_naive_day``)
over random programs, weekdays, times per day, date ranges and mid-program edits (an edit
ends one version of an exercise and starts the next of the same lineage).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory
from webapp.models import Completion, Exercise, Program, ProgramItem, ProgramStatus, User
from webapp.services import clinic, plan, progress

MONDAY = date(2026, 3, 2)
EVERY_DAY = 0b1111111
WEEKDAYS_ONLY = 0b0011111


# --- a plain reading of the rule, one day at a time ----------------------------------------


def _naive_day(programs: list[Program], day: date) -> list[tuple[str, int]]:
    """Return (lineage, times) planned on a day, read straight from the rule."""
    covering = [
        p for p in programs if p.start_date <= day and (p.end_date is None or day <= p.end_date)
    ]
    if not covering:
        return []
    owner = max(covering, key=lambda p: (p.start_date, p.id))
    return [
        (i.lineage, i.times_per_day)
        for i in owner.items
        if (i.valid_from is None or i.valid_from <= day)
        and (i.valid_until is None or day < i.valid_until)
        and (i.weekdays >> day.weekday()) & 1
    ]


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _naive_slots(programs: list[Program], first: date, last: date) -> int:
    return sum(times for day in _days(first, last) for _, times in _naive_day(programs, day))


def _naive_by_lineage(programs: list[Program], first: date, last: date) -> dict[str, int]:
    planned: dict[str, int] = {}
    for day in _days(first, last):
        for lineage, times in _naive_day(programs, day):
            planned[lineage] = planned.get(lineage, 0) + times
    return planned


# --- random programs -----------------------------------------------------------------------


@dataclass
class Version:
    """One version of an exercise: the days it applies and its dose."""

    lineage: str
    valid_from: date | None
    valid_until: date | None
    weekdays: int
    times_per_day: int


_ids = itertools.count(1)


@st.composite
def _lineage_versions(draw: st.DrawFn, start: date, lineage: str) -> list[Version]:
    """Draw an exercise's versions: added at the start or later, edited, maybe removed."""
    added = draw(st.none() | st.integers(1, 30).map(lambda n: start + timedelta(days=n)))
    first = added or start
    edits = sorted(set(draw(st.lists(st.integers(1, 40), max_size=3))))
    bounds: list[date | None] = [added, *(first + timedelta(days=n) for n in edits)]
    removed = draw(st.none() | st.integers(1, 20))
    last_bound = bounds[-1] or start
    ends: list[date | None] = [
        *bounds[1:],
        last_bound + timedelta(days=removed) if removed else None,
    ]
    return [
        Version(
            lineage,
            valid_from,
            valid_until,
            draw(st.integers(1, EVERY_DAY)),
            draw(st.integers(1, 6)),
        )
        for valid_from, valid_until in zip(bounds, ends, strict=True)
    ]


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[date, date | None, bool, list[Version]]]:
    """Draw up to three programs: (start, end, active, exercise versions)."""
    result = []
    for n in range(draw(st.integers(1, 3))):
        start = MONDAY + timedelta(days=draw(st.integers(0, 40)))
        end = draw(st.none() | st.integers(0, 50).map(lambda d, s=start: s + timedelta(days=d)))
        versions = [
            v
            for position in range(draw(st.integers(1, 3)))
            for v in draw(_lineage_versions(start, f"p{n}e{position}"))
        ]
        result.append((start, end, draw(st.booleans()), versions))
    return result


def _in_memory(history: list[tuple[date, date | None, bool, list[Version]]]) -> list[Program]:
    """Build the programs as unsaved model objects (ids as the database would give them)."""
    programs = []
    for start, end, active, versions in history:
        program = Program(
            id=next(_ids),
            start_date=start,
            end_date=end,
            status=ProgramStatus.ACTIVE if active else ProgramStatus.ENDED,
        )
        for position, v in enumerate(versions):
            program.items.append(
                ProgramItem(
                    id=next(_ids),
                    lineage=v.lineage,
                    position=position,
                    valid_from=v.valid_from,
                    valid_until=v.valid_until,
                    weekdays=v.weekdays,
                    times_per_day=v.times_per_day,
                )
            )
        programs.append(program)
    return programs


spans = st.tuples(st.integers(-10, 100), st.integers(0, 70))


@settings(max_examples=300, deadline=None)
@given(history=histories(), span=spans)
def test_planned_slots_match_a_day_by_day_count(
    history: list[tuple[date, date | None, bool, list[Version]]], span: tuple[int, int]
) -> None:
    programs = _in_memory(history)
    first = MONDAY + timedelta(days=span[0])
    last = first + timedelta(days=span[1])
    assert plan.planned_slots(programs, first, last) == _naive_slots(programs, first, last)
    assert plan.planned_by_lineage(programs, first, last) == {
        k: v for k, v in _naive_by_lineage(programs, first, last).items() if v
    }


@settings(max_examples=200, deadline=None)
@given(history=histories(), offset=st.integers(-5, 100), data=st.data())
def test_one_day_counts_what_is_planned_and_done(
    history: list[tuple[date, date | None, bool, list[Version]]], offset: int, data: st.DataObject
) -> None:
    programs = _in_memory(history)
    day = MONDAY + timedelta(days=offset)
    planned = _naive_day(programs, day)
    slots = [(lineage, slot) for lineage, times in planned for slot in range(times)]
    done = set(data.draw(st.lists(st.sampled_from(slots), unique=True) if slots else st.just([])))
    # Completions that are not of a slot planned today never count.
    stray = {("p9e9", 0), *((lineage, times) for lineage, times in planned)}
    count = plan.day_count(programs, day, done | stray)
    assert count == plan.DayCount(planned=len(slots), done=len(done))
    owner = plan.program_on(programs, day)
    assert [(i.lineage, i.times_per_day) for i in plan.planned_items(owner, day)] == planned


# --- the rule in examples ------------------------------------------------------------------


def _program(
    start: date,
    end: date | None = None,
    *versions: tuple[str, date | None, date | None, int, int],
    active: bool = True,
) -> Program:
    program = Program(
        id=next(_ids),
        start_date=start,
        end_date=end,
        status=ProgramStatus.ACTIVE if active else ProgramStatus.ENDED,
    )
    for position, (lineage, valid_from, valid_until, weekdays, times) in enumerate(versions):
        program.items.append(
            ProgramItem(
                id=next(_ids),
                lineage=lineage,
                position=position,
                valid_from=valid_from,
                valid_until=valid_until,
                weekdays=weekdays,
                times_per_day=times,
            )
        )
    return program


def test_weekdays_and_times_per_day_over_two_weeks() -> None:
    program = _program(MONDAY, None, ("a", None, None, WEEKDAYS_ONLY, 2))
    assert plan.planned_slots([program], MONDAY, MONDAY + timedelta(days=13)) == 20
    # A Saturday and Sunday alone: nothing planned.
    weekend = MONDAY + timedelta(days=5)
    assert plan.planned_slots([program], weekend, weekend + timedelta(days=1)) == 0
    assert plan.planned_slots([program], MONDAY, MONDAY - timedelta(days=1)) == 0


def test_an_edit_keeps_the_past_dose_and_counts_the_new_one_from_its_day() -> None:
    edit = MONDAY + timedelta(days=3)
    program = _program(
        MONDAY,
        None,
        ("a", None, edit, EVERY_DAY, 3),
        ("a", edit, None, EVERY_DAY, 1),
    )
    # Monday to Wednesday three times, Thursday to Sunday once.
    assert plan.planned_slots([program], MONDAY, MONDAY + timedelta(days=6)) == 3 * 3 + 4 * 1
    assert plan.planned_by_lineage([program], MONDAY, MONDAY + timedelta(days=6)) == {"a": 13}
    assert [i.times_per_day for i in plan.planned_items(program, edit)] == [1]


def test_a_removed_exercise_stops_on_its_day_and_an_added_one_starts_on_its_day() -> None:
    day = MONDAY + timedelta(days=2)
    program = _program(
        MONDAY,
        None,
        ("gone", None, day, EVERY_DAY, 1),
        ("new", day, None, EVERY_DAY, 1),
    )
    assert [i.lineage for i in plan.planned_items(program, day - timedelta(days=1))] == ["gone"]
    assert [i.lineage for i in plan.planned_items(program, day)] == ["new"]


def test_program_dates_bound_the_plan() -> None:
    program = _program(MONDAY, MONDAY + timedelta(days=2), ("a", None, None, EVERY_DAY, 1))
    assert (
        plan.planned_slots([program], MONDAY - timedelta(days=5), MONDAY + timedelta(days=9)) == 3
    )
    assert plan.planned_items(program, MONDAY - timedelta(days=1)) == []
    assert plan.planned_items(program, MONDAY + timedelta(days=3)) == []
    assert plan.planned_items(None, MONDAY) == []


def test_the_newest_program_owns_the_days_it_covers() -> None:
    older = _program(MONDAY, None, ("old", None, None, EVERY_DAY, 1), active=False)
    newer = _program(MONDAY + timedelta(days=7), None, ("new", None, None, EVERY_DAY, 2))
    week = (MONDAY, MONDAY + timedelta(days=13))
    assert plan.planned_by_lineage([newer, older], *week) == {"old": 7, "new": 14}
    assert plan.program_on([older, newer], MONDAY + timedelta(days=7)) is newer
    assert plan.program_on([older, newer], MONDAY + timedelta(days=6)) is older


def test_days_after_a_newer_program_ends_go_back_to_the_older_one() -> None:
    """An older program that outlasts a newer one plans the days after it (as Today shows)."""
    older = _program(
        MONDAY, MONDAY + timedelta(days=13), ("old", None, None, EVERY_DAY, 1), active=False
    )
    newer = _program(
        MONDAY + timedelta(days=3), MONDAY + timedelta(days=6), ("new", None, None, EVERY_DAY, 2)
    )
    after = MONDAY + timedelta(days=7)
    assert plan.program_on([older, newer], after) is older
    # Days 0-2 and 7-13 are the older program's, 3-6 the newer one's.
    assert plan.planned_by_lineage([older, newer], MONDAY, MONDAY + timedelta(days=13)) == {
        "old": 10,
        "new": 8,
    }


def test_a_tie_on_start_goes_to_the_program_made_last() -> None:
    first = _program(MONDAY, None, ("first", None, None, EVERY_DAY, 1))
    second = _program(MONDAY, None, ("second", None, None, EVERY_DAY, 1))
    assert plan.program_on([second, first], MONDAY) is second
    assert plan.planned_by_lineage([first, second], MONDAY, MONDAY) == {"second": 1}


# --- the services that ask the rule, on the database ---------------------------------------


def _store(
    session: Session,
    patient: User,
    exercise: Exercise,
    history: list[tuple[date, date | None, bool, list[Version]]],
) -> list[Program]:
    programs = []
    for start, end, active, versions in history:
        program = Program(
            patient_id=patient.id,
            title="Home program",
            status=ProgramStatus.ACTIVE if active else ProgramStatus.ENDED,
            start_date=start,
            end_date=end,
            change_dates=[],
        )
        for position, v in enumerate(versions):
            program.items.append(
                ProgramItem(
                    lineage=v.lineage,
                    exercise_id=exercise.id,
                    position=position,
                    valid_from=v.valid_from,
                    valid_until=v.valid_until,
                    weekdays=v.weekdays,
                    times_per_day=v.times_per_day,
                )
            )
        session.add(program)
        session.flush()
        programs.append(program)
    return programs


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories(), today_offset=st.integers(20, 90), data=st.data())
def test_progress_my_patients_and_item_adherence_agree_with_a_day_by_day_count(
    session: Session,
    make: Factory,
    history: list[tuple[date, date | None, bool, list[Version]]],
    today_offset: int,
    data: st.DataObject,
) -> None:
    today = MONDAY + timedelta(days=today_offset)
    zone = "Europe/London"
    now = datetime.combine(today, time(12, 0), ZoneInfo(zone))
    exercise = session.scalars(select(Exercise).limit(1)).one()
    savepoint = session.begin_nested()
    try:
        therapist = make.therapist()
        patient = make.patient(therapist, timezone=zone)
        programs = _store(session, patient, exercise, history)
        done_by_day: dict[date, set[tuple[str, int]]] = {}
        for day in _days(today - timedelta(days=41), today):
            slots = [(lin, s) for lin, times in _naive_day(programs, day) for s in range(times)]
            if not slots:
                continue
            done = data.draw(st.lists(st.sampled_from(slots), unique=True))
            done_by_day[day] = set(done)
            for lineage, slot in done:
                session.add(
                    Completion(
                        client_id=f"p{patient.id}-{day}-{lineage}-{slot}",
                        patient_id=patient.id,
                        lineage=lineage,
                        exercise_id=exercise.id,
                        source="plan",
                        local_date=day,
                        slot=slot,
                    )
                )
        session.flush()
        session.expire_all()

        def naive_share(days: int) -> float | None:
            first = today - timedelta(days=days - 1)
            planned = _naive_slots(programs, first, today)
            done = sum(len(s) for d, s in done_by_day.items() if d >= first)
            return min(1.0, done / planned) if planned else None

        stats = progress.progress(session, patient, now=now)
        for stat in stats.days:
            slots = [
                (lin, s) for lin, times in _naive_day(programs, stat.day) for s in range(times)
            ]
            assert (stat.planned, stat.done) == (len(slots), len(done_by_day.get(stat.day, ())))
        assert stats.adherence == naive_share(42)

        (row,) = clinic.patient_rows(session, therapist, now=now)
        assert row.adherence_7 == naive_share(7)
        assert row.adherence_30 == naive_share(30)

        for program in programs:
            start = max(program.start_date, today - timedelta(days=29))
            planned = _naive_by_lineage([program], start, today)
            by_title = clinic.item_adherence(session, patient, program, now=now)
            current = plan.current_items(program)
            assert [s.planned for s in by_title] == [planned.get(i.lineage, 0) for i in current]
            assert [s.done for s in by_title] == [
                sum(
                    1
                    for d, s in done_by_day.items()
                    if d >= start
                    for lin, _ in s
                    if lin == i.lineage
                )
                for i in current
            ]
    finally:
        savepoint.rollback()
