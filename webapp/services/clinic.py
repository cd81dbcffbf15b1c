"""The therapist's "My patients": who needs attention, at a glance, in fixed queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import String, func, select

from webapp.models import (
    Alert,
    Appointment,
    CareLink,
    CheckIn,
    Completion,
    Exercise,
    Program,
    ProgramItem,
    ProgramStatus,
    Role,
    User,
    utcnow,
)
from webapp.services import alerts, clock, outcomes, plan
from webapp.services.db import Db

SPARK_DAYS = 14
LOW_ADHERENCE = 0.5


@dataclass(frozen=True)
class PatientBrief:
    """What a row needs to know about the person (lighter than a full User)."""

    id: int
    display_name: str
    timezone: str
    has_password: bool
    # Their care has ended (services.discharge): shown as such, never "needs attention".
    discharged: bool = False
    closed: bool = False


@dataclass
class PatientRow:
    """One line of "My patients"."""

    patient: PatientBrief
    last_activity: date | None = None
    adherence_7: float | None = None
    adherence_30: float | None = None
    latest_pain: int | None = None
    pain_series: list[int | None] = field(default_factory=list)
    trend: str = ""  # up / down / steady / ""
    open_alerts: int = 0
    next_visit: datetime | None = None
    days_since_activity: int | None = None
    # Quiet days as the inactivity alert counts them, and the therapist's own limit.
    quiet_days: int = 0
    inactivity_days: int = alerts.Thresholds().inactivity_days
    has_program: bool = False
    function: outcomes.FunctionMark | None = None  # change since baseline (PSFS, PEG, GRC)

    @property
    def needs_attention(self) -> bool:
        """Return True for open alerts, silence, or few exercises done this week (in care)."""
        return not self.patient.discharged and (
            self.open_alerts > 0
            or alerts.too_quiet(self.quiet_days, self.inactivity_days)
            or (self.adherence_7 is not None and self.adherence_7 < LOW_ADHERENCE)
        )


@dataclass
class _Program:
    """A program reduced to the columns the day-plan rule reads (see services.plan)."""

    id: int
    start_date: date
    end_date: date | None
    active: bool
    items: list[_Item] = field(default_factory=list)


@dataclass(frozen=True)
class _Item:
    """An item version reduced to the columns the day-plan rule reads."""

    lineage: str
    valid_from: date | None
    valid_until: date | None
    weekdays: int
    times_per_day: int


def patient_rows(session: Db, therapist: User, *, now: datetime | None = None) -> list[PatientRow]:
    """Build every row for the therapist's patients; the query count does not grow with them.

    Only the columns needed are read (no ORM objects for programs or history), so 500
    patients with months of history stay well inside the page's time budget. A completion
    is only ever recorded for a slot planned that day, so done counts need no capping.
    """
    now = now or utcnow()
    patients = [
        PatientBrief(pid, name, tz, bool(has_password), bool(discharged), bool(closed))
        for pid, name, tz, has_password, discharged, closed in session.execute(
            select(
                User.id,
                User.display_name,
                User.timezone,
                User.password_hash.is_not(None),
                User.discharged_at.is_not(None),
                User.closed_at.is_not(None),
            )
            .join(CareLink, CareLink.patient_id == User.id)
            .where(CareLink.therapist_id == therapist.id, User.role == Role.PATIENT)
            .order_by(User.display_name, User.id)
        )
    ]
    if not patients:
        return []
    ids = [p.id for p in patients]
    # Plain rows through the session's connection: thousands of small tuples, and the ORM's
    # row handling would cost more than reading them.
    rows_of = session.connection().execute
    inactivity_days = alerts.inactivity_days_of(session, therapist)
    utc_today = now.date()
    window_start = utc_today - timedelta(days=31)

    plans: dict[int, list[_Program]] = defaultdict(list)
    by_program: dict[int, _Program] = {}
    for program_id, patient_id, start, end, status in rows_of(
        select(Program.id, Program.patient_id, Program.start_date, Program.end_date, Program.status)
        # Programs that start later count too: they say the patient has a program.
        .where(Program.patient_id.in_(ids), *plan.covering(window_start, None))
        .order_by(*plan.NEWEST_FIRST)
    ):
        program = _Program(program_id, start, end, status is ProgramStatus.ACTIVE)
        plans[patient_id].append(program)
        by_program[program_id] = program
    if by_program:
        for program_id, lineage, valid_from, valid_until, weekdays, times in rows_of(
            select(
                ProgramItem.program_id,
                ProgramItem.lineage,
                ProgramItem.valid_from,
                ProgramItem.valid_until,
                ProgramItem.weekdays,
                ProgramItem.times_per_day,
            ).where(
                ProgramItem.program_id.in_(list(by_program)),
                (ProgramItem.valid_until.is_(None)) | (ProgramItem.valid_until >= window_start),
            )
        ):
            by_program[program_id].items.append(
                _Item(lineage, valid_from, valid_until, weekdays, times)
            )

    # Exercises done in the last 7 and 30 days. A patient's "today" is the UTC date give or
    # take one, so the days at the edges of the windows are counted one by one, and the
    # middle of the 30-day window in one sum per patient.
    live = (Completion.undone_at.is_(None), Completion.lineage.is_not(None))
    by_day: dict[int, dict[str, int]] = defaultdict(dict)
    edges = (
        (utc_today - timedelta(days=30), utc_today - timedelta(days=29)),
        (utc_today - timedelta(days=7), utc_today + timedelta(days=1)),
    )
    for lo, hi in edges:  # the days at either end of the windows, one by one
        for patient_id, day, count in rows_of(
            select(Completion.patient_id, _iso(Completion.local_date), func.count())
            .where(
                Completion.patient_id.in_(ids),
                Completion.local_date >= lo,
                Completion.local_date <= hi,
                *live,
            )
            .group_by(Completion.patient_id, Completion.local_date)
        ):
            by_day[patient_id][day] = count
    middle: dict[int, int] = {
        patient_id: count
        for patient_id, count in rows_of(
            select(Completion.patient_id, func.count())
            .where(
                Completion.patient_id.in_(ids),
                Completion.local_date >= utc_today - timedelta(days=28),
                Completion.local_date <= utc_today - timedelta(days=8),
                *live,
            )
            .group_by(Completion.patient_id)
        )
    }

    # One row per patient: latest exercise day, latest check-in day, open alerts and the next
    # visit, each a subquery that jumps straight to its answer through an index.
    summary = {
        patient_id: (last_done, last_checkin, open_count, visit)
        for patient_id, last_done, last_checkin, open_count, visit in rows_of(
            select(
                User.id,
                select(func.max(Completion.local_date))
                .where(Completion.patient_id == User.id)
                .scalar_subquery(),
                select(func.max(CheckIn.local_date))
                .where(CheckIn.patient_id == User.id)
                .scalar_subquery(),
                select(func.count(Alert.id))
                .where(Alert.patient_id == User.id, Alert.status == "open")
                .scalar_subquery(),
                select(func.min(Appointment.starts_at))
                .where(
                    Appointment.patient_id == User.id,
                    Appointment.status == "booked",
                    Appointment.starts_at >= now,
                )
                .scalar_subquery(),
            ).where(User.id.in_(ids))
        )
    }
    pains: dict[int, dict[str, int]] = defaultdict(dict)
    for patient_id, day, pain in rows_of(
        select(CheckIn.patient_id, _iso(CheckIn.local_date), CheckIn.pain).where(
            CheckIn.patient_id.in_(ids),
            CheckIn.local_date >= utc_today - timedelta(days=SPARK_DAYS + 1),
        )
    ):
        pains[patient_id][day] = pain

    functions = outcomes.function_by_patient(session, ids)
    offsets = (-1, 0, 1)
    labels = {
        o: [(utc_today + timedelta(days=o - n)).isoformat() for n in range(SPARK_DAYS)]
        for o in offsets
    }
    rows = []
    for patient in patients:
        today = clock.local_today(patient.timezone, now)
        offset = max(-1, min(1, (today - utc_today).days))
        patient_plans = plans.get(patient.id, [])
        patient_days = by_day.get(patient.id, {})
        start_7 = (today - timedelta(days=6)).isoformat()
        start_30 = (today - timedelta(days=29)).isoformat()
        done_7 = sum(n for day, n in patient_days.items() if day >= start_7)
        done_30 = middle.get(patient.id, 0) + sum(
            n for day, n in patient_days.items() if day >= start_30
        )
        planned_7 = plan.planned_slots(patient_plans, today - timedelta(days=6), today)
        planned_30 = plan.planned_slots(patient_plans, today - timedelta(days=29), today)
        patient_pains = pains.get(patient.id, {})
        series = [patient_pains.get(day) for day in reversed(labels[offset])]
        recent = [p for p in series[-7:] if p is not None]
        before = [p for p in series[:-7] if p is not None]
        trend = ""
        if recent and before:
            delta = sum(recent) / len(recent) - sum(before) / len(before)
            trend = "up" if delta >= 1 else "down" if delta <= -1 else "steady"
        last_done, last_checkin, open_count, visit = summary.get(patient.id, (None, None, 0, None))
        days = [d for d in (last_done, last_checkin) if d]
        last = max(days) if days else None
        known = [p for p in series if p is not None]
        active_starts = [p.start_date for p in patient_plans if p.active]
        has_program = bool(active_starts)
        rows.append(
            PatientRow(
                patient=patient,
                last_activity=last,
                adherence_7=min(1.0, done_7 / planned_7) if planned_7 else None,
                adherence_30=min(1.0, done_30 / planned_30) if planned_30 else None,
                latest_pain=known[-1] if known else None,
                pain_series=series,
                trend=trend,
                open_alerts=int(open_count or 0),
                next_visit=_as_utc(visit),
                days_since_activity=(today - last).days if last else None,
                quiet_days=alerts.days_without_activity(
                    today,
                    last,
                    min(active_starts, default=None),
                    signed_up=patient.has_password,
                ),
                inactivity_days=inactivity_days,
                has_program=has_program,
                function=functions.get(patient.id),
            )
        )
    return rows


def _as_utc(value: datetime | str | None) -> datetime | None:
    """Return a subquery's datetime as aware UTC (SQLite hands back naive text or values)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(column: Any) -> Any:
    """Select a date column as its ISO text (YYYY-MM-DD) on SQLite and PostgreSQL alike."""
    return func.cast(column, String)


SORTS: dict[str, Callable[[PatientRow], Any]] = {
    "attention": lambda r: (
        r.patient.discharged,
        not r.needs_attention,
        -r.open_alerts,
        r.patient.display_name.lower(),
    ),
    "name": lambda r: r.patient.display_name.lower(),
    "activity": lambda r: -(r.last_activity.toordinal() if r.last_activity else 0),
    "adherence": lambda r: r.adherence_7 if r.adherence_7 is not None else 2.0,
    "pain": lambda r: -(r.latest_pain if r.latest_pain is not None else -1),
}
FILTERS: dict[str, Callable[[PatientRow], bool]] = {
    "all": lambda r: True,
    "attention": lambda r: r.needs_attention,
    "no_visit": lambda r: r.next_visit is None,
}


def arrange(rows: list[PatientRow], *, sort: str, show: str) -> list[PatientRow]:
    """Filter and sort the rows as the therapist asked (unknown values fall back)."""
    chosen = [r for r in rows if FILTERS.get(show, FILTERS["all"])(r)]
    return sorted(chosen, key=SORTS.get(sort, SORTS["attention"]))


@dataclass
class ItemStats:
    """How one exercise of the program went over the last 30 days."""

    title: str
    exercise_id: int
    planned: int
    done: int
    ratings: int
    average_pain: float | None
    too_hard: int
    easy: int
    # The exercise itself, for its title in the reader's language (``title`` is English).
    exercise: Exercise | None = None

    @property
    def share(self) -> float | None:
        """Return the share of planned slots done."""
        return min(1.0, self.done / self.planned) if self.planned else None


def item_adherence(
    session: Db, patient: User, program: Program, *, now: datetime | None = None, days: int = 30
) -> list[ItemStats]:
    """Return, per exercise of the program, what was planned and done, and how it felt."""
    today = clock.local_today(patient.timezone, now)
    start = max(program.start_date, today - timedelta(days=days - 1))
    planned = plan.planned_by_lineage([program], start, today)
    done: dict[str, int] = defaultdict(int)
    pains: dict[str, list[int]] = defaultdict(list)
    hard: dict[str, int] = defaultdict(int)
    easy: dict[str, int] = defaultdict(int)
    for lineage, pain, difficulty in session.execute(
        select(Completion.lineage, Completion.pain_during, Completion.difficulty).where(
            Completion.patient_id == patient.id,
            Completion.local_date >= start,
            Completion.undone_at.is_(None),
            Completion.lineage.is_not(None),
        )
    ):
        key = lineage or ""
        done[key] += 1
        if pain is not None:
            pains[key].append(pain)
        if difficulty == "hard":
            hard[key] += 1
        elif difficulty == "easy":
            easy[key] += 1
    result = []
    for item in plan.current_items(program):
        values = pains.get(item.lineage, [])
        result.append(
            ItemStats(
                title=item.exercise.title,
                exercise_id=item.exercise_id,
                planned=planned.get(item.lineage, 0),
                done=done.get(item.lineage, 0),
                ratings=len(values),
                average_pain=sum(values) / len(values) if values else None,
                too_hard=hard.get(item.lineage, 0),
                easy=easy.get(item.lineage, 0),
                exercise=item.exercise,
            )
        )
    return result
