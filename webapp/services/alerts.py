"""Alerts for the therapist: raised once, kept quiet after acknowledgement until cleared."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webapp.models import Alert, CheckIn, User, utcnow
from webapp.services.db import Db

KINDS = {
    "pain_high": "High pain",
    "pain_rise": "Pain rising fast",
    "red_flag": "Warning signs",
    "inactivity": "No activity",
    "pain_above_baseline": "Pain above baseline",
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
