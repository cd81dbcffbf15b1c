"""The languages the app speaks, and a person's choice among them.

English is the source language of every string; each other language has a catalog in
webapp/translations. A person's language is ``users.language`` (None: not chosen yet,
their browser's language or the clinic's default is used).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from functools import cache
from html import escape
from pathlib import Path

from babel import dates, support

SUPPORTED: tuple[str, ...] = ("en", "es")
DEFAULT = "en"
# Each language named in itself, as a person looking for their own language reads it.
NAMES: dict[str, str] = {"en": "English", "es": "Español"}


def N_(message: str) -> str:
    """Mark a message for the catalog where it is written; it is translated where shown."""
    return message


# --- Text for the page that is asking -------------------------------------------------------
# Services know no request. The web layer installs its gettext here once (it knows the
# request's language); a service's refusal or label is then read in the asking page's
# language. Without it (jobs, CLI, plain tests) the English is kept as written.
_page_translator: Callable[[str], str] | None = None


def use_page_translator(translator: Callable[[str], str] | None) -> None:
    """Read services' page text in the asking page's language (None: English as written)."""
    global _page_translator
    _page_translator = translator


def for_page(message: str) -> str:
    """Return ``message`` in the asking page's language (English when no page asks)."""
    return _page_translator(message) if _page_translator is not None else message


class Shown(str):
    """An English label a template shows in the page's language (``{{ label }}`` is enough).

    It is its English text everywhere in Python (comparisons, logs, files); only rendering
    it into HTML translates it, so a label dict can be handed to any template as it is.
    """

    __slots__ = ()

    def __html__(self) -> str:
        return escape(self.shown())

    def shown(self) -> str:
        """Return the label in the asking page's language."""
        return for_page(str.__str__(self))

    def lower(self) -> str:
        """Return the label in lower case, still translated where shown (``|lower``)."""
        return _LowerShown(self)


class _LowerShown(Shown):
    """A Shown label in lower case. A template may pass it as a value into a sentence
    (``_('sleep %(quality)s', quality=label|lower)``), so it also translates when formatted."""

    source: str

    def __new__(cls, source: Shown) -> _LowerShown:
        made = super().__new__(cls, str.lower(source))
        made.source = str.__str__(source)
        return made

    def shown(self) -> str:
        return for_page(self.source).lower()

    def __str__(self) -> str:
        return self.shown()


# Languages written right to left (none spoken yet: pushes and emails are ready for them).
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


def direction(language: str) -> str:
    """Return "rtl" or "ltr": the writing direction of a language, for ``dir``."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def is_supported(code: str | None) -> bool:
    """Whether the app speaks this language (a two-letter code like ``es``)."""
    return code in SUPPORTED


def choices() -> list[tuple[str, str]]:
    """The languages for a choice list: (code, name in that language)."""
    return [(code, NAMES[code]) for code in SUPPORTED]


# --- Text for someone who is not the one asking: pushes, emails, downloads -------------------
# Pages are translated by Flask-Babel for the request's locale. What the app writes to a
# person outside a request (a reminder, an email, a file) is written in *their* language,
# read from the same compiled catalogs, so one catalog serves both.

_CATALOGS = Path(__file__).resolve().parents[1] / "translations"


@cache
def translations(language: str) -> support.NullTranslations:
    """The compiled catalog of one language (English, or an unknown code: the source strings)."""
    if language == DEFAULT or not is_supported(language):
        return support.NullTranslations()
    return support.Translations.load(str(_CATALOGS), [language])


def of(person_language: str | None, clinic_language: str = DEFAULT) -> str:
    """The language to write to a person in: their own choice, else the clinic's default."""
    if is_supported(person_language):
        return str(person_language)
    return clinic_language if is_supported(clinic_language) else DEFAULT


def translate(language: str, message: str, **values: object) -> str:
    """``message`` in ``language``, with ``%(name)s`` placeholders filled from ``values``."""
    text = translations(language).gettext(message)
    return text % values if values else text


def translate_plural(
    language: str, singular: str, plural: str, count: int, **values: object
) -> str:
    """The singular or plural form for ``count`` in ``language`` (``%(num)d`` is the count)."""
    text = translations(language).ngettext(singular, plural, count)
    return text % {"num": count, **values}


# --- Dates in words ------------------------------------------------------------------------
# Babel names the days and months; these patterns keep the day before the month in English,
# as the app always wrote it ("Monday 3 November", "lunes 3 de noviembre"). A language with
# no pattern here gets Babel's own form.
DATE_PATTERNS: dict[str, dict[str, str]] = {
    "en": {
        "day_month": "d MMMM",
        "weekday_day_month": "EEEE d MMMM",
        "day_month_year": "d MMMM y",
        "month": "MMMM",
        "month_year": "MMMM y",
    },
    "es": {
        "day_month": "d 'de' MMMM",
        "weekday_day_month": "EEEE d 'de' MMMM",
        "day_month_year": "d 'de' MMMM 'de' y",
        "month": "MMMM",
        "month_year": "MMMM 'de' y",
    },
}
_SKELETONS = {
    "day_month": "MMMMd",
    "weekday_day_month": "MMMMEEEEd",
    "day_month_year": "yMMMMd",
    "month": "MMMM",
    "month_year": "yMMMM",
}


def format_clock(language: str, moment: datetime | time) -> str:
    """Return a time of day as the app writes it in every language: 24-hour "14:30"."""
    return dates.format_time(moment, "HH:mm", locale=language)


def format_day(language: str, day: date, form: str = "day_month") -> str:
    """Return a day in words in ``language``: ``form`` is one of DATE_PATTERNS' keys."""
    pattern = DATE_PATTERNS.get(language, {}).get(form)
    if pattern is None:
        return dates.format_skeleton(_SKELETONS[form], day, locale=language)
    return dates.format_date(day, pattern, locale=language)
