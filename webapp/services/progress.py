"""Progress over weeks: pain, adherence, a forgiving streak, a calendar."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.models import CheckIn, Completion, Program, User
from webapp.services import clock, plan
from webapp.services.db import Db


@dataclass
class DayStat:
    """One local day: what was planned and done, and the pain reported."""

    day: date
    planned: int
    done: int
    selfcare: int
    pain: int | None
    average: float | None
    program_changed: bool

    @property
    def active(self) -> bool:
        """Return True when the patient did anything that day."""
        return self.done > 0 or self.selfcare > 0 or self.pain is not None

    @property
    def share(self) -> float | None:
        """Return the share of planned slots done (None when nothing was planned)."""
        return min(1.0, self.done / self.planned) if self.planned else None


@dataclass
class WeekStat:
    """A Monday-to-Sunday week."""

    start: date
    planned: int
    done: int

    @property
    def share(self) -> float | None:
        """Return the share of planned slots done."""
        return min(1.0, self.done / self.planned) if self.planned else None


@dataclass
class Progress:
    """Everything the Progress page shows."""

    today: date
    days: list[DayStat]
    weeks: list[WeekStat]
    streak: int
    change_dates: list[date]

    @property
    def pain_days(self) -> list[DayStat]:
        """Return the days with a pain value."""
        return [d for d in self.days if d.pain is not None]

    @property
    def adherence(self) -> float | None:
        """Return the share of planned slots done over the whole period."""
        planned = sum(d.planned for d in self.days)
        return min(1.0, sum(d.done for d in self.days) / planned) if planned else None

    def adherence_since(self, days: int) -> float | None:
        """Return the share of planned slots done over the last ``days`` days."""
        recent = self.days[-days:]
        planned = sum(d.planned for d in recent)
        return min(1.0, sum(d.done for d in recent) / planned) if planned else None

    def pain_change(self) -> tuple[float, float] | None:
        """Return the average pain of the first and of the last week with check-ins."""
        first = [d.pain for d in self.days[:7] if d.pain is not None]
        last = [d.pain for d in self.days[-7:] if d.pain is not None]
        if not first or not last:
            return None
        return sum(first) / len(first), sum(last) / len(last)


def rolling_average(values: dict[date, int], day: date, window: int = 7) -> float | None:
    """Return the average of the values in the ``window`` days ending on ``day``."""
    recent = [values[d] for d in (day - timedelta(days=i) for i in range(window)) if d in values]
    if len(recent) < 2:
        return None
    return sum(recent) / len(recent)


def forgiving_streak(active_days: set[date], today: date) -> int:
    """Count active days in a row up to today; one quiet day in between is forgiven.

    Today not done yet never breaks the streak; two quiet days in a row end it.
    """
    streak, gap = 0, 0
    day = today if today in active_days else today - timedelta(days=1)
    while True:
        if day in active_days:
            streak += 1
            gap = 0
        else:
            gap += 1
            if gap >= 2:
                break
        day -= timedelta(days=1)
        if today - day > timedelta(days=3660):
            break
    return streak


def progress(
    session: Db, patient: User, *, days: int = 42, now: datetime | None = None
) -> Progress:
    """Build the patient's progress for the last ``days`` local days, in fixed queries."""
    today = clock.local_today(patient.timezone, now)
    start = today - timedelta(days=days - 1)
    candidates = list(
        session.scalars(
            select(Program)
            .where(Program.patient_id == patient.id, *plan.covering(start, today))
            .options(selectinload(Program.items))
            .order_by(*plan.NEWEST_FIRST)
        )
    )
    done_by_day: dict[date, set[tuple[str, int]]] = defaultdict(set)
    selfcare_by_day: dict[date, int] = defaultdict(int)
    for local_date, lineage, slot, source in session.execute(
        select(Completion.local_date, Completion.lineage, Completion.slot, Completion.source).where(
            Completion.patient_id == patient.id,
            Completion.local_date >= start,
            Completion.local_date <= today,
            Completion.undone_at.is_(None),
        )
    ):
        if source == "selfcare" or lineage is None:
            selfcare_by_day[local_date] += 1
        else:
            done_by_day[local_date].add((lineage, slot))
    pains: dict[date, int] = {
        day: pain
        for day, pain in session.execute(
            select(CheckIn.local_date, CheckIn.pain).where(
                CheckIn.patient_id == patient.id,
                CheckIn.local_date >= start - timedelta(days=7),
                CheckIn.local_date <= today,
            )
        )
    }
    change_dates = sorted(
        {date.fromisoformat(d) for p in candidates for d in (p.change_dates or [])}
        & {start + timedelta(days=i) for i in range(days)}
    )
    stats: list[DayStat] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        count = plan.day_count(candidates, day, done_by_day.get(day, set()))
        stats.append(
            DayStat(
                day=day,
                planned=count.planned,
                done=count.done,
                selfcare=selfcare_by_day.get(day, 0),
                pain=pains.get(day),
                average=rolling_average(pains, day),
                program_changed=day in change_dates,
            )
        )
    weeks: dict[date, WeekStat] = {}
    for stat in stats:
        monday = stat.day - timedelta(days=stat.day.weekday())
        week = weeks.setdefault(monday, WeekStat(monday, 0, 0))
        week.planned += stat.planned
        week.done += stat.done
    active = {s.day for s in stats if s.active}
    return Progress(
        today=today,
        days=stats,
        weeks=list(weeks.values()),
        streak=forgiving_streak(active, today),
        change_dates=change_dates,
    )
