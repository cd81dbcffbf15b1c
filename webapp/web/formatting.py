"""Dates, times and counts as people read them, in their own time zone and language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from babel import dates
from flask_babel import get_locale
from flask_babel import gettext as _

from webapp.models import OutcomeAssignment, OutcomeResponse
from webapp.services import alert_words, clock, dose, languages, outcomes
from webapp.services.outcomes.instruments import Instrument

ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "6th")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def ordinal(number: int) -> str:
    """Return "1st", "2nd" ... for the rounds of an exercise done several times a day.

    In Spanish "1.ª", "2.ª" ... (la primera vez, la segunda vez).
    """
    if _language() == "es":
        return f"{number}.ª"
    return ORDINALS[number - 1] if 1 <= number <= len(ORDINALS) else f"{number}th"


def weekday_names(width: Literal["abbreviated", "short", "wide"] = "abbreviated") -> list[str]:
    """Return the seven weekday names from Monday, as Babel writes them for the page.

    ``width``: "wide" (Monday, lunes), "abbreviated" (Mon, lun) or "short" (Mo, LU).
    """
    names = dates.get_day_names(width, locale=_language())
    return [str(names[day]) for day in range(7)]


def long_date(day: date) -> str:
    """Return "Monday 3 November" ("lunes 3 de noviembre")."""
    return languages.format_day(_language(), day, "weekday_day_month")


def local_date(moment: datetime | None, timezone: str) -> str:
    """Return the local date of a UTC moment: "3 November 2026" ("3 de noviembre de 2026")."""
    if moment is None:
        return ""
    day = clock.local_now(timezone, moment).date()
    return languages.format_day(_language(), day, "day_month_year")


def local_datetime(moment: datetime | None, timezone: str) -> str:
    """Return "Tuesday 4 November at 14:30" in the person's time zone."""
    if moment is None:
        return ""
    local = clock.local_now(timezone, moment)
    at = languages.format_clock(_language(), local)
    return str(_("%(day)s at %(time)s", day=long_date(local.date()), time=at))


def local_time(moment: datetime | None, timezone: str) -> str:
    """Return "14:30" in the person's time zone."""
    if moment is None:
        return ""
    return languages.format_clock(_language(), clock.local_now(timezone, moment))


def describe_dose(item: Any, sided: bool, side_required: bool = False) -> str:
    """Return a dose in the page's language: "2 sets of 10, hold 20 s, each side"."""
    return dose.describe_dose(item, sided, side_required, language=_language())


def describe_weekdays(mask: int) -> str:
    """Return "Every day", "Mon, Wed, Fri" ... in the page's language."""
    return dose.describe_weekdays(mask, language=_language())


def trend_words(
    instrument: Instrument,
    responses: Sequence[OutcomeResponse],
    today: date,
    *,
    report: bool = False,
) -> list[str]:
    """Return a questionnaire's trend in plain words, in the page's language."""
    return outcomes.trend_words(instrument, responses, today, report=report, language=_language())


def schedule_words(assignment: OutcomeAssignment) -> str:
    """Return when a questionnaire is asked, in the page's language."""
    return outcomes.schedule_words(assignment, language=_language())


def alert_detail(detail: str) -> str:
    """Return an alert's stored sentence in the page's language."""
    return alert_words.describe(detail, _language())
