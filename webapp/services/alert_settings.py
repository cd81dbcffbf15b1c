"""When the clinic wants to hear about a patient: therapists' settings and per-patient limits.

High pain is decided here, once: a limit the therapist set for this patient (any value from
1 to 10, honoured as set: a patient whose usual pain is 7-8 may need 9), else the strictest
of their therapists' settings (8 by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from webapp.models import CareLink, PatientAlertSettings, TherapistSettings, User, utcnow
from webapp.numbers import whole_number
from webapp.services.db import Db
from webapp.services.errors import ValidationError, range_problem
from webapp.services.languages import N_


@dataclass(frozen=True)
class Thresholds:
    """The alert settings that apply to a patient (the strictest of their therapists)."""

    inactivity_days: int = 3
    pain_threshold: int = 8


def thresholds_for(session: Db, patient: User) -> Thresholds:
    """Return the strictest settings among the patient's therapists (defaults otherwise)."""
    rows = session.execute(
        select(TherapistSettings.inactivity_days, TherapistSettings.pain_threshold)
        .join(CareLink, CareLink.therapist_id == TherapistSettings.therapist_id)
        .where(CareLink.patient_id == patient.id)
    ).all()
    if not rows:
        return Thresholds()
    return Thresholds(
        inactivity_days=min(r[0] for r in rows), pain_threshold=min(r[1] for r in rows)
    )


def inactivity_days_of(session: Db, therapist: User) -> int:
    """Return after how many quiet days this therapist wants to hear (without saving anything)."""
    days = session.scalar(
        select(TherapistSettings.inactivity_days).where(
            TherapistSettings.therapist_id == therapist.id
        )
    )
    return days if days is not None else Thresholds().inactivity_days


def settings_of(session: Db, therapist: User) -> TherapistSettings:
    """Return a therapist's alert settings (the defaults until they change them)."""
    found = session.get(TherapistSettings, therapist.id)
    if found is None:
        found = TherapistSettings(
            therapist_id=therapist.id, inactivity_days=3, pain_threshold=8, push_alerts=False
        )
        session.add(found)
        session.flush()
    return found


def save_settings(
    session: Db, therapist: User, *, inactivity_days: str, pain_threshold: str, push_alerts: bool
) -> TherapistSettings:
    """Check and save a therapist's alert settings."""
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for name, raw, low, high, label in (
        ("inactivity_days", inactivity_days, 1, 30, N_("Days without activity")),
        ("pain_threshold", pain_threshold, 1, 10, N_("Pain threshold")),
    ):
        number = whole_number(raw)
        problem = range_problem(number, label, low, high)
        if problem is not None:
            errors[name] = [problem]
        elif number is not None:
            values[name] = number
    if errors:
        raise ValidationError(errors)
    settings = settings_of(session, therapist)
    settings.inactivity_days = values["inactivity_days"]
    settings.pain_threshold = values["pain_threshold"]
    settings.push_alerts = push_alerts
    settings.updated_at = utcnow()
    return settings


def patient_pain_threshold(session: Db, patient: User) -> int | None:
    """Return the high-pain limit set for this patient, if a therapist set one."""
    return session.scalar(
        select(PatientAlertSettings.pain_threshold).where(
            PatientAlertSettings.patient_id == patient.id
        )
    )


def high_pain_from(session: Db, patient: User) -> int:
    """Return the pain score from which this patient's check-in counts as high pain."""
    own = patient_pain_threshold(session, patient)
    return own if own is not None else thresholds_for(session, patient).pain_threshold


def set_patient_pain_threshold(session: Db, therapist: User, patient: User, raw: str) -> int | None:
    """Set (or, left empty, clear) the patient's own high-pain limit; return it."""
    found = session.get(PatientAlertSettings, patient.id)
    if not raw.strip():
        if found is not None:
            session.delete(found)
            session.flush()
        return None
    number = whole_number(raw)
    if number is None or not 1 <= number <= 10:
        raise ValidationError(
            N_("Please enter a whole number from 1 to 10, or leave it empty."), "pain_threshold"
        )
    if found is None:
        found = PatientAlertSettings(patient_id=patient.id)
        session.add(found)
    found.pain_threshold = number
    found.set_by_id = therapist.id
    found.updated_at = utcnow()
    session.flush()
    return number
