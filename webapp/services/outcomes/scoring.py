"""Scoring a response and judging change against the instrument's MCID."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from webapp.services.languages import N_, Shown
from webapp.services.outcomes.instruments import Instrument


class Change(StrEnum):
    """How a score moved since the baseline, judged by the instrument's MCID."""

    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


# Shown on pages in the page's language (languages.Shown: ``{{ label }}`` translates it).
CHANGE_WORDS = {
    Change.BETTER: Shown(N_("Meaningful improvement")),
    Change.SAME: Shown(N_("No meaningful change")),
    Change.WORSE: Shown(N_("Worse")),
}


def score(instrument: Instrument, answers: Mapping[str, int | None]) -> float | None:
    """Return the score of a set of answers (item key -> value, None when skipped).

    Follows the instrument's rule for missing items: no score with fewer than
    ``min_answered`` answers; the mean is over the answered items.
    """
    keys = instrument.item_keys()
    given = [value for key, value in answers.items() if key in keys and value is not None]
    if len(given) < instrument.min_answered or not given:
        return None
    if instrument.scoring_method == "single":
        return float(given[0])
    return round(sum(given) / len(given), 2)


def change(instrument: Instrument, baseline: float | None, latest: float | None) -> Change | None:
    """Judge the latest score against the baseline; None when there is nothing to judge.

    For a rating of change (GRC) the latest answer is the change itself and no baseline
    is needed.
    """
    mcid = instrument.mcid
    if latest is None:
        return None
    if mcid.kind == "rating":
        if latest >= mcid.improve:
            return Change.BETTER
        if latest <= mcid.worsen:
            return Change.WORSE
        return Change.SAME
    if baseline is None:
        return None
    # Rounded, so 6.0 -> 4.2 is the 30% it looks like and not 29.99...%.
    gain = round(latest - baseline if instrument.higher_is_better else baseline - latest, 6)
    if mcid.kind == "percent":
        # A share of the baseline; a baseline of 0 is taken as 1 point so a rise still shows.
        base = max(abs(baseline), 1.0)
        improve = round(base * mcid.improve / 100, 6)
        worsen = round(base * mcid.worsen / 100, 6)
    else:
        improve, worsen = mcid.improve, mcid.worsen
    if gain >= improve:
        return Change.BETTER
    if -gain >= worsen:
        return Change.WORSE
    return Change.SAME


def item_change(instrument: Instrument, baseline: int | None, latest: int | None) -> Change | None:
    """Judge one item's change (PSFS: 3 points for a single activity)."""
    points = instrument.mcid.item_points
    if points is None or baseline is None or latest is None:
        return None
    gain = latest - baseline if instrument.higher_is_better else baseline - latest
    if gain >= points:
        return Change.BETTER
    if -gain >= points:
        return Change.WORSE
    return Change.SAME


def mcid_band(instrument: Instrument, baseline: float) -> tuple[float, float] | None:
    """Return the score range around the baseline that is "no meaningful change"."""
    mcid = instrument.mcid
    if mcid.kind == "rating":
        return mcid.worsen, mcid.improve
    if mcid.kind == "percent":
        base = max(abs(baseline), 1.0)
        up, down = base * mcid.worsen / 100, base * mcid.improve / 100
    else:
        up, down = mcid.worsen, mcid.improve
    if instrument.higher_is_better:
        up, down = down, up
    low, high = instrument.score_range
    return max(low, baseline - down), min(high, baseline + up)
