"""Doses: parse and check sets, reps, holds, rest, side, how often and on which days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from babel import dates

from webapp.content import vocab
from webapp.models.programs import EVERY_DAY
from webapp.numbers import whole_number
from webapp.services import languages
from webapp.services.errors import ValidationError, range_problem, text
from webapp.services.languages import N_

# name: (label for messages, lowest, highest)
RANGES: dict[str, tuple[str, int, int]] = {
    "sets": (N_("Sets"), 1, 10),
    "reps": (N_("Repetitions"), 1, 100),
    "hold_seconds": (N_("Hold"), 0, 300),
    "rest_seconds": (N_("Rest between sets"), 0, 300),
    "times_per_day": (N_("Times per day"), 1, 6),
}
NOTE_MAX = 300
# The fields of an exercise's default dose (a plan's dose adds weekdays and a note).
DOSE_FIELDS = ("sets", "reps", "hold_seconds", "rest_seconds", "side", "times_per_day")

# One-sided exercises whose side matters (after surgery: the operated shoulder or knee)
# are never prescribed for "both" sides: doing a post-surgical movement on the wrong side,
# or on both, is the mistake this rule prevents. Their own default dose keeps "both" as
# a placeholder that is never copied into a plan without a side being chosen.
SIDE_REQUIRED_MESSAGE = N_("This exercise is for one side only: please choose left or right.")
TEMPLATE_SIDE_MESSAGE = N_(
    "This template has exercises for one side only: please choose the left or right side."
)
UNKNOWN_SIDE_MESSAGE = N_("Please choose a side.")


@dataclass(frozen=True)
class Dose:
    """A checked dose."""

    sets: int
    reps: int
    hold_seconds: int
    rest_seconds: int
    side: str
    times_per_day: int
    weekdays: int = EVERY_DAY
    note: str = ""

    def exercise_fields(self) -> dict[str, Any]:
        """Return the fields an exercise's default dose has."""
        fields = asdict(self)
        fields.pop("weekdays")
        fields.pop("note")
        return fields

    def plan_fields(self) -> dict[str, Any]:
        """Return the fields a program or template item has."""
        return asdict(self)


def _getlist(data: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(data, "getlist", None)
    if getlist is not None:
        return [str(v) for v in getlist(name)]
    value = data.get(name)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def weekdays_mask(days: list[str]) -> int:
    """Turn weekday numbers ("0" = Monday) into the stored bit mask."""
    mask = 0
    for day in days:
        number = whole_number(day)
        if number is not None and 0 <= number <= 6:
            mask |= 1 << number
    return mask


def weekday_numbers(mask: int) -> list[int]:
    """Return the weekday numbers (Monday = 0) set in a mask."""
    return [d for d in range(7) if mask & (1 << d)]


def describe_weekdays(mask: int, language: str = languages.DEFAULT) -> str:
    """Return "Every day", "Mon, Wed, Fri" and so on, in ``language``."""
    if mask & EVERY_DAY == EVERY_DAY:
        return languages.translate(language, "Every day")
    if mask == 0b0011111:
        return languages.translate(language, "Weekdays")
    names = dates.get_day_names("abbreviated", locale=language)  # 0 is Monday, as here
    return ", ".join(str(names[d]).rstrip(".") for d in weekday_numbers(mask))


def side_problem(side: str, *, side_required: bool) -> str | None:
    """Return what is wrong with the side of a dose, or None when it may be prescribed."""
    if side_required and side not in vocab.SIDES:
        return SIDE_REQUIRED_MESSAGE
    if side not in vocab.DOSE_SIDES:
        return UNKNOWN_SIDE_MESSAGE
    return None


def parse_dose(
    data: Mapping[str, Any], *, with_schedule: bool = True, side_required: bool = False
) -> Dose:
    """Check a submitted dose; raise ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    numbers: dict[str, int] = {}
    for name, (label, low, high) in RANGES.items():
        value = whole_number(data.get(name))
        problem = range_problem(value, label, low, high)
        if problem is not None:
            errors[name] = [problem]
        elif value is not None:
            numbers[name] = value
    side = str(data.get("side") or ("" if side_required else "both"))
    problem = side_problem(side, side_required=side_required)
    if problem:
        errors["side"] = [problem]
    weekdays = EVERY_DAY
    note = ""
    if with_schedule:
        weekdays = weekdays_mask(_getlist(data, "weekdays"))
        if weekdays == 0:
            errors["weekdays"] = [N_("Please choose at least one day of the week.")]
        note = " ".join(str(data.get("note", "") or "").split())
        if len(note) > NOTE_MAX:
            errors["note"] = [
                text(N_("Please keep the note under %(num)s characters."), num=NOTE_MAX)
            ]
    if errors:
        raise ValidationError(errors)
    return Dose(side=side, weekdays=weekdays, note=note, **numbers)


def describe_seconds(seconds: int) -> str:
    """Return "20 s", "2 min" or "1 min 30 s"."""
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"


SIDE_WORDS = {"both": N_("each side"), "left": N_("left side"), "right": N_("right side")}


def describe_dose(
    item: Any, sided: bool, side_required: bool = False, language: str = languages.DEFAULT
) -> str:
    """Return a short plain description: "2 sets of 10, hold 20 s, each side"."""
    parts = []
    if item.sets > 1:
        parts.append(
            languages.translate(
                language, "%(sets)s sets of %(reps)s", sets=item.sets, reps=item.reps
            )
        )
    elif item.reps > 1:
        parts.append(languages.translate(language, "%(reps)s times", reps=item.reps))
    if item.hold_seconds:
        duration = describe_seconds(item.hold_seconds)
        parts.append(
            languages.translate(language, "hold %(duration)s", duration=duration)
            if parts
            else duration
        )
    if not parts:
        parts.append(languages.translate(language, "once"))
    if side_required and item.side not in vocab.SIDES:
        parts.append(languages.translate(language, "one side only"))
    elif sided:
        parts.append(languages.translate(language, SIDE_WORDS[item.side]))
    return ", ".join(parts)
