"""Find one record by its id, for a person allowed to reach it (NotFound for anyone else).

A record of another therapist's patient is reported exactly like a missing one, so ids
cannot be probed; the care link decides (see ``care.linked_patient``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select

from webapp.models import (
    Alert,
    Appointment,
    Exercise,
    Media,
    Program,
    ProgramStatus,
    ProgramTemplate,
    Role,
    User,
)
from webapp.services import care, library, numbers
from webapp.services.db import Db
from webapp.services.errors import NotFound


def signed_in_user(session: Db, session_id: str) -> User | None:
    """Return the active person a session id ("<user id>.<session token>") names, if any."""
    user_id, _, token = session_id.partition(".")
    if not token:
        return None
    try:
        user = session.get(User, numbers.record_id(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user


def linked_alert(session: Db, therapist: User, alert_id: int) -> tuple[Alert, User]:
    """Return an alert about one of the therapist's patients, with that patient."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound()
    return alert, care.linked_patient(session, therapist, alert.patient_id)


def linked_visit(session: Db, therapist: User, visit_id: int) -> tuple[Appointment, User]:
    """Return a visit of one of the therapist's patients, with that patient."""
    visit = session.get(Appointment, visit_id)
    if visit is None:
        raise NotFound()
    return visit, care.linked_patient(session, therapist, visit.patient_id)


def linked_program(session: Db, therapist: User, program_id: int) -> tuple[Program, User]:
    """Return a draft or active program of one of the therapist's patients, with the patient.

    An ended program is history: it is never changed, so it is not found here.
    """
    program = session.get(Program, program_id)
    if program is None:
        raise NotFound()
    patient = care.linked_patient(session, therapist, program.patient_id)
    if program.status is ProgramStatus.ENDED:
        raise NotFound()
    return program, patient


def template(session: Db, template_id: int) -> ProgramTemplate:
    """Return a program template (every therapist may start from any)."""
    found = session.get(ProgramTemplate, template_id)
    if found is None:
        raise NotFound()
    return found


def exercise(session: Db, exercise_id: int) -> Exercise:
    """Return an exercise, whoever may see it (the caller's service decides that)."""
    found = session.get(Exercise, exercise_id)
    if found is None:
        raise NotFound()
    return found


def addable_exercise(session: Db, exercise_id: int) -> Exercise:
    """Return an exercise a therapist may add to a program: one still in the library."""
    found = exercise(session, exercise_id)
    if found.archived:
        raise NotFound()
    return found


def media_file(session: Db, viewer: User, media_id: int) -> Media:
    """Return a picture or video whose exercise the viewer may see."""
    item = session.get(Media, media_id)
    if item is None:
        raise NotFound()
    owner = session.scalar(
        select(Exercise).where(or_(Exercise.image_id == item.id, Exercise.video_id == item.id))
    )
    if owner is None:
        raise NotFound()
    if viewer.is_patient and not library.may_patient_see(session, viewer, owner):
        raise NotFound()
    return item


def therapists(session: Db) -> Sequence[User]:
    """Return every therapist, by name (for the admin)."""
    return session.scalars(
        select(User).where(User.role == Role.THERAPIST).order_by(User.display_name)
    ).all()


def therapist(session: Db, user_id: int) -> User:
    """Return a therapist's account (for the admin)."""
    found = session.get(User, user_id)
    if found is None or found.role is not Role.THERAPIST:
        raise NotFound()
    return found


def active_therapist(session: Db, user_id: int | None) -> User | None:
    """Return the therapist with this id when they may take patients, else None."""
    found = session.get(User, user_id) if user_id else None
    if found is None or not found.is_therapist or not found.is_active:
        return None
    return found


def patient(session: Db, user_id: int) -> User:
    """Return a patient's account (for the admin)."""
    found = session.get(User, user_id)
    if found is None or not found.is_patient:
        raise NotFound()
    return found
