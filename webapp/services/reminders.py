"""Reminders: settings, rules, occurrences, and the claim-and-send pass.

Rules (a local time on some weekdays) become occurrences with a UTC due time and a unique
key; a short, frequent pass claims due occurrences under a lease, commits the claim, then
sends. Several scheduler processes share the work on PostgreSQL (FOR UPDATE SKIP LOCKED).
Nothing here talks HTTP: sending is a function the caller passes in (see webapp.push).
"""

from __future__ import annotations

import json
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from webapp.models import (
    Alert,
    Appointment,
    CheckIn,
    Completion,
    Program,
    ProgramItem,
    ProgramStatus,
    PushSubscription,
    ReminderOccurrence,
    ReminderRule,
    ReminderSettings,
    Role,
    User,
    utcnow,
)
from webapp.services import clock, plan
from webapp.services.db import Db
from webapp.services.errors import ValidationError

# ASCII digits only: the stored "HH:MM" is read back with int() and shown as typed.
TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
SNOOZE = timedelta(minutes=30)
# How long a push service keeps an undelivered message, per kind (and how late we still send).
TTL = {
    "exercise": 4 * 3600,
    "checkin": 4 * 3600,
    "visit": 12 * 3600,
    "test": 3600,
    "snooze": 2 * 3600,
    "alert": 12 * 3600,
}
URGENCY = {
    "exercise": "normal",
    "checkin": "normal",
    "visit": "high",
    "test": "high",
    "snooze": "normal",
    "alert": "high",
}
# A new or rebuilt rule is due for materializing at once, whatever "now" is.
AS_SOON_AS_POSSIBLE = datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))
DEFAULT_TIMES = {
    1: ["08:00"],
    2: ["08:00", "18:00"],
    3: ["08:00", "13:00", "18:00"],
    4: ["08:00", "11:00", "15:00", "19:00"],
    5: ["08:00", "10:30", "13:00", "16:00", "19:00"],
    6: ["08:00", "10:00", "12:00", "14:00", "16:00", "19:00"],
}


# --- settings and rules -------------------------------------------------------------------


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
            quiet_start="21:30",
            quiet_end="07:30",
        )
        session.add(found)
        session.flush()
    return found


def _active_program(session: Db, patient: User) -> Program | None:
    return session.scalar(
        select(Program)
        .where(Program.patient_id == patient.id, Program.status == ProgramStatus.ACTIVE)
        .options(selectinload(Program.items))
        .order_by(Program.id.desc())
        .limit(1)
    )


def _current(program: Program | None) -> list[ProgramItem]:
    return plan.current_items(program) if program is not None else []


def program_times(program: Program | None) -> list[str]:
    """Return the default reminder times for a program's busiest exercise (08:00, 18:00 ...)."""
    per_day = max((i.times_per_day for i in _current(program)), default=1)
    return DEFAULT_TIMES[min(max(per_day, 1), 6)]


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


def save_settings(
    session: Db, patient: User, data: SettingsInput, *, now: datetime | None = None
) -> ReminderSettings:
    """Check and save reminder settings, then rebuild the patient's reminders."""
    errors: dict[str, list[str]] = {}
    for name in ("checkin_time", "quiet_start", "quiet_end"):
        if not TIME_RE.match(getattr(data, name) or ""):
            errors[name] = ["Please enter a time like 08:00."]
    times = [t.strip() for t in data.exercise_times if t.strip()]
    if any(not TIME_RE.match(t) for t in times):
        errors["exercise_times"] = ["Please enter times like 08:00."]
    elif len(times) > 6:
        errors["exercise_times"] = ["Six exercise reminders a day is the most."]
    if "quiet_start" not in errors and "quiet_end" not in errors:
        for name, values in (("exercise_times", times), ("checkin_time", [data.checkin_time])):
            valid = [t for t in values if TIME_RE.match(t or "")]
            if name not in errors and any(
                in_quiet_hours(parse_time(t), data.quiet_start, data.quiet_end) for t in valid
            ):
                errors[name] = [
                    "This is inside your quiet hours. Choose another time or change quiet hours."
                ]
    if errors:
        raise ValidationError(errors)
    settings = settings_for(session, patient)
    settings.exercise_on = data.exercise_on
    settings.exercise_times = sorted(set(times))
    settings.checkin_on = data.checkin_on
    settings.checkin_time = data.checkin_time
    settings.visit_on = data.visit_on
    settings.quiet_start = data.quiet_start
    settings.quiet_end = data.quiet_end
    settings.updated_at = now or utcnow()
    sync_rules(session, patient, now=now, rebuild=True)
    return settings


def sync_rules(
    session: Db, patient: User, *, now: datetime | None = None, rebuild: bool = False
) -> list[ReminderRule]:
    """Make the patient's rules match their settings and program.

    With ``rebuild``, pending rule-based reminders still to come are made again (after a
    change of quiet hours, say).
    """
    now = now or utcnow()
    settings = settings_for(session, patient)
    program = _active_program(session, patient)
    wanted: set[tuple[str, str, int]] = set()
    items = _current(program)
    if settings.exercise_on and items:
        weekdays = 0
        for item in items:
            weekdays |= item.weekdays
        wanted |= {("exercise", t, weekdays) for t in exercise_times(settings, program)}
    if settings.checkin_on:
        wanted.add(("checkin", settings.checkin_time, 0b1111111))
    existing = list(
        session.scalars(select(ReminderRule).where(ReminderRule.patient_id == patient.id))
    )
    keep: list[ReminderRule] = []
    for rule in existing:
        signature = (rule.kind, rule.local_time, rule.weekdays)
        if signature in wanted:
            wanted.discard(signature)
            keep.append(rule)
        else:
            _drop_pending(session, [ReminderOccurrence.rule_id == rule.id], now)
            session.delete(rule)
    for kind, local_time, weekdays in sorted(wanted):
        rule = ReminderRule(
            patient_id=patient.id,
            kind=kind,
            local_time=local_time,
            weekdays=weekdays,
            materialized_through=None,
            next_materialize_at=AS_SOON_AS_POSSIBLE,
        )
        session.add(rule)
        keep.append(rule)
    if rebuild:
        ids = [r.id for r in keep if r.id is not None]
        if ids:
            _drop_pending(session, [ReminderOccurrence.rule_id.in_(ids)], now)
        for rule in keep:
            rule.materialized_through = None
            rule.next_materialize_at = AS_SOON_AS_POSSIBLE
    session.flush()
    return keep


def _drop_pending(session: Db, where: list[Any], now: datetime) -> None:
    session.execute(
        delete(ReminderOccurrence).where(
            ReminderOccurrence.status == "pending", ReminderOccurrence.due_at > now, *where
        )
    )


def program_changed(session: Db, patient: User, *, now: datetime | None = None) -> None:
    """Follow a change of the patient's program (new times a day, weekdays, dates)."""
    sync_rules(session, patient, now=now, rebuild=True)


def appointment_changed(
    session: Db, appointment: Appointment, *, now: datetime | None = None
) -> None:
    """Forget pending reminders of a visit that moved or was cancelled; make them again."""
    now = now or utcnow()
    _drop_pending(session, [ReminderOccurrence.appointment_id == appointment.id], now)
    session.execute(
        delete(ReminderOccurrence).where(
            ReminderOccurrence.appointment_id == appointment.id,
            ReminderOccurrence.status == "pending",
        )
    )
    session.flush()
    if appointment.status == "booked":
        patient = session.get(User, appointment.patient_id)
        if patient is not None:
            _materialize_visits(session, [appointment], {patient.id: patient}, now)


# --- materializing ------------------------------------------------------------------------


def occurrence_key(prefix: str, ident: int, suffix: str = "") -> str:
    """Return a key that is a valid Web Push Topic: <= 32 URL-safe characters."""
    key = f"{prefix}{ident}{suffix}"
    assert len(key) <= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", key), key
    return key


def local_moment(day: date, local_time: str, timezone: str) -> datetime:
    """Return the UTC instant of a local date and time (08:00 stays 08:00 across DST).

    A time skipped by a spring-forward change is taken an hour later; a time that happens
    twice in autumn is taken the first time.
    """
    zone = ZoneInfo(timezone)
    naive = datetime.combine(day, parse_time(local_time))
    moment = naive.replace(tzinfo=zone)
    # A wall time that does not exist round-trips to a different one: move it forward.
    if moment.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != naive:
        moment = (naive + timedelta(hours=1)).replace(tzinfo=zone, fold=0)
    return moment.astimezone(ZoneInfo("UTC"))


def _insert_ignoring_duplicates(session: Db, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = pg_insert(ReminderOccurrence).values(rows)
    else:
        statement = sqlite_insert(ReminderOccurrence).values(rows)
    # RETURNING lists only the rows really inserted (rowcount is unreliable for batches).
    statement = statement.on_conflict_do_nothing(index_elements=["key"]).returning(
        ReminderOccurrence.id
    )
    return len(session.execute(statement).all())


def _row(
    key: str, patient_id: int, kind: str, day: date, due: datetime, now: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "key": key,
        "user_id": patient_id,
        "kind": kind,
        "local_date": day,
        "due_at": due,
        "next_attempt_at": due,
        "status": "pending",
        "attempts": 0,
        "skip_reason": "",
        "last_error": "",
        "delivered_to": [],
        "created_at": now,
        **extra,
    }


def materialize(session: Db, *, now: datetime | None = None, limit: int = 2000) -> int:
    """Turn rules into occurrences for today and tomorrow, in each patient's zone.

    Idempotent: an occurrence's key (rule, local date) can exist once. Each rule records how
    far it is done and when it next needs a pass, so an idle pass is one indexed query.
    """
    now = now or utcnow()
    created = 0
    rules = list(
        session.scalars(
            select(ReminderRule)
            .where(ReminderRule.next_materialize_at <= now)
            .order_by(ReminderRule.next_materialize_at)
            .limit(limit)
        )
    )
    if rules:
        patients = _patients(session, {r.patient_id for r in rules})
        settings = {
            s.patient_id: s
            for s in session.scalars(
                select(ReminderSettings).where(ReminderSettings.patient_id.in_(patients))
            )
        }
        rows: list[dict[str, Any]] = []
        for rule in rules:
            patient = patients.get(rule.patient_id)
            if patient is None:
                continue
            quiet = settings.get(rule.patient_id)
            today = clock.local_today(patient.timezone, now)
            first = max(
                today, (rule.materialized_through or today - timedelta(days=1)) + timedelta(days=1)
            )
            day = first
            while day <= today + timedelta(days=1):
                if rule.weekdays & (1 << day.weekday()):
                    due = local_moment(day, rule.local_time, patient.timezone)
                    quiet_time = quiet is not None and in_quiet_hours(
                        parse_time(rule.local_time), quiet.quiet_start, quiet.quiet_end
                    )
                    if due > now - timedelta(minutes=5) and not quiet_time:
                        rows.append(
                            _row(
                                occurrence_key("r", rule.id, f"-{day:%Y%m%d}"),
                                patient.id,
                                rule.kind,
                                day,
                                due,
                                now,
                                rule_id=rule.id,
                            )
                        )
                day += timedelta(days=1)
            rule.materialized_through = today + timedelta(days=1)
            # When tomorrow becomes today (local midnight), tomorrow's tomorrow is needed.
            rule.next_materialize_at = local_moment(
                today + timedelta(days=1), "00:00", patient.timezone
            )
        for start in range(0, len(rows), 500):
            created += _insert_ignoring_duplicates(session, rows[start : start + 500])
    created += _materialize_upcoming_visits(session, now)
    session.flush()
    return created


def _patients(session: Db, ids: Iterable[int]) -> dict[int, User]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def _materialize_upcoming_visits(session: Db, now: datetime) -> int:
    appointments = list(
        session.scalars(
            select(Appointment).where(
                Appointment.status == "booked",
                Appointment.starts_at > now,
                Appointment.starts_at <= now + timedelta(days=2),
            )
        )
    )
    if not appointments:
        return 0
    patients = _patients(session, {a.patient_id for a in appointments})
    return _materialize_visits(session, appointments, patients, now)


def _materialize_visits(
    session: Db, appointments: Sequence[Appointment], patients: dict[int, User], now: datetime
) -> int:
    settings = {
        s.patient_id: s
        for s in session.scalars(
            select(ReminderSettings).where(ReminderSettings.patient_id.in_(list(patients)))
        )
    }
    rows = []
    for appointment in appointments:
        patient = patients.get(appointment.patient_id)
        if patient is None:
            continue
        chosen = settings.get(patient.id)
        if chosen is not None and not chosen.visit_on:
            continue
        quiet_start = chosen.quiet_start if chosen else "21:30"
        quiet_end = chosen.quiet_end if chosen else "07:30"
        local_start = clock.local_now(patient.timezone, appointment.starts_at)
        candidates = [
            ("d", local_moment(local_start.date() - timedelta(days=1), "18:00", patient.timezone)),
            ("h", appointment.starts_at - timedelta(hours=2)),
        ]
        for suffix, due in candidates:
            local_due = clock.local_now(patient.timezone, due)
            if in_quiet_hours(local_due.time(), quiet_start, quiet_end):
                # Move it to the end of quiet hours when that is still before the visit.
                moved = local_moment(local_due.date(), quiet_end, patient.timezone)
                if moved <= local_due.astimezone(ZoneInfo("UTC")):
                    moved = local_moment(
                        local_due.date() + timedelta(days=1), quiet_end, patient.timezone
                    )
                if moved >= appointment.starts_at:
                    continue
                due = moved
            if due <= now - timedelta(minutes=5):
                continue
            rows.append(
                _row(
                    occurrence_key("v", appointment.id, suffix),
                    patient.id,
                    "visit",
                    clock.local_today(patient.timezone, due),
                    due,
                    now,
                    appointment_id=appointment.id,
                )
            )
    return _insert_ignoring_duplicates(session, rows)


# --- claiming and sending -----------------------------------------------------------------


def claim(
    session: Db,
    owner: str,
    *,
    now: datetime | None = None,
    limit: int = 500,
    lease: timedelta = LEASE,
) -> list[int]:
    """Claim due occurrences for this process; the caller commits before sending.

    A claim whose lease ran out (its process died) is claimed again.
    """
    now = now or utcnow()
    due = (
        select(ReminderOccurrence.id)
        .where(
            or_(
                and_(
                    ReminderOccurrence.status == "pending",
                    ReminderOccurrence.next_attempt_at <= now,
                ),
                and_(
                    ReminderOccurrence.status == "sending",
                    ReminderOccurrence.lease_until < now,
                ),
            )
        )
        .order_by(ReminderOccurrence.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        update(ReminderOccurrence)
        .where(ReminderOccurrence.id.in_(due.scalar_subquery()))
        .values(
            status="sending",
            lease_owner=owner,
            lease_until=now + lease,
            attempts=ReminderOccurrence.attempts + 1,
        )
        .returning(ReminderOccurrence.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in result]


class Sender(Protocol):
    """Something that sends push messages and reports each outcome (webapp.push)."""

    def send_many(self, messages: Sequence[Any]) -> list[Any]: ...


@dataclass
class Delivery:
    """What to send for one occurrence."""

    occurrence: ReminderOccurrence
    patient: User
    title: str
    body: str
    url: str
    snooze: bool


@dataclass
class TickReport:
    """What one pass did."""

    claimed: int = 0
    sent: int = 0
    inapp: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    pruned: int = 0
    messages: int = 0

    def add(self, other: TickReport) -> None:
        """Add another report's counts to this one."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class PayloadContext:
    """What payloads need from outside: absolute URLs and snooze links."""

    base_url: str
    clinic_name: str
    snooze_link: Callable[[ReminderOccurrence], str]
    extra: dict[str, Any] = field(default_factory=dict)


def _done_context(
    session: Db, occurrences: Sequence[ReminderOccurrence], patients: dict[int, User]
) -> tuple[set[tuple[int, date]], dict[tuple[int, date], tuple[int, int]]]:
    """Return check-ins present, and (planned, done) exercise slots per patient and day."""
    checkin_keys = {(o.user_id, o.local_date) for o in occurrences if o.kind == "checkin"}
    exercise_keys = {(o.user_id, o.local_date) for o in occurrences if o.kind == "exercise"}
    checked: set[tuple[int, date]] = set()
    if checkin_keys:
        rows = session.execute(
            select(CheckIn.patient_id, CheckIn.local_date).where(
                CheckIn.patient_id.in_({p for p, _ in checkin_keys}),
                CheckIn.local_date.in_({d for _, d in checkin_keys}),
            )
        )
        checked = {(p, d) for p, d in rows if (p, d) in checkin_keys}
    counts: dict[tuple[int, date], tuple[int, int]] = {}
    if exercise_keys:
        patient_ids = {p for p, _ in exercise_keys}
        days = {d for _, d in exercise_keys}
        programs_by_patient: dict[int, list[Program]] = defaultdict(list)
        for candidate in session.scalars(
            select(Program)
            .where(Program.patient_id.in_(patient_ids), *plan.covering(min(days), max(days)))
            .options(selectinload(Program.items))
        ):
            programs_by_patient[candidate.patient_id].append(candidate)
        done_slots: dict[tuple[int, date], set[tuple[str, int]]] = defaultdict(set)
        for patient_id, local_date, lineage, slot in session.execute(
            select(
                Completion.patient_id, Completion.local_date, Completion.lineage, Completion.slot
            ).where(
                Completion.patient_id.in_(patient_ids),
                Completion.local_date.in_(days),
                Completion.undone_at.is_(None),
                Completion.lineage.is_not(None),
            )
        ):
            done_slots[(patient_id, local_date)].add((lineage or "", slot))
        for patient_id, day in exercise_keys:
            count = plan.day_count(
                programs_by_patient.get(patient_id, []), day, done_slots[(patient_id, day)]
            )
            counts[(patient_id, day)] = (count.planned, count.done)
    return checked, counts


def _wording(
    occurrence: ReminderOccurrence,
    patient: User,
    counts: dict[tuple[int, date], tuple[int, int]],
    appointments: dict[int, Appointment],
    clinic_name: str,
) -> tuple[str, str, str, bool]:
    if occurrence.kind == "exercise":
        planned, done = counts.get((occurrence.user_id, occurrence.local_date), (0, 0))
        left = planned - done
        body = (
            f"{left} exercise{'s' if left != 1 else ''} left today. A few gentle minutes help."
            if left
            else "Your exercises are waiting."
        )
        return "Time for your exercises", body, "/me/play", True
    if occurrence.kind == "checkin":
        return "How are you today?", "Take a minute for your daily check-in.", "/me/checkin", True
    if occurrence.kind == "visit":
        appointment = appointments.get(occurrence.appointment_id or 0)
        when = clock.local_now(patient.timezone, appointment.starts_at) if appointment else None
        day = "today" if when and when.date() == occurrence.local_date else "tomorrow"
        title = f"Visit {day} at {when:%H:%M}" if when else "Your visit"
        body = (
            appointment.place_note
            if appointment and appointment.place_note
            else f"See you at {clinic_name}."
        )
        return title, body, "/me/", False
    if occurrence.kind == "snooze":
        return "Time for your exercises", "Your snoozed reminder.", "/me/play", False
    return (
        "This is how your reminders will look",
        f"Reminders from {clinic_name} will appear like this.",
        "/me/",
        False,
    )


def build_payload(delivery: Delivery, context: PayloadContext) -> bytes:
    """Return the JSON payload: Safari's Declarative Web Push shape, read by our worker too."""
    base = context.base_url.rstrip("/")
    notification: dict[str, Any] = {
        "title": delivery.title,
        "body": delivery.body,
        "navigate": f"{base}{delivery.url}",
        "tag": delivery.occurrence.key,
        "lang": "en",
        "dir": "ltr",
        "silent": False,
        "icon": f"{base}/static/icons/icon-192.png",
        "badge": f"{base}/static/icons/badge-96.png",
        "data": {"kind": delivery.occurrence.kind, "key": delivery.occurrence.key},
    }
    if delivery.snooze:
        link = context.snooze_link(delivery.occurrence)
        notification["actions"] = [
            {"action": "snooze", "title": "Snooze 30 min", "navigate": f"{base}{link}"}
        ]
        notification["data"]["snooze_url"] = f"{base}{link}"
    return json.dumps({"web_push": 8030, "notification": notification}).encode()


@dataclass
class Batch:
    """Claimed occurrences turned into messages, and the outcomes already known."""

    report: TickReport
    messages: list[Any] = field(default_factory=list)
    finished: dict[int, dict[str, Any]] = field(default_factory=dict)
    # For occurrences being sent: (id, key, attempts, delivered_to)
    sending: list[tuple[int, str, int, list[int]]] = field(default_factory=list)


def deliver(
    session: Db,
    ids: Sequence[int],
    owner: str,
    sender: Sender,
    context: PayloadContext,
    *,
    now: datetime | None = None,
) -> TickReport:
    """Send the claimed occurrences and record each outcome, in one go (a test push)."""
    now = now or utcnow()
    batch = prepare(session, ids, owner, context, now=now)
    outcomes = sender.send_many(batch.messages) if batch.messages else []
    return record(session, batch, outcomes, owner, now=now)


def prepare(
    session: Db,
    ids: Sequence[int],
    owner: str,
    context: PayloadContext,
    *,
    now: datetime | None = None,
) -> Batch:
    """Read what the claimed occurrences need and build their messages (writes nothing)."""
    from webapp.push import PushMessage

    now = now or utcnow()
    report = TickReport(claimed=len(ids))
    batch = Batch(report)
    if not ids:
        return batch
    occurrences = list(
        session.scalars(
            select(ReminderOccurrence).where(
                ReminderOccurrence.id.in_(ids), ReminderOccurrence.lease_owner == owner
            )
        )
    )
    patients = _patients(session, {o.user_id for o in occurrences})
    subscriptions: dict[int, list[PushSubscription]] = defaultdict(list)
    for sub in session.scalars(
        select(PushSubscription).where(PushSubscription.user_id.in_(list(patients)))
    ):
        subscriptions[sub.user_id].append(sub)
    settings = {
        s.patient_id: s
        for s in session.scalars(
            select(ReminderSettings).where(ReminderSettings.patient_id.in_(list(patients)))
        )
    }
    appointment_ids = {o.appointment_id for o in occurrences if o.appointment_id}
    appointments = (
        {
            a.id: a
            for a in session.scalars(select(Appointment).where(Appointment.id.in_(appointment_ids)))
        }
        if appointment_ids
        else {}
    )
    checked, counts = _done_context(session, occurrences, patients)
    alert_ids = {o.alert_id for o in occurrences if o.alert_id}
    alerts_by_id = (
        {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(alert_ids)))}
        if alert_ids
        else {}
    )

    finished: dict[int, dict[str, Any]] = {}
    messages: list[PushMessage] = []
    for occurrence in occurrences:
        patient = patients.get(occurrence.user_id)
        reason = _skip_reason(occurrence, patient, settings, checked, counts, appointments, now)
        if reason is None and occurrence.kind == "alert":
            alert = alerts_by_id.get(occurrence.alert_id or 0)
            if alert is None or alert.status != "open":
                reason = "alert already seen"
        if reason is not None:
            finished[occurrence.id] = {"status": "skipped", "skip_reason": reason}
            report.skipped += 1
            continue
        assert patient is not None
        targets = [
            s
            for s in subscriptions.get(patient.id, [])
            if s.id not in (occurrence.delivered_to or [])
        ]
        if not subscriptions.get(patient.id):
            # No device takes push: the same reminder shows as a banner on Today.
            finished[occurrence.id] = {"status": "inapp", "sent_at": now}
            report.inapp += 1
            continue
        if occurrence.kind == "alert":
            alert = alerts_by_id[occurrence.alert_id or 0]
            subject = _patients(session, [alert.patient_id]).get(alert.patient_id)
            name = subject.display_name if subject else "a patient"
            title, body, url, snooze = (
                f"Alert: {name}",
                alert.detail,
                f"/clinic/patients/{alert.patient_id}",
                False,
            )
        else:
            title, body, url, snooze = _wording(
                occurrence, patient, counts, appointments, context.clinic_name
            )
        payload = build_payload(Delivery(occurrence, patient, title, body, url, snooze), context)
        for sub in targets:
            messages.append(
                PushMessage(
                    subscription_id=sub.id,
                    endpoint=sub.endpoint,
                    p256dh=sub.p256dh,
                    auth=sub.auth,
                    payload=payload,
                    ttl=TTL[occurrence.kind],
                    urgency=URGENCY[occurrence.kind],
                    topic=occurrence.key,
                )
            )
    report.messages = len(messages)
    batch.messages = messages
    batch.finished = finished
    batch.sending = [
        (o.id, o.key, o.attempts, list(o.delivered_to or []))
        for o in occurrences
        if o.id not in finished
    ]
    return batch


def record(
    session: Db,
    batch: Batch,
    outcomes: Sequence[Any],
    owner: str,
    *,
    now: datetime | None = None,
) -> TickReport:
    """Record what the push services said (only for occurrences whose lease we still hold)."""
    now = now or utcnow()
    report = batch.report
    finished = dict(batch.finished)
    by_occurrence: dict[str, list[Any]] = defaultdict(list)
    for message, outcome in zip(batch.messages, outcomes, strict=True):
        by_occurrence[message.topic].append(outcome)
    gone: set[int] = set()
    succeeded: set[int] = set()
    for occurrence_id, key, attempts, already in batch.sending:
        results = by_occurrence.get(key, [])
        delivered = already + [r.subscription_id for r in results if r.ok]
        succeeded |= {r.subscription_id for r in results if r.ok}
        gone |= {r.subscription_id for r in results if r.gone}
        retry = [r for r in results if r.retry]
        errors = "; ".join(sorted({r.error for r in results if r.error}))
        if retry and attempts < MAX_ATTEMPTS:
            wait = max((r.retry_after or 0.0) for r in retry)
            backoff = max(wait, 30.0 * 2 ** (attempts - 1))
            finished[occurrence_id] = {
                "status": "pending",
                "next_attempt_at": now + timedelta(seconds=min(backoff, 3600.0)),
                "delivered_to": delivered,
                "last_error": errors,
                "lease_owner": None,
                "lease_until": None,
            }
            report.retried += 1
        elif delivered:
            finished[occurrence_id] = {
                "status": "sent",
                "sent_at": now,
                "delivered_to": delivered,
                "last_error": errors,
            }
            report.sent += 1
        elif results and all(r.gone for r in results):
            # Every device was gone: the patient now has none; show it in the app instead.
            finished[occurrence_id] = {"status": "inapp", "sent_at": now, "last_error": errors}
            report.inapp += 1
        else:
            finished[occurrence_id] = {"status": "failed", "last_error": errors or "no device"}
            report.failed += 1
    for occurrence_id, values in finished.items():
        session.execute(
            update(ReminderOccurrence)
            .where(ReminderOccurrence.id == occurrence_id, ReminderOccurrence.lease_owner == owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    if gone:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
        report.pruned = len(gone)
    if succeeded:
        session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(succeeded))
            .values(last_success_at=now)
            .execution_options(synchronize_session=False)
        )
    return report


def _skip_reason(
    occurrence: ReminderOccurrence,
    patient: User | None,
    settings: dict[int, ReminderSettings],
    checked: set[tuple[int, date]],
    counts: dict[tuple[int, date], tuple[int, int]],
    appointments: dict[int, Appointment],
    now: datetime,
) -> str | None:
    if patient is None or not patient.is_active:
        return "no patient"
    if occurrence.kind != "test" and now - occurrence.due_at > timedelta(
        seconds=TTL[occurrence.kind]
    ):
        return "too late"
    chosen = settings.get(patient.id)
    if occurrence.kind in ("exercise", "checkin", "snooze", "visit") and chosen is not None:
        local = clock.local_now(patient.timezone, now).time()
        if in_quiet_hours(local, chosen.quiet_start, chosen.quiet_end):
            return "quiet hours"
        if occurrence.kind == "exercise" and not chosen.exercise_on:
            return "turned off"
        if occurrence.kind == "checkin" and not chosen.checkin_on:
            return "turned off"
        if occurrence.kind == "visit" and not chosen.visit_on:
            return "turned off"
    if occurrence.kind in ("exercise", "snooze"):
        planned, done = counts.get((patient.id, occurrence.local_date), (0, 0))
        if occurrence.kind == "exercise" and planned == 0:
            return "nothing planned"
        if planned and done >= planned:
            return "already done"
    if occurrence.kind == "checkin" and (patient.id, occurrence.local_date) in checked:
        return "already checked in"
    if occurrence.kind == "visit":
        appointment = appointments.get(occurrence.appointment_id or 0)
        if appointment is None or appointment.status != "booked" or appointment.starts_at <= now:
            return "visit cancelled or past"
    return None


def run_pass(
    session_factory: Callable[[], Db],
    owner: str,
    sender: Sender,
    context: PayloadContext,
    *,
    batch: int = 500,
    budget_seconds: float = 20.0,
    now_fn: Callable[[], datetime] = utcnow,
    lease: timedelta = LEASE,
) -> TickReport:
    """Claim and send until nothing is due or the time budget is spent.

    Each claim is committed before any network I/O, and each batch's outcome right after.
    """
    report = TickReport()
    started = now_fn()
    while True:
        session = session_factory()
        ids = claim(session, owner, now=now_fn(), limit=batch, lease=lease)
        session.commit()
        if not ids:
            break
        work = prepare(session, ids, owner, context, now=now_fn())
        # End the read before the network: no transaction stays open while pushes go out.
        session.commit()
        outcomes = sender.send_many(work.messages) if work.messages else []
        part = record(session, work, outcomes, owner, now=now_fn())
        session.commit()
        report.add(part)
        if len(ids) < batch or (now_fn() - started).total_seconds() > budget_seconds:
            break
    return report


def cleanup(session: Db, *, now: datetime | None = None, keep_days: int = 30) -> int:
    """Delete finished occurrences older than ``keep_days``."""
    now = now or utcnow()
    result = session.execute(
        delete(ReminderOccurrence).where(
            ReminderOccurrence.due_at < now - timedelta(days=keep_days),
            ReminderOccurrence.status.in_(["sent", "inapp", "skipped", "failed"]),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- tests, snoozes, the in-app banner (devices are in services.devices) -----------------


def one_off(
    session: Db, user: User, *, key: str, kind: str, due: datetime, **extra: Any
) -> ReminderOccurrence:
    """Add a single reminder (a test, a snooze, an alert push) due at a moment."""
    occurrence = ReminderOccurrence(
        key=key,
        user_id=user.id,
        kind=kind,
        local_date=clock.local_today(user.timezone, due),
        due_at=due,
        next_attempt_at=due,
        status="pending",
        delivered_to=[],
        **extra,
    )
    session.add(occurrence)
    session.flush()
    return occurrence


def new_test(session: Db, user: User, *, now: datetime | None = None) -> ReminderOccurrence:
    """Make a test reminder due now."""
    return one_off(
        session, user, key=f"t{secrets.token_urlsafe(12)}", kind="test", due=now or utcnow()
    )


def claim_one(
    session: Db, occurrence: ReminderOccurrence, owner: str, now: datetime | None = None
) -> list[int]:
    """Claim one specific occurrence (a test sent from the settings page)."""
    now = now or utcnow()
    result = session.execute(
        update(ReminderOccurrence)
        .where(ReminderOccurrence.id == occurrence.id, ReminderOccurrence.status == "pending")
        .values(
            status="sending",
            lease_owner=owner,
            lease_until=now + LEASE,
            attempts=ReminderOccurrence.attempts + 1,
        )
        .returning(ReminderOccurrence.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in result]


def snooze(
    session: Db, occurrence_id: int, patient_id: int, *, now: datetime | None = None
) -> ReminderOccurrence | None:
    """Remind again in 30 minutes (once per reminder); None if that lands in quiet hours."""
    now = now or utcnow()
    original = session.get(ReminderOccurrence, occurrence_id)
    patient = session.get(User, patient_id)
    if original is None or patient is None or original.user_id != patient.id:
        raise ValidationError("This reminder is no longer available.")
    due = now + SNOOZE
    chosen = settings_for(session, patient)
    local_due = clock.local_now(patient.timezone, due)
    if in_quiet_hours(local_due.time(), chosen.quiet_start, chosen.quiet_end):
        return None
    key = occurrence_key("s", original.id)
    existing = session.scalar(select(ReminderOccurrence).where(ReminderOccurrence.key == key))
    if existing is not None:
        if existing.status == "pending":
            existing.due_at = existing.next_attempt_at = due
        return existing
    return one_off(
        session,
        patient,
        key=key,
        kind="snooze" if original.kind == "exercise" else original.kind,
        due=due,
        rule_id=original.rule_id,
    )


def inapp_banner(
    session: Db, patient: User, *, now: datetime | None = None
) -> ReminderOccurrence | None:
    """Return today's latest reminder that went to the app (no device took push)."""
    now = now or utcnow()
    return session.scalar(
        select(ReminderOccurrence)
        .where(
            ReminderOccurrence.user_id == patient.id,
            ReminderOccurrence.local_date == clock.local_today(patient.timezone, now),
            ReminderOccurrence.status == "inapp",
            ReminderOccurrence.kind.in_(["exercise", "checkin", "visit", "snooze"]),
            ReminderOccurrence.due_at <= now,
        )
        .order_by(ReminderOccurrence.due_at.desc())
        .limit(1)
    )


def first_admin_email(session: Db) -> str | None:
    """Return the email of the clinic's first admin (a default VAPID contact)."""
    return session.scalar(
        select(User.email)
        .where(User.role == Role.ADMIN, User.email.is_not(None))
        .order_by(User.id)
        .limit(1)
    )
