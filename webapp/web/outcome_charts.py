"""Server-rendered SVG of one questionnaire's scores, with the baseline and the MCID band."""

from __future__ import annotations

from datetime import date

from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

from webapp.services.outcomes import Series, scoring
from webapp.web.charts import short_date

WIDTH, HEIGHT = 340, 160
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 10, 26


def _short(day: date) -> str:
    return short_date(day)


def _number(value: float) -> str:
    """Return a score as people read it here: "12.5" in English, "12,5" in Spanish."""
    return str(format_decimal(value, format="#,##0.##"))


def outcome_chart(series: Series) -> Markup:
    """Draw the scores over time; the shaded band is "no meaningful change" from baseline."""
    instrument = series.instrument
    low, high = instrument.score_range
    points = [(r.local_date, r.score) for r in series.responses if r.score is not None]

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * (HEIGHT - TOP - BOTTOM)

    first = points[0][0] if points else date.min
    span = max((points[-1][0] - first).days, 1) if points else 1

    def x(day: date) -> float:
        if len(points) < 2:
            return (LEFT + WIDTH - RIGHT) / 2
        return LEFT + (day - first).days / span * (WIDTH - LEFT - RIGHT)

    values = {"name": instrument.abbreviation, "low": low, "high": high}
    label = (
        _(
            "%(name)s scores from %(low)s to %(high)s, higher is better; shaded: no meaningful "
            "change from baseline",
            **values,
        )
        if instrument.higher_is_better
        else _(
            "%(name)s scores from %(low)s to %(high)s, lower is better; shaded: no meaningful "
            "change from baseline",
            **values,
        )
    )
    out = [
        f'<svg class="chart chart--outcome" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    for value in (low, (low + high) / 2, high):
        out.append(
            f'<line class="chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text class="chart__label" x="{LEFT - 5}" '
            f'y="{y(value) + 4:.1f}" text-anchor="end">{_number(value)}</text>'
        )
    baseline = series.baseline
    reference = 0.0 if instrument.mcid.kind == "rating" else (baseline.score if baseline else None)
    if reference is not None:
        band = scoring.mcid_band(instrument, reference)
        if band is not None:
            top, bottom = y(band[1]), y(band[0])
            title = _(
                "No meaningful change: %(low)s to %(high)s",
                low=_number(band[0]),
                high=_number(band[1]),
            )
            out.append(
                f'<rect class="chart__band" x="{LEFT}" y="{top:.1f}" '
                f'width="{WIDTH - LEFT - RIGHT}" '
                f'height="{bottom - top:.1f}"><title>{escape(title)}</title></rect>'
            )
        baseline_title = _("Baseline %(score)s", score=_number(reference))
        out.append(
            f'<line class="chart__baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(reference):.1f}" y2="{y(reference):.1f}"><title>{escape(baseline_title)}'
            "</title></line>"
        )
    if len(points) > 1:
        path = " ".join(
            f"{'L' if i else 'M'}{x(d):.1f} {y(s):.1f}" for i, (d, s) in enumerate(points)
        )
        out.append(f'<path class="chart__line chart__line--score" d="{path}"/>')
    for day, score in points:
        out.append(
            f'<circle class="chart__dot" cx="{x(day):.1f}" cy="{y(score):.1f}" r="3.2">'
            f"<title>{_short(day)}: {_number(score)}</title></circle>"
        )
    if points:
        anchor = "start" if len(points) > 1 else "middle"
        out.append(
            f'<text class="chart__label" x="{x(points[0][0]):.1f}" y="{HEIGHT - 8}" '
            f'text-anchor="{anchor}">{_short(points[0][0])}</text>'
        )
        if len(points) > 1:
            out.append(
                f'<text class="chart__label" x="{x(points[-1][0]):.1f}" y="{HEIGHT - 8}" '
                f'text-anchor="end">{_short(points[-1][0])}</text>'
            )
    else:
        empty = _("No answers yet")
        out.append(
            f'<text class="chart__empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
            f"{escape(empty)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))
