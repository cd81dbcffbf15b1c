"""What an alert says: written in English with its values when raised, read in any language.

An alert's ``detail`` is stored as the English sentence (the clinic's record, as it always
was). Each sentence has one shape here; ``describe`` recognises the shape, takes its values
back out and writes the same sentence in the reader's language, dates in words.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from webapp.content import warning_signs
from webapp.services import languages
from webapp.services.languages import N_

INACTIVE = N_("No exercise or check-in for %(days)s days.")
PAIN_OVER_THRESHOLD = N_("Pain %(pain)s/10 on %(day)s (threshold %(threshold)s).")
PAIN_ABOVE_BASELINE = N_(
    "Pain %(rise)s+ points above the first week's average (%(average)s) for %(days)s days running."
)
PAIN_HIGH = N_("Pain %(pain)s/10 on %(day)s.")
PAIN_RISE = N_("Pain %(pain)s/10 on %(day)s, %(rise)s above the 7-day average.")
WARNING_SIGNS = N_("Warning signs on %(day)s: %(signs)s.")
FLARE_PLAN = N_("Switched to the flare-up plan on %(day)s, until %(until)s.")
SHAPES = (
    INACTIVE,
    PAIN_OVER_THRESHOLD,
    PAIN_ABOVE_BASELINE,
    PAIN_RISE,
    PAIN_HIGH,
    WARNING_SIGNS,
    FLARE_PLAN,
)
_DATES = ("day", "until")
# Between the warning signs' labels in WARNING_SIGNS's %(signs)s.
SIGN_SEPARATOR = "; "


def detail(shape: str, **values: object) -> str:
    """Return the sentence to store: the shape in English with its values (dates as ISO)."""
    return shape % values


@cache
def _pattern(shape: str) -> re.Pattern[str]:
    escaped = re.escape(shape)
    return re.compile(re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", escaped))


@cache
def _sign_words(language: str) -> dict[str, str]:
    """Each warning sign's English label, to its label in ``language``."""
    english, other = warning_signs.content(), warning_signs.content(language)
    return {english.label(key): other.label(key) for key in english.signs}


def _value(name: str, raw: str, language: str) -> str:
    if name == "signs":  # the labels of warning_signs.toml, as checkins writes them
        words = _sign_words(language)
        labels = raw.split(SIGN_SEPARATOR)
        return SIGN_SEPARATOR.join(words.get(label, label) for label in labels)
    if name in _DATES:
        try:
            return languages.format_day(language, date.fromisoformat(raw), "day_month")
        except ValueError:
            return raw
    return raw


def describe(stored: str, language: str) -> str:
    """Return a stored alert sentence in ``language`` (English: exactly as stored)."""
    if language == languages.DEFAULT:
        return stored
    for shape in SHAPES:
        match = _pattern(shape).fullmatch(stored)
        if match:
            values = {k: _value(k, v, language) for k, v in match.groupdict().items()}
            return languages.translate(language, shape, **values)
    return stored
