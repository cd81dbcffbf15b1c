"""Server-rendered SVG charts and the progress calendar (no JavaScript chart library)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel import dates
from flask_babel import format_percent, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from webapp.services.progress import DayStat, Progress, WeekStat

WIDTH, HEIGHT = 340, 180
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 10, 26


@dataclass(frozen=True)
class ChartMarker:
    """A day to mark on a chart: a program change or a visit."""

    day: date
    label: str
    kind: str = "change"  # change / visit


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def short_date(day: date) -> str:
    """Return "3 Nov" ("3 nov" in Spanish): the month's abbreviation from Babel."""
    language = _language()
    return dates.format_date(day, "d MMM", locale=language).rstrip(".")


def _percent(share: float) -> str:
    """Return "50%" ("50 %" in Spanish): Babel's percent for the page's language."""
    return str(format_percent(round(share, 2)))


def weekday_short(day: date) -> str:
    """Return "Mon" ("lun" in Spanish)."""
    return dates.format_date(day, "EEE", locale=_language()).rstrip(".")


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: float) -> float:
    return TOP + (10 - value) / 10 * (HEIGHT - TOP - BOTTOM)


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    """Return SVG path data joining consecutive points, lifting the pen at gaps."""
    parts: list[str] = []
    pen_down = False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]:.1f} {point[1]:.1f}")
        pen_down = True
    return " ".join(parts)


def _grid_line(value: float, label: str) -> str:
    y = _y(value)
    return (
        f'<line class="chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        f'<text class="chart__label" x="{LEFT - 5}" y="{y + 4:.1f}" '
        f'text-anchor="end">{label}</text>'
    )


def change_markers(stats: Progress) -> list[ChartMarker]:
    """Return a marker for each day the plan changed."""
    return [
        ChartMarker(d, _("Plan changed %(day)s", day=short_date(d))) for d in stats.change_dates
    ]


def pain_chart(
    days: Sequence[DayStat], *, markers: Sequence[ChartMarker] = (), title: str | None = None
) -> Markup:
    """Draw daily pain (dots and a thin line) and its 7-day average (a thick line)."""
    count = len(days)
    index = {d.day: i for i, d in enumerate(days)}
    label = _(
        "%(title)s from 0 (none) to 10 (worst), daily and 7-day average",
        title=title if title is not None else _("Pain"),
    )
    out = [
        f'<svg class="chart chart--pain" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    out.extend(_grid_line(value, str(value)) for value in (0, 5, 10))
    for marker in markers:
        if marker.day not in index:
            continue
        x = _x(index[marker.day], count)
        out.append(
            f'<line class="chart__marker chart__marker--{marker.kind}" x1="{x:.1f}" x2="{x:.1f}" '
            f'y1="{TOP}" y2="{HEIGHT - BOTTOM}"><title>{escape(marker.label)}</title></line>'
        )
    daily = [(_x(i, count), _y(d.pain)) if d.pain is not None else None for i, d in enumerate(days)]
    average = [
        (_x(i, count), _y(d.average)) if d.average is not None else None for i, d in enumerate(days)
    ]
    if any(daily):
        out.append(f'<path class="chart__line chart__line--daily" d="{_path(daily)}"/>')
    if any(average):
        out.append(f'<path class="chart__line chart__line--avg" d="{_path(average)}"/>')
    for d, point in zip(days, daily, strict=True):
        if point is not None:
            out.append(
                f'<circle class="chart__dot" cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="2.6">'
                f"<title>{short_date(d.day)}: {d.pain}/10</title></circle>"
            )
    if count:
        for i in sorted({0, count // 2, count - 1}):
            anchor = "start" if i == 0 else "end" if i == count - 1 else "middle"
            out.append(
                f'<text class="chart__label" x="{_x(i, count):.1f}" y="{HEIGHT - 8}" '
                f'text-anchor="{anchor}">{short_date(days[i].day)}</text>'
            )
    if not any(daily):
        empty = _("No check-ins yet")
        out.append(
            f'<text class="chart__empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
            f"{escape(empty)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def adherence_chart(weeks: Sequence[WeekStat]) -> Markup:
    """Draw one bar per week: the share of planned exercises done."""
    count = max(len(weeks), 1)
    slot = (WIDTH - LEFT - RIGHT) / count
    bar = slot * 0.62
    title = _("Share of planned exercises done, per week")
    rest = _("rest")
    out = [
        f'<svg class="chart chart--adherence" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    out.extend(_grid_line(value, _percent(value / 10)) for value in (0, 5, 10))
    for i, week in enumerate(weeks):
        x = LEFT + i * slot + (slot - bar) / 2
        share = week.share
        label = short_date(week.start)
        if share is None:
            out.append(
                f'<text class="chart__label" x="{x + bar / 2:.1f}" y="{_y(1):.1f}" '
                f'text-anchor="middle">{escape(rest)}</text>'
            )
        else:
            top = _y(share * 10)
            done = _("Week of %(day)s: %(percent)s done", day=label, percent=_percent(share))
            out.append(
                f'<rect class="chart__bar" x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{_y(0) - top:.1f}" rx="3"><title>{escape(done)}</title></rect>'
            )
        out.append(
            f'<text class="chart__label" x="{x + bar / 2:.1f}" y="{HEIGHT - 8}" '
            f'text-anchor="middle">{label}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class CalendarDay:
    """One cell of the progress calendar."""

    day: date
    level: str  # full / partial / none / rest / future
    checked_in: bool
    label: str


def calendar(stats: Progress) -> list[list[CalendarDay]]:
    """Return the last six weeks as rows of Monday-to-Sunday cells."""
    by_day = {d.day: d for d in stats.days}
    first = stats.days[0].day
    monday = first - timedelta(days=first.weekday())
    last = stats.today + timedelta(days=6 - stats.today.weekday())
    rows: list[list[CalendarDay]] = []
    day = monday
    while day <= last:
        row: list[CalendarDay] = []
        for _weekday in range(7):
            stat = by_day.get(day)
            row.append(_cell(day, stat, stats.today))
            day += timedelta(days=1)
        rows.append(row)
    return rows[-6:]


def _cell(day: date, stat: DayStat | None, today: date) -> CalendarDay:
    name = f"{weekday_short(day)} {short_date(day)}"
    if day > today or stat is None:
        return CalendarDay(day, "future" if day > today else "rest", False, name)
    checked = stat.pain is not None
    if stat.planned == 0:
        level = "rest"
        text = (
            _("%(day)s: nothing planned, checked in", day=name)
            if checked
            else _("%(day)s: nothing planned", day=name)
        )
    else:
        level = "full" if stat.done >= stat.planned else "partial" if stat.done else "none"
        values = {"day": name, "done": stat.done, "planned": stat.planned}
        text = (
            _("%(day)s: %(done)s of %(planned)s done, checked in", **values)
            if checked
            else _("%(day)s: %(done)s of %(planned)s done", **values)
        )
    return CalendarDay(day, level, checked, text)


def sparkline(values: Sequence[int | None], name: str) -> Markup:
    """Draw a row's pain line: one line through the days with a check-in, a dot on each.

    A line broken at every missing day fell apart into dashes and lone points that drew
    nothing; one line through the real points reads as a trend at a glance, and the dots
    say which days it rests on (a day without a check-in is a gap between dots).
    """
    width, height, pad = 84, 24, 3
    count = len(values)
    points = [
        (pad + (width - 2 * pad) * i / max(count - 1, 1), pad + (10 - v) / 10 * (height - 2 * pad))
        for i, v in enumerate(values)
        if v is not None
    ]
    known = [v for v in values if v is not None]
    body = ""
    if points:
        if len(points) > 1:
            body = f'<path class="spark__line" d="{_path(points)}"/>'
        *earlier, last = points
        body += "".join(
            f'<circle class="spark__point" cx="{x:.1f}" cy="{y:.1f}" r="1.4"/>' for x, y in earlier
        )
        body += f'<circle class="spark__dot" cx="{last[0]:.1f}" cy="{last[1]:.1f}" r="2.4"/>'
        summary = (
            _(
                "Pain over the last %(count)s days for %(name)s: %(checkins)s days with a "
                "check-in, from %(low)s to %(high)s, latest %(latest)s/10.",
                count=count,
                name=name,
                checkins=len(known),
                low=min(known),
                high=max(known),
                latest=known[-1],
            )
            if len(known) > 1
            else _(
                "Pain over the last %(count)s days for %(name)s: one check-in, %(latest)s/10.",
                count=count,
                name=name,
                latest=known[-1],
            )
        )
    else:
        summary = _(
            "Pain over the last %(count)s days for %(name)s: no check-ins.", count=count, name=name
        )
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(summary)}">{body}</svg>'
    )
