"""The daily check-in: one per local day, editable until the day ends, with red flags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from webapp.content import vocab
from webapp.content.warning_signs import Route, content
from webapp.models import Alert, CheckIn, PushSubscription, ReminderOccurrence, User, utcnow
from webapp.numbers import whole_number
from webapp.services import alert_words, alerts, audit, clock
from webapp.services.db import Db
from webapp.services.errors import ValidationError, text
from webapp.services.languages import N_, Shown
from webapp.services.today import check_client_id

# Shown on pages in the page's language (languages.Shown: ``{{ label }}`` translates it).
SLEEP = {"poor": Shown(N_("Poor")), "fair": Shown(N_("Fair")), "good": Shown(N_("Good"))}
PAIN_LABELS = {0: Shown(N_("No pain")), 5: Shown(N_("Moderate")), 10: Shown(N_("Worst imaginable"))}
RISE = 3
NOTE_MAX = 1000


@dataclass
class RedFlags:
    """What in a check-in needs the clinic's attention, and the advice to show."""

    high_pain: bool = False
    rise: float | None = None  # how far above the 7-day average
    signs: list[str] = field(default_factory=list)
    # True only when a therapist is sent a push at once: the advice may then say so.
    therapist_told: bool = False

    @property
    def any(self) -> bool:
        """Return True when anything was flagged."""
        return self.high_pain or self.rise is not None or bool(self.signs)

    @property
    def routes(self) -> list[Route]:
        """Return where the ticked signs send the patient, most urgent first."""
        return content().routes_for(self.signs)

    @property
    def urgent(self) -> bool:
        """Return True when the advice is to get help today (or now), not just a call."""
        return any(route.urgent for route in self.routes)


@dataclass
class CheckInInput:
    """What the patient submitted (strings, unvalidated)."""

    pain: str | None = None
    stiffness: str | None = None
    sleep: str | None = None
    stress: str | None = None
    regions: Sequence[str] = ()
    warning_signs: Sequence[str] = ()
    note: str = ""

    @classmethod
    def from_form(cls, form: Any) -> CheckInInput:
        """Read a submitted form (a MultiDict)."""
        return cls(
            pain=form.get("pain"),
            stiffness=form.get("stiffness"),
            sleep=form.get("sleep"),
            stress=form.get("stress"),
            regions=form.getlist("regions"),
            warning_signs=form.getlist("warning_signs"),
            note=form.get("note", ""),
        )


def _scale(value: str | None, name: str, problem: str, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationError(problem, name)
        return None
    number = whole_number(value)
    if number is None or not 0 <= number <= 10:
        raise ValidationError(problem, name)
    return number


def validate(data: CheckInInput) -> dict[str, Any]:
    """Check a submitted check-in; raise ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, problem, required in (
        ("pain", N_("Please choose your pain from 0 to 10."), True),
        ("stiffness", N_("Please choose your stiffness from 0 to 10."), False),
        ("stress", N_("Please choose your stress from 0 to 10."), False),
    ):
        try:
            values[name] = _scale(getattr(data, name), name, problem, required)
        except ValidationError as exc:
            errors.update(exc.errors)
    sleep = data.sleep or None
    if sleep is not None and sleep not in SLEEP:
        errors["sleep"] = [N_("Please choose poor, fair or good.")]
    values["sleep"] = sleep
    allowed = set(vocab.body_map_keys())
    values["regions"] = sorted({r for r in data.regions if r in allowed})
    ticked = set(data.warning_signs)
    values["warning_signs"] = [s for s in content().signs if s in ticked]
    note = data.note.strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [text(N_("Please keep the note under %(num)s characters."), num=NOTE_MAX)]
    values["note"] = note
    if errors:
        raise ValidationError(errors)
    return values


def for_day(session: Db, patient: User, day: date) -> CheckIn | None:
    """Return the patient's check-in of a local date."""
    return session.scalar(
        select(CheckIn).where(CheckIn.patient_id == patient.id, CheckIn.local_date == day)
    )


def seven_day_average(session: Db, patient: User, day: date) -> float | None:
    """Return the average pain of the seven days before ``day`` (at least two check-ins)."""
    pains = session.scalars(
        select(CheckIn.pain).where(
            CheckIn.patient_id == patient.id,
            CheckIn.local_date >= day - timedelta(days=7),
            CheckIn.local_date < day,
        )
    ).all()
    if len(pains) < 2:
        return None
    return sum(pains) / len(pains)


def red_flags(session: Db, patient: User, checkin: CheckIn) -> RedFlags:
    """Work out the red flags of a check-in and whether a therapist was told at once."""
    threshold = alerts.high_pain_from(session, patient)
    flags = RedFlags(high_pain=checkin.pain >= threshold, signs=list(checkin.warning_signs))
    average = seven_day_average(session, patient, checkin.local_date)
    if average is not None and checkin.pain - average >= RISE:
        flags.rise = round(checkin.pain - average, 1)
    flags.therapist_told = flags.any and therapist_pushed(session, checkin)
    return flags


def therapist_pushed(session: Db, checkin: CheckIn) -> bool:
    """Return True when an alert this check-in raised went to a therapist's phone at once."""
    # Only then may the advice say "we've told your therapist": an alert that merely waits
    # on the My patients page is seen when the therapist next looks, maybe days later.
    found = session.scalar(
        select(ReminderOccurrence.id)
        .join(Alert, Alert.id == ReminderOccurrence.alert_id)
        .join(PushSubscription, PushSubscription.user_id == ReminderOccurrence.user_id)
        .where(
            Alert.checkin_id == checkin.id,
            ReminderOccurrence.status.in_(("pending", "sending", "sent")),
        )
        .limit(1)
    )
    return found is not None


@dataclass
class SavedCheckIn:
    """A saved check-in and what it raised."""

    checkin: CheckIn
    flags: RedFlags
    created: bool


def save(
    session: Db,
    patient: User,
    data: CheckInInput,
    *,
    client_id: str | None = None,
    done_on: date | None = None,
    now: datetime | None = None,
) -> SavedCheckIn:
    """Save today's check-in (or change it, until the day ends) and raise red-flag alerts."""
    now = now or utcnow()
    today = clock.local_today(patient.timezone, now)
    day = done_on or today
    if client_id:
        client_id = check_client_id(client_id)
        same = session.scalar(select(CheckIn).where(CheckIn.client_id == client_id))
        if same is not None:
            if same.patient_id != patient.id:
                raise ValidationError(
                    N_("This request id is already used. Please reload the page.")
                )
            # A retried send of the very same check-in: nothing new to do.
            return SavedCheckIn(same, red_flags(session, patient, same), created=False)
    if day != today and not (day == today - timedelta(days=1) and client_id):
        # Only a check-in queued offline yesterday (it carries its id) may still land.
        raise ValidationError(
            N_("A check-in can only be saved on its own day."), code="out_of_range"
        )
    values = validate(data)
    checkin = for_day(session, patient, day)
    if checkin is not None and day != today:
        # A day that is over keeps the check-in it has: a late copy queued on a phone
        # never overwrites what was saved that day (from another device, or before).
        raise ValidationError(
            N_("You had already checked in that day, so this check-in was not saved."),
            code="checkin_exists",
        )
    created = checkin is None
    if checkin is None:
        checkin = CheckIn(
            patient_id=patient.id, local_date=day, client_id=client_id, created_at=now
        )
        session.add(checkin)
    for name, value in values.items():
        setattr(checkin, name, value)
    checkin.updated_at = now
    session.flush()
    flags = red_flags(session, patient, checkin)
    _raise_alerts(session, patient, checkin, flags)
    audit.record(
        session,
        patient,
        "checkin.create" if created else "checkin.update",
        patient=patient,
        detail=day.isoformat(),
    )
    return SavedCheckIn(checkin, flags, created)


def _raise_alerts(session: Db, patient: User, checkin: CheckIn, flags: RedFlags) -> None:
    for kind, present in (
        ("pain_high", flags.high_pain),
        ("pain_rise", flags.rise is not None),
        ("red_flag", bool(flags.signs)),
    ):
        if not present:
            alerts.condition_cleared(session, patient, kind)
    if flags.high_pain:
        alerts.raise_alert(
            session,
            patient,
            "pain_high",
            alert_words.detail(alert_words.PAIN_HIGH, pain=checkin.pain, day=checkin.local_date),
            checkin=checkin,
        )
    if flags.rise is not None:
        alerts.raise_alert(
            session,
            patient,
            "pain_rise",
            alert_words.detail(
                alert_words.PAIN_RISE, pain=checkin.pain, day=checkin.local_date, rise=flags.rise
            ),
            checkin=checkin,
        )
    if flags.signs and _new_signs_since_acknowledged(session, patient, flags.signs):
        # The therapist saw other signs: these are news, so they raise a new alert.
        alerts.condition_cleared(session, patient, "red_flag")
    if flags.signs:
        signs = alert_words.SIGN_SEPARATOR.join(content().label(s) for s in flags.signs)
        alerts.raise_alert(
            session,
            patient,
            "red_flag",
            alert_words.detail(alert_words.WARNING_SIGNS, day=checkin.local_date, signs=signs),
            checkin=checkin,
        )


def _new_signs_since_acknowledged(session: Db, patient: User, signs: Sequence[str]) -> bool:
    seen = session.scalars(
        select(CheckIn.warning_signs)
        .join(Alert, Alert.checkin_id == CheckIn.id)
        .where(
            Alert.patient_id == patient.id,
            Alert.kind == "red_flag",
            Alert.status == "acknowledged",
            Alert.cleared_at.is_(None),
        )
    ).all()
    if not seen:
        return False
    known = {sign for ticked in seen for sign in ticked}
    return not set(signs) <= known


def editable(checkin: CheckIn | None, patient: User, now: datetime | None = None) -> bool:
    """Return True while a check-in can still be changed (its own local day)."""
    return checkin is None or checkin.local_date == clock.local_today(patient.timezone, now)


def form_values(checkin: CheckIn | None, override: Any = None) -> dict[str, Any]:
    """Return what the check-in form shows: what was typed, or what was saved."""
    if override is not None:
        return {
            "pain": override.get("pain", ""),
            "stiffness": override.get("stiffness", ""),
            "sleep": override.get("sleep", ""),
            "stress": override.get("stress", ""),
            "regions": list(override.getlist("regions")),
            "warning_signs": list(override.getlist("warning_signs")),
            "note": override.get("note", ""),
        }
    if checkin is None:
        return {
            "pain": "",
            "stiffness": "",
            "sleep": "",
            "stress": "",
            "regions": [],
            "warning_signs": [],
            "note": "",
        }
    return {
        "pain": str(checkin.pain),
        "stiffness": "" if checkin.stiffness is None else str(checkin.stiffness),
        "sleep": checkin.sleep or "",
        "stress": "" if checkin.stress is None else str(checkin.stress),
        "regions": list(checkin.regions),
        "warning_signs": list(checkin.warning_signs),
        "note": checkin.note,
    }
