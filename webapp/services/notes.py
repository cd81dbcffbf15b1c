"""A therapist's private notes about a patient (never shown to the patient)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from webapp.models import TherapistNote, User
from webapp.services import audit
from webapp.services.db import Db
from webapp.services.errors import ValidationError
from webapp.services.languages import N_

NOTE_MAX = 4000
EMPTY = N_("Please write the note.")
TOO_LONG = N_("Please keep notes under 4000 characters.")


def for_patient(session: Db, patient: User) -> Sequence[TherapistNote]:
    """Return the notes about a patient, newest first."""
    return session.scalars(
        select(TherapistNote)
        .where(TherapistNote.patient_id == patient.id)
        .order_by(TherapistNote.created_at.desc())
    ).all()


def add(session: Db, therapist: User, patient: User, body: str) -> TherapistNote:
    """Keep a note about a linked patient, and record that it was written."""
    clean = body.strip()
    if not clean:
        raise ValidationError(EMPTY, "body")
    if len(clean) > NOTE_MAX:
        raise ValidationError(TOO_LONG, "body")
    note = TherapistNote(patient_id=patient.id, author_id=therapist.id, body=clean)
    session.add(note)
    audit.record(session, therapist, "note.add", patient=patient)
    return note
