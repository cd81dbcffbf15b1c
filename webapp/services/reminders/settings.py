"""The patient's reminder settings: which reminders, at what local times, and quiet hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from webapp.models import Program, ReminderSettings, User
from webapp.services import plan
from webapp.services.db import Db
from webapp.services.errors import ValidationError
from webapp.services.languages import N_

# ASCII digits only: the stored "HH:MM" is read back with int() and shown as typed.
TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
MAX_EXERCISE_TIMES = 6
DEFAULT_TIMES = {
    1: ["08:00"],
    2: ["08:00", "18:00"],
    3: ["08:00", "13:00", "18:00"],
    4: ["08:00", "11:00", "15:00", "19:00"],
    5: ["08:00", "10:30", "13:00", "16:00", "19:00"],
    6: ["08:00", "10:00", "12:00", "14:00", "16:00", "19:00"],
}
# Until a patient chooses their own, and for visit reminders of patients who never did.
DEFAULT_QUIET_START = "21:30"
DEFAULT_QUIET_END = "07:30"


def parse_time(value: str) -> time:
    """Return a time from "HH:MM"."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(moment: time, start: str, end: str) -> bool:
    """Return True if a local time falls in quiet hours (which may cross midnight)."""
    quiet_start, quiet_end = parse_time(start), parse_time(end)
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= moment < quiet_end
    return moment >= quiet_start or moment < quiet_end


def settings_for(session: Db, patient: User) -> ReminderSettings:
    """Return the patient's reminder settings (the defaults until they change them)."""
    found = session.get(ReminderSettings, patient.id)
    if found is None:
        found = ReminderSettings(
            patient_id=patient.id,
            exercise_on=True,
            exercise_times=[],
            checkin_on=True,
            checkin_time="20:00",
            visit_on=True,
            quiet_start=DEFAULT_QUIET_START,
            quiet_end=DEFAULT_QUIET_END,
        )
        session.add(found)
        session.flush()
    return found


def program_times(program: Program | None) -> list[str]:
    """Return the default reminder times for a program's busiest exercise (08:00, 18:00 ...)."""
    items = plan.current_items(program) if program is not None else []
    per_day = max((i.times_per_day for i in items), default=1)
    return DEFAULT_TIMES[min(max(per_day, 1), MAX_EXERCISE_TIMES)]


def exercise_times(settings: ReminderSettings, program: Program | None) -> list[str]:
    """Return the local times of exercise reminders: chosen ones, or from the program."""
    if settings.exercise_times:
        return sorted(settings.exercise_times)
    return program_times(program)


@dataclass
class SettingsInput:
    """What the patient submitted on the reminders page."""

    exercise_on: bool
    exercise_times: list[str]
    checkin_on: bool
    checkin_time: str
    visit_on: bool
    quiet_start: str
    quiet_end: str


def checked_exercise_times(data: SettingsInput) -> list[str]:
    """Return the exercise times to keep, or raise with a message beside each wrong field."""
    errors: dict[str, list[str]] = {}
    for name in ("checkin_time", "quiet_start", "quiet_end"):
        if not TIME_RE.match(getattr(data, name) or ""):
            errors[name] = [N_("Please enter a time like 08:00.")]
    times = [t.strip() for t in data.exercise_times if t.strip()]
    if any(not TIME_RE.match(t) for t in times):
        errors["exercise_times"] = [N_("Please enter times like 08:00.")]
    elif len(times) > MAX_EXERCISE_TIMES:
        errors["exercise_times"] = [N_("Six exercise reminders a day is the most.")]
    if "quiet_start" not in errors and "quiet_end" not in errors:
        for name, values in (("exercise_times", times), ("checkin_time", [data.checkin_time])):
            valid = [t for t in values if TIME_RE.match(t or "")]
            if name not in errors and any(
                in_quiet_hours(parse_time(t), data.quiet_start, data.quiet_end) for t in valid
            ):
                errors[name] = [
                    N_(
                        "This is inside your quiet hours. Choose another time or change quiet "
                        "hours."
                    )
                ]
    if errors:
        raise ValidationError(errors)
    return sorted(set(times))
