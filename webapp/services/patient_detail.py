"""Everything a therapist sees about one patient on the patient's page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from webapp.models import Alert, Appointment, CheckIn, Program, TherapistNote, User, utcnow
from webapp.services import alerts, clinic, notes, programs, progress, visits
from webapp.services.db import Db

# The check-ins listed, and counted on the body map, are those of the last 30 days.
CHECKIN_DAYS = 30


@dataclass(frozen=True)
class PatientDetail:
    """One patient since they started: progress, program, check-ins, notes, alerts, visits."""

    patient: User
    now: datetime
    stats: progress.Progress
    program: Program | None  # the one being worked on: a draft, else the active one
    active: Program | None
    item_stats: list[clinic.ItemStats]
    checkins: list[CheckIn]  # newest first
    heat: dict[str, int]  # body-map region: on how many of those check-ins it hurt
    notes: Sequence[TherapistNote]
    visits: Sequence[Appointment]
    alerts: Sequence[Alert]


def gather(session: Db, patient: User, *, now: datetime | None = None) -> PatientDetail:
    """Return what the patient's page shows."""
    now = now or utcnow()
    stats = progress.progress(session, patient, days=42, now=now)
    active = programs.active_program(session, patient)
    since = stats.today - timedelta(days=CHECKIN_DAYS - 1)
    recent = list(
        session.scalars(
            select(CheckIn)
            .where(CheckIn.patient_id == patient.id, CheckIn.local_date >= since)
            .order_by(CheckIn.local_date.desc())
        )
    )
    heat: dict[str, int] = {}
    for checkin in recent:
        for key in checkin.regions:
            heat[key] = heat.get(key, 0) + 1
    return PatientDetail(
        patient=patient,
        now=now,
        stats=stats,
        program=programs.working_program(session, patient),
        active=active,
        item_stats=clinic.item_adherence(session, patient, active, now=now) if active else [],
        checkins=recent,
        heat=heat,
        notes=notes.for_patient(session, patient),
        visits=visits.for_patient(session, patient),
        alerts=alerts.for_patient(session, patient),
    )
