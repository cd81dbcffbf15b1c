"""What is planned on a day, and what of it is done: the one place that decides.

The rule, in the clinic's words:

- A day belongs to one program at most: the newest (latest start date, then the latest
  made) *active, ended or flare-up* program whose dates cover it. Drafts are never planned.
  A flare-up spell is a short program over the active one: when it ends, the days go back.
- An exercise of that program is planned on the day when the version of it that applies
  that day (from ``valid_from``, or the program's start, until ``valid_until``, which is
  exclusive) includes the day's weekday. Editing an assigned program ends one version and
  starts the next of the same lineage, so a past day keeps the dose it had.
- It is planned ``times_per_day`` times: slots 0 .. times_per_day - 1.
- A slot is done when a live (not undone) completion of the same lineage and slot exists on
  that local date. A completion is only recorded for a slot planned at that moment, so
  "My patients" counts completions by day without matching them slot by slot (a slot done
  before a same-day cut of the dose still counts there; shares are capped at 100 %).

Today, Progress, reminders, "My patients", per-exercise adherence and the visit report all
ask here. ``planned_slots`` counts long spans by weekday arithmetic; tests/test_services_plan.py
checks it against a day-by-day count over random programs and edits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, UnaryExpression, or_

from webapp.models import Program, ProgramItem, ProgramStatus

# The programs whose days count: a draft is not planned yet; a flare-up spell is (the
# newest program covering its few days, it owns them).
PLANNED_STATUSES = (ProgramStatus.ACTIVE, ProgramStatus.ENDED, ProgramStatus.FLARE)
# Newest first, as SQL sees it: the first program that covers a day is the day's program.
NEWEST_FIRST: tuple[UnaryExpression[Any], ...] = (Program.start_date.desc(), Program.id.desc())


class ItemVersion(Protocol):
    """What the rule reads of a program item (a ``ProgramItem`` or a lighter row)."""

    @property
    def lineage(self) -> str: ...
    @property
    def valid_from(self) -> date | None: ...
    @property
    def valid_until(self) -> date | None: ...
    @property
    def weekdays(self) -> int: ...
    @property
    def times_per_day(self) -> int: ...


class ProgramDates(Protocol):
    """What the rule reads of a program (a ``Program`` or a lighter row)."""

    @property
    def id(self) -> int: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date | None: ...
    @property
    def items(self) -> Sequence[ItemVersion]: ...


P = TypeVar("P", bound=ProgramDates)


# --- one day --------------------------------------------------------------------------------


def covering(first: date, last: date | None) -> list[ColumnElement[bool]]:
    """Return SQL conditions for the programs that may own a day between two dates.

    ``last`` None: from ``first`` on, programs that start later included.
    """
    conditions = [
        Program.status.in_(PLANNED_STATUSES),
        or_(Program.end_date.is_(None), Program.end_date >= first),
    ]
    if last is not None:
        conditions.append(Program.start_date <= last)
    return conditions


def covers(program: ProgramDates, day: date) -> bool:
    """Return True if the day is inside the program's dates."""
    return program.start_date <= day and (program.end_date is None or day <= program.end_date)


def _age(program: ProgramDates) -> tuple[date, int]:
    return program.start_date, program.id


def program_on(programs: Iterable[P], day: date) -> P | None:
    """Return the program a day belongs to: the newest of those (active or ended) covering it."""
    return max((p for p in programs if covers(p, day)), key=_age, default=None)


def valid_on(item: ItemVersion, day: date) -> bool:
    """Return True if this version of an item applies on the day (the program's dates apart)."""
    if item.valid_from is not None and day < item.valid_from:
        return False
    return item.valid_until is None or day < item.valid_until


def on_weekday(weekdays: int, weekday: int) -> bool:
    """Return True if a weekday mask (Monday is bit 0) includes the weekday (Monday = 0)."""
    return bool(weekdays & (1 << weekday))


def current_items(program: Program) -> list[ProgramItem]:
    """Return the items as they stand now (the latest version of each), in order."""
    items = [i for i in program.items if i.valid_until is None]
    return sorted(items, key=lambda i: (i.position, i.id))


def items_on(program: Program, day: date) -> list[ProgramItem]:
    """Return the item versions that apply on a local date, in order (weekday not considered)."""
    if not covers(program, day):
        return []
    items = [i for i in program.items if valid_on(i, day)]
    return sorted(items, key=lambda i: (i.position, i.id))


def planned_items(program: Program | None, day: date) -> list[ProgramItem]:
    """Return the items of a program planned on a local date (dates and weekdays considered)."""
    if program is None:
        return []
    return [i for i in items_on(program, day) if on_weekday(i.weekdays, day.weekday())]


def slots(item: ItemVersion) -> range:
    """Return an item's slots on a day it is planned (0 .. times_per_day - 1)."""
    return range(item.times_per_day)


@dataclass(frozen=True)
class DayCount:
    """Exercise slots planned on a day, and how many of them are done."""

    planned: int
    done: int


def count_day(items: Iterable[ItemVersion], done: Collection[tuple[str, int]]) -> DayCount:
    """Count the slots of a day's planned items, and those done (``done``: lineage, slot)."""
    planned = done_count = 0
    for item in items:
        for slot in slots(item):
            planned += 1
            done_count += (item.lineage, slot) in done
    return DayCount(planned, done_count)


def day_count(
    programs: Iterable[Program], day: date, done: Collection[tuple[str, int]]
) -> DayCount:
    """Count what is planned on a day among a patient's programs, and what of it is done."""
    return count_day(planned_items(program_on(programs, day), day), done)


# --- many days ------------------------------------------------------------------------------


def _weekday_counts(first: date, last: date) -> list[int]:
    """Return how many Mondays, Tuesdays ... Sundays fall between two dates (inclusive)."""
    days = (last - first).days + 1
    if days <= 0:
        return [0] * 7
    weeks, rest = divmod(days, 7)
    counts = [weeks] * 7
    for n in range(rest):
        counts[(first.weekday() + n) % 7] += 1
    return counts


# For each weekday mask, the weekdays (Monday = 0) it contains.
_WEEKDAYS_OF = [tuple(w for w in range(7) if on_weekday(mask, w)) for mask in range(128)]


# "My patients" asks this for every patient over the same few windows: remembered.
@lru_cache(maxsize=4096)
def _days_on(first: date, last: date, mask: int) -> int:
    """Return how many days between two dates (inclusive) fall on the mask's weekdays."""
    counts = _weekday_counts(first, last)
    return sum(counts[w] for w in _WEEKDAYS_OF[mask])


def _owned_spans(programs: Iterable[P], first: date, last: date) -> Iterator[tuple[P, date, date]]:
    """Yield (program, from, to): the days between two dates each program owns.

    Newest first, each program owns the days it covers that no newer program covered.
    """
    taken: list[tuple[date, date]] = []  # disjoint, in date order
    for program in sorted(programs, key=_age, reverse=True):
        start = max(first, program.start_date)
        stop = min(last, program.end_date or last)
        if start > stop:
            continue
        cursor = start
        for lo, hi in taken:
            if hi < cursor or lo > stop:
                continue
            if lo > cursor:
                yield program, cursor, lo - timedelta(days=1)
            cursor = max(cursor, hi + timedelta(days=1))
        if cursor <= stop:
            yield program, cursor, stop
        taken = _merged([*taken, (start, stop)])


def _merged(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    result: list[tuple[date, date]] = []
    for lo, hi in sorted(spans):
        if result and lo <= result[-1][1] + timedelta(days=1):
            result[-1] = (result[-1][0], max(result[-1][1], hi))
        else:
            result.append((lo, hi))
    return result


def _item_slots(programs: Iterable[P], first: date, last: date) -> Iterator[tuple[str, int]]:
    """Yield (lineage, slots planned) for each item version over the days between two dates."""
    for program, start, stop in _owned_spans(programs, first, last):
        for item in program.items:
            lo = max(start, item.valid_from or start)
            hi = min(stop, item.valid_until - timedelta(days=1) if item.valid_until else stop)
            if lo > hi:
                continue
            days = _days_on(lo, hi, item.weekdays & 0b1111111)
            if days:
                yield item.lineage, item.times_per_day * days


def planned_slots(programs: Iterable[ProgramDates], first: date, last: date) -> int:
    """Return the exercise slots planned between two dates (inclusive).

    The same as adding up ``day_count`` day by day, in a few steps per program version.
    """
    return sum(n for _lineage, n in _item_slots(programs, first, last))


def planned_by_lineage(programs: Iterable[ProgramDates], first: date, last: date) -> dict[str, int]:
    """Return, per exercise (lineage), the slots planned between two dates (inclusive)."""
    planned: dict[str, int] = defaultdict(int)
    for lineage, n in _item_slots(programs, first, last):
        planned[lineage] += n
    return dict(planned)
