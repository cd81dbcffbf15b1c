"""Alerts for the therapist: raised once, kept quiet after acknowledgement until cleared."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.models import (
    Alert,
    CareLink,
    CheckIn,
    Completion,
    Program,
    ProgramStatus,
    ReminderOccurrence,
    Role,
    TherapistSettings,
    User,
    utcnow,
)
from webapp.services import alert_words, audit, clock
from webapp.services.alert_settings import Thresholds as Thresholds
from webapp.services.alert_settings import high_pain_from as high_pain_from
from webapp.services.alert_settings import inactivity_days_of as inactivity_days_of
from webapp.services.alert_settings import patient_pain_threshold as patient_pain_threshold
from webapp.services.alert_settings import save_settings as save_settings
from webapp.services.alert_settings import set_patient_pain_threshold as set_patient_pain_threshold
from webapp.services.alert_settings import settings_of as settings_of
from webapp.services.alert_settings import thresholds_for as thresholds_for
from webapp.services.db import Db
from webapp.services.errors import ValidationError
from webapp.services.languages import N_, Shown

# Shown on pages in the page's language (languages.Shown: ``{{ label }}`` translates it).
KINDS = {
    "pain_high": Shown(N_("High pain")),
    "pain_rise": Shown(N_("Pain rising fast")),
    "red_flag": Shown(N_("Warning signs")),
    "inactivity": Shown(N_("No activity")),
    "pain_above_baseline": Shown(N_("Pain above baseline")),
    "flare_plan": Shown(N_("Flare-up plan started")),
}
SEVERITY = {
    "red_flag": 0,
    "pain_high": 1,
    "pain_rise": 2,
    "pain_above_baseline": 3,
    "inactivity": 4,
    "flare_plan": 5,
}


def open_alert(session: Db, patient: User, kind: str) -> Alert | None:
    """Return the open alert of this kind, if any."""
    return session.scalar(
        select(Alert).where(
            Alert.patient_id == patient.id, Alert.kind == kind, Alert.status == "open"
        )
    )


def _latched(session: Db, patient: User, kind: str) -> bool:
    """Return True when an acknowledged alert of this kind has not cleared yet."""
    found = session.scalar(
        select(Alert.id)
        .where(
            Alert.patient_id == patient.id,
            Alert.kind == kind,
            Alert.status == "acknowledged",
            Alert.cleared_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


def raise_alert(
    session: Db,
    patient: User,
    kind: str,
    detail: str,
    *,
    checkin: CheckIn | None = None,
    now: datetime | None = None,
) -> Alert | None:
    """Raise an alert unless one is open, or an acknowledged one has not cleared."""
    existing = open_alert(session, patient, kind)
    if existing is not None:
        existing.detail = detail
        return None
    if _latched(session, patient, kind):
        return None
    alert = Alert(
        patient_id=patient.id,
        kind=kind,
        detail=detail,
        status="open",
        checkin_id=checkin.id if checkin else None,
        raised_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        return None  # raised a moment ago by another process
    _notify_therapists(session, patient, alert, now or utcnow())
    return alert


def condition_cleared(session: Db, patient: User, kind: str, now: datetime | None = None) -> None:
    """Note that the condition behind acknowledged alerts of this kind has gone away."""
    session.execute(
        update(Alert)
        .where(
            Alert.patient_id == patient.id,
            Alert.kind == kind,
            Alert.status == "acknowledged",
            Alert.cleared_at.is_(None),
        )
        .values(cleared_at=now or utcnow())
    )


def for_patient(session: Db, patient: User, *, open_only: bool = False) -> Sequence[Alert]:
    """Return a patient's alerts, newest first."""
    stmt = select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.raised_at.desc())
    if open_only:
        stmt = stmt.where(Alert.status == "open")
    return session.scalars(stmt).all()


# --- the rules --------------------------------------------------------------------------------

BASELINE_RISE = 2
BASELINE_RUN_DAYS = 3


def days_without_activity(
    today: date, last_active: date | None, program_start: date | None, *, signed_up: bool
) -> int:
    """Return the days without an exercise or check-in that the inactivity rule counts."""
    # Counted from the day before an active program started at the earliest: silence
    # before there was anything to do, or before the patient signed up, is not silence.
    if program_start is None or program_start > today or not signed_up:
        return 0
    since = max(d for d in (last_active, program_start - timedelta(days=1)) if d is not None)
    return max(0, (today - since).days)


def too_quiet(quiet_days: int, inactivity_days: int) -> bool:
    """Return True when the quiet days reach the inactivity setting."""
    return quiet_days >= inactivity_days


def _last_active_day(session: Db, patient: User) -> date | None:
    last_done = session.scalar(
        select(func.max(Completion.local_date)).where(
            Completion.patient_id == patient.id, Completion.undone_at.is_(None)
        )
    )
    last_checkin = session.scalar(
        select(func.max(CheckIn.local_date)).where(CheckIn.patient_id == patient.id)
    )
    days = [d for d in (last_done, last_checkin) if d is not None]
    return max(days) if days else None


def baseline(session: Db, patient: User) -> float | None:
    """Return the average pain of the patient's first week of check-ins (three at least)."""
    first = session.scalar(
        select(func.min(CheckIn.local_date)).where(CheckIn.patient_id == patient.id)
    )
    if first is None:
        return None
    pains = session.scalars(
        select(CheckIn.pain).where(
            CheckIn.patient_id == patient.id,
            CheckIn.local_date < first + timedelta(days=7),
        )
    ).all()
    if len(pains) < 3:
        return None
    return sum(pains) / len(pains)


def evaluate(session: Db, patient: User, *, now: datetime | None = None) -> list[Alert]:
    """Apply every rule to one patient: raise what holds, clear what no longer does."""
    if patient.is_discharged:
        return []  # their care has ended: nothing of theirs needs the therapist's attention
    now = now or utcnow()
    today = clock.local_today(patient.timezone, now)
    limits = thresholds_for(session, patient)
    high_pain = high_pain_from(session, patient)
    raised: list[Alert] = []

    def rule(kind: str, holds: bool, detail: str) -> None:
        if holds:
            alert = raise_alert(session, patient, kind, detail, now=now)
            if alert is not None:
                raised.append(alert)
        else:
            condition_cleared(session, patient, kind, now=now)

    # No activity for N days, counted from the start of an active program at the earliest.
    program_start = session.scalar(
        select(func.min(Program.start_date)).where(
            Program.patient_id == patient.id, Program.status == ProgramStatus.ACTIVE
        )
    )
    quiet_days = days_without_activity(
        today, _last_active_day(session, patient), program_start, signed_up=patient.has_password
    )
    rule(
        "inactivity",
        too_quiet(quiet_days, limits.inactivity_days),
        alert_words.detail(alert_words.INACTIVE, days=quiet_days),
    )

    recent = session.execute(
        select(CheckIn.local_date, CheckIn.pain)
        .where(CheckIn.patient_id == patient.id, CheckIn.local_date >= today - timedelta(days=7))
        .order_by(CheckIn.local_date.desc())
    ).all()
    latest = recent[0] if recent else None
    fresh = latest is not None and latest[0] >= today - timedelta(days=1)
    rule(
        "pain_high",
        bool(fresh and latest and latest[1] >= high_pain),
        alert_words.detail(
            alert_words.PAIN_OVER_THRESHOLD, pain=latest[1], day=latest[0], threshold=high_pain
        )
        if latest
        else "",
    )

    base = baseline(session, patient)
    by_day = {d: p for d, p in recent}
    running = False
    if base is not None and latest is not None:
        end = latest[0]
        days = [end - timedelta(days=n) for n in range(BASELINE_RUN_DAYS)]
        running = fresh and all(d in by_day and by_day[d] >= base + BASELINE_RISE for d in days)
    rule(
        "pain_above_baseline",
        running,
        alert_words.detail(
            alert_words.PAIN_ABOVE_BASELINE,
            rise=BASELINE_RISE,
            average=f"{base:.1f}",
            days=BASELINE_RUN_DAYS,
        )
        if base is not None
        else "",
    )
    return raised


def patients_in_care(session: Db) -> Sequence[User]:
    """Return every patient in care (active, not discharged) who has a therapist."""
    return session.scalars(
        select(User)
        .where(User.role == Role.PATIENT, User.is_active.is_(True), User.discharged_at.is_(None))
        .where(select(CareLink.id).where(CareLink.patient_id == User.id).exists())
    ).all()


def evaluate_recent(session: Db, *, since: datetime, now: datetime | None = None) -> int:
    """Apply the rules to patients who checked in since a moment (run right after check-ins)."""
    ids = session.scalars(
        select(CheckIn.patient_id).where(CheckIn.updated_at >= since).distinct()
    ).all()
    raised = 0
    for patient in session.scalars(select(User).where(User.id.in_(ids))):
        raised += len(evaluate(session, patient, now=now))
    return raised


def acknowledge(
    session: Db, therapist: User, alert: Alert, *, note: str, now: datetime | None = None
) -> None:
    """Mark an alert seen, with the therapist's note; it stays quiet until it clears."""
    clean = note.strip()
    if len(clean) > 1000:
        raise ValidationError(N_("Please keep the note under 1000 characters."), "note")
    if alert.status != "open":
        return
    alert.status = "acknowledged"
    alert.acknowledged_at = now or utcnow()
    alert.acknowledged_by_id = therapist.id
    alert.ack_note = clean
    audit.record(
        session,
        therapist,
        "alert.acknowledge",
        patient=session.get(User, alert.patient_id),
        detail=f"{alert.kind}: {clean[:200]}",
    )


def open_counts(session: Db, patient_ids: Sequence[int]) -> dict[int, int]:
    """Return how many open alerts each patient has."""
    if not patient_ids:
        return {}
    rows = session.execute(
        select(Alert.patient_id, func.count())
        .where(Alert.patient_id.in_(list(patient_ids)), Alert.status == "open")
        .group_by(Alert.patient_id)
    )
    return {patient_id: count for patient_id, count in rows}


def _notify_therapists(session: Db, patient: User, alert: Alert, now: datetime) -> None:
    """Queue a push to each of the patient's therapists who asked for alert pushes."""
    therapists = session.scalars(
        select(TherapistSettings.therapist_id)
        .join(CareLink, CareLink.therapist_id == TherapistSettings.therapist_id)
        .where(CareLink.patient_id == patient.id, TherapistSettings.push_alerts.is_(True))
    ).all()
    for therapist_id in therapists:
        session.add(
            ReminderOccurrence(
                key=f"a{alert.id}-{therapist_id}",
                user_id=therapist_id,
                alert_id=alert.id,
                kind="alert",
                local_date=now.date(),
                due_at=now,
                next_attempt_at=now,
                status="pending",
                delivered_to=[],
            )
        )
