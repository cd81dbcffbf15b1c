"""Who may see which patient: care links between therapists and patients."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import aliased

from webapp.models import CareLink, Role, User
from webapp.services import audit
from webapp.services.db import Db
from webapp.services.errors import NotFound


def is_linked(session: Db, therapist_id: int, patient_id: int) -> bool:
    """Return True when the therapist cares for the patient."""
    stmt = select(
        exists().where(CareLink.therapist_id == therapist_id, CareLink.patient_id == patient_id)
    )
    return bool(session.scalar(stmt))


def can_view_patient(session: Db, viewer: User, patient: User) -> bool:
    """Return True when the viewer may see this patient's data."""
    if not patient.is_patient:
        return False
    if viewer.id == patient.id:
        return True
    if viewer.is_therapist and viewer.is_active:
        return is_linked(session, viewer.id, patient.id)
    return False


def linked_patient(session: Db, therapist: User, patient_id: int) -> User:
    """Return a patient the therapist is linked to, or raise NotFound.

    Another therapist's patient is reported exactly like a missing one, so ids cannot be
    probed.
    """
    if not therapist.is_therapist or not therapist.is_active:
        raise NotFound()
    patient = session.scalar(
        select(User)
        .join(CareLink, CareLink.patient_id == User.id)
        .where(
            User.id == patient_id,
            User.role == Role.PATIENT,
            CareLink.therapist_id == therapist.id,
        )
    )
    if patient is None:
        raise NotFound()
    return patient


def patients_of(session: Db, therapist: User) -> Sequence[User]:
    """Return the therapist's patients, by name."""
    return session.scalars(
        select(User)
        .join(CareLink, CareLink.patient_id == User.id)
        .where(CareLink.therapist_id == therapist.id, User.role == Role.PATIENT)
        .order_by(User.display_name, User.id)
    ).all()


def therapists_of(session: Db, patient: User) -> Sequence[User]:
    """Return the therapists caring for a patient."""
    return session.scalars(
        select(User)
        .join(CareLink, CareLink.therapist_id == User.id)
        .where(CareLink.patient_id == patient.id)
        .order_by(User.display_name)
    ).all()


def link(session: Db, therapist: User, patient: User) -> CareLink:
    """Link a therapist to a patient (idempotent)."""
    if not therapist.is_therapist or not patient.is_patient:
        raise ValueError("a care link joins a therapist to a patient")
    existing = session.scalar(
        select(CareLink).where(
            CareLink.therapist_id == therapist.id, CareLink.patient_id == patient.id
        )
    )
    if existing is not None:
        return existing
    care_link = CareLink(therapist_id=therapist.id, patient_id=patient.id)
    session.add(care_link)
    session.flush()
    return care_link


def move(session: Db, admin: User, patient: User, therapist: User) -> None:
    """Hand a patient over to another therapist (the old care links end)."""
    if not therapist.is_therapist or not therapist.is_active or not patient.is_patient:
        raise ValueError("a patient moves to an active therapist")
    session.execute(
        delete(CareLink).where(
            CareLink.patient_id == patient.id, CareLink.therapist_id != therapist.id
        )
    )
    link(session, therapist, patient)
    audit.record(
        session, admin, "patient.move", patient=patient, detail=f"to therapist {therapist.id}"
    )


def all_patients(session: Db) -> Sequence[tuple[User, list[User]]]:
    """Return every patient with their therapists, for the admin."""
    patients = session.scalars(
        select(User).where(User.role == Role.PATIENT).order_by(User.display_name, User.id)
    ).all()
    therapist = aliased(User)
    links: dict[int, list[User]] = {p.id: [] for p in patients}
    for patient_id, person in session.execute(
        select(CareLink.patient_id, therapist).join(
            therapist, therapist.id == CareLink.therapist_id
        )
    ):
        links.setdefault(patient_id, []).append(person)
    return [(p, links.get(p.id, [])) for p in patients]
