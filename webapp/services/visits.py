"""Visits at the clinic: booking, moving, cancelling, and a calendar file for the patient."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from webapp.models import Appointment, User, utcnow
from webapp.numbers import whole_number
from webapp.services import audit, languages, reminders
from webapp.services.db import Db
from webapp.services.errors import NotFound, ValidationError, text
from webapp.services.languages import N_

MIN_MINUTES, MAX_MINUTES = 10, 240


@dataclass(frozen=True)
class VisitInput:
    """A visit as typed: local date and time at the clinic, length, where."""

    day: str
    start: str
    minutes: str
    place_note: str = ""


def _parse(data: VisitInput, clinic_timezone: str, now: datetime) -> tuple[datetime, int, str]:
    errors: dict[str, list[str]] = {}
    day: date | None = None
    start: time | None = None
    try:
        day = date.fromisoformat(data.day)
    except ValueError:
        errors["day"] = [N_("Please choose a date.")]
    try:
        start = time.fromisoformat(data.start)
    except ValueError:
        errors["start"] = [N_("Please choose a time, like 14:30.")]
    minutes = whole_number(data.minutes) or 0
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors["minutes"] = [
            text(
                N_("Length must be %(low)s to %(high)s minutes."), low=MIN_MINUTES, high=MAX_MINUTES
            )
        ]
        minutes = 0
    note = " ".join(data.place_note.split())
    if len(note) > 200:
        errors["place_note"] = [N_("Please keep the note under 200 characters.")]
    starts_at: datetime | None = None
    if day is not None and start is not None:
        starts_at = datetime.combine(day, start, ZoneInfo(clinic_timezone)).astimezone(
            ZoneInfo("UTC")
        )
        if starts_at <= now:
            errors["day"] = [N_("The visit must be in the future.")]
    if errors or starts_at is None:
        raise ValidationError(errors)
    return starts_at, minutes, note


def book(
    session: Db,
    therapist: User,
    patient: User,
    data: VisitInput,
    *,
    clinic_timezone: str,
    now: datetime | None = None,
) -> Appointment:
    """Book a visit; the patient sees it on Today and gets its reminders."""
    now = now or utcnow()
    starts_at, minutes, note = _parse(data, clinic_timezone, now)
    visit = Appointment(
        patient_id=patient.id,
        therapist_id=therapist.id,
        starts_at=starts_at,
        duration_minutes=minutes,
        place_note=note,
        status="booked",
        created_at=now,
        updated_at=now,
    )
    session.add(visit)
    session.flush()
    reminders.appointment_changed(session, visit, now=now)
    audit.record(session, therapist, "visit.book", patient=patient, detail=starts_at.isoformat())
    return visit


def reschedule(
    session: Db,
    therapist: User,
    visit: Appointment,
    data: VisitInput,
    *,
    clinic_timezone: str,
    now: datetime | None = None,
) -> None:
    """Move a visit; its pending reminders move with it."""
    now = now or utcnow()
    if visit.status != "booked":
        raise ValidationError(N_("A cancelled visit cannot be moved. Book a new one."))
    starts_at, minutes, note = _parse(data, clinic_timezone, now)
    visit.starts_at = starts_at
    visit.duration_minutes = minutes
    visit.place_note = note
    visit.updated_at = now
    session.flush()
    reminders.appointment_changed(session, visit, now=now)
    audit.record(
        session,
        therapist,
        "visit.reschedule",
        patient=session.get(User, visit.patient_id),
        detail=starts_at.isoformat(),
    )


def cancel(
    session: Db, therapist: User, visit: Appointment, *, now: datetime | None = None
) -> None:
    """Cancel a visit; its pending reminders are withdrawn."""
    now = now or utcnow()
    visit.status = "cancelled"
    visit.updated_at = now
    session.flush()
    reminders.appointment_changed(session, visit, now=now)
    audit.record(
        session,
        therapist,
        "visit.cancel",
        patient=session.get(User, visit.patient_id),
        detail=visit.starts_at.isoformat(),
    )


def for_patient(session: Db, patient: User) -> Sequence[Appointment]:
    """Return a patient's visits, soonest upcoming first, then the past."""
    return session.scalars(
        select(Appointment)
        .where(Appointment.patient_id == patient.id)
        .order_by(Appointment.starts_at.desc())
    ).all()


def last_visit_before(session: Db, patient: User, moment: datetime) -> Appointment | None:
    """Return the last booked visit that started before a moment."""
    return session.scalar(
        select(Appointment)
        .where(
            Appointment.patient_id == patient.id,
            Appointment.status == "booked",
            Appointment.starts_at < moment,
        )
        .order_by(Appointment.starts_at.desc())
        .limit(1)
    )


def get_for_patient(session: Db, patient: User, visit_id: int) -> Appointment:
    """Return one of the patient's visits, or raise NotFound."""
    visit = session.get(Appointment, visit_id)
    if visit is None or visit.patient_id != patient.id:
        raise NotFound()
    return visit


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    # RFC 5545: lines longer than 75 octets continue on the next line after a space.
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start = [], 0
    while start < len(data):
        size = 75 if start == 0 else 74
        chunk = data[start : start + size]
        while True:
            try:
                parts.append(chunk.decode())
                break
            except UnicodeDecodeError:
                chunk = chunk[:-1]
        start += len(chunk)
    return "\r\n ".join(parts)


def ics(
    visit: Appointment, *, clinic_name: str, host: str, language: str = languages.DEFAULT
) -> str:
    """Return the visit as an iCalendar file, in ``language``, to add to a phone's calendar."""
    stamp = "%Y%m%dT%H%M%SZ"
    end = visit.starts_at + timedelta(minutes=visit.duration_minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Between Visits//Clinic visits//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:visit-{visit.id}@{host}",
        f"DTSTAMP:{visit.updated_at.strftime(stamp)}",
        f"DTSTART:{visit.starts_at.strftime(stamp)}",
        f"DTEND:{end.strftime(stamp)}",
        f"SUMMARY;LANGUAGE={language}:"
        + _escape(languages.translate(language, "Visit at %(clinic)s", clinic=clinic_name)),
        f"LOCATION:{_escape(visit.place_note or clinic_name)}",
        "STATUS:CANCELLED" if visit.status == "cancelled" else "STATUS:CONFIRMED",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION;LANGUAGE={language}:"
        + _escape(languages.translate(language, "Visit at the clinic")),
        "TRIGGER:-PT2H",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
