"""The end of a patient's care: discharge, reading access for a while, closing, reactivating.

Discharged, the program ends and reminders stop, but the patient may still sign in to read
their history and download it until ``access_until`` (the clinic's DISCHARGE_ACCESS_DAYS).
Then a daily job closes the account. Reactivating undoes either. Erasing is
``services.erasure``; a patient asks for it here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from webapp.models import (
    ProgramStatus,
    PushSubscription,
    ReminderOccurrence,
    Role,
    User,
    new_session_token,
    utcnow,
)
from webapp.services import audit, care, clock, invites, outcomes, programs, reminders
from webapp.services.db import Db
from webapp.services.errors import NotFound, ValidationError, text
from webapp.services.languages import N_

# What a discharged patient is told when they try to record something new.
READ_ONLY = N_(
    "Your program with the clinic has ended, so nothing new can be recorded here. "
    "You can still look at your history and download it."
)


class AccountClosed(Exception):
    """The right password for an account that is closed: say so, and whom to contact."""

    def __init__(self, closed_at: datetime, therapists: tuple[str, ...]) -> None:
        super().__init__("account closed")
        self.closed_at = closed_at
        self.therapists = therapists


def may_manage(session: Db, actor: User, patient: User) -> bool:
    """Return True when the actor may discharge or reactivate the patient.

    An admin may; so may a therapist who cares for the patient. Nobody else.
    """
    if not patient.is_patient or not actor.is_active:
        return False
    if actor.is_admin:
        return True
    return actor.is_therapist and care.is_linked(session, actor.id, patient.id)


def _check(session: Db, actor: User, patient: User) -> None:
    if not may_manage(session, actor, patient):
        raise NotFound()


def discharge(
    session: Db, actor: User, patient: User, *, access_days: int, now: datetime | None = None
) -> None:
    """End the patient's care: the program ends, reminders stop, reading stays for a while."""
    _check(session, actor, patient)
    if patient.is_discharged:
        raise ValidationError(
            text(N_("%(name)s is already discharged."), name=patient.display_name)
        )
    now = now or utcnow()
    today = clock.local_today(patient.timezone, now)
    program = programs.active_program(session, patient)
    if program is not None:
        # Yesterday was the last planned day: from today nothing is planned or reminded.
        program.status = ProgramStatus.ENDED
        last_day = today - timedelta(days=1)
        if program.end_date is None or program.end_date > last_day:
            program.end_date = last_day
    patient.discharged_at = now
    patient.access_until = now + timedelta(days=access_days)
    session.flush()
    # No questionnaire is asked any more; the answers stay for the record.
    outcomes.end_all(session, patient, now=now)
    # With the patient discharged the rules want nothing: they go, with what they made.
    reminders.sync_rules(session, patient, now=now, rebuild=True)
    session.execute(
        delete(ReminderOccurrence).where(
            ReminderOccurrence.user_id == patient.id, ReminderOccurrence.status == "pending"
        )
    )
    audit.record(
        session,
        actor,
        "patient.discharge",
        patient=patient,
        detail=f"reading access until {patient.access_until:%Y-%m-%d}",
    )


def reactivate(session: Db, actor: User, patient: User, *, now: datetime | None = None) -> None:
    """Undo a discharge, before or after the account closed: the patient is in care again."""
    _check(session, actor, patient)
    if not patient.is_discharged:
        raise ValidationError(text(N_("%(name)s is not discharged."), name=patient.display_name))
    was_closed = patient.is_closed
    patient.discharged_at = None
    patient.access_until = None
    patient.closed_at = None
    patient.is_active = True
    session.flush()
    reminders.sync_rules(session, patient, now=now, rebuild=True)
    audit.record(
        session,
        actor,
        "patient.reactivate",
        patient=patient,
        detail="account was closed" if was_closed else "",
    )


def close_due(session: Db, *, now: datetime | None = None) -> int:
    """Close the accounts of discharged patients whose reading time is over; return how many."""
    now = now or utcnow()
    # Claimed in one UPDATE: with two schedulers running the job, each account closes once.
    closed = session.scalars(
        update(User)
        .where(
            User.role == Role.PATIENT,
            User.discharged_at.is_not(None),
            User.closed_at.is_(None),
            User.access_until <= now,
        )
        .values(closed_at=now, is_active=False)
        .returning(User.id)
        .execution_options(synchronize_session="fetch")
    ).all()
    for patient_id in closed:
        patient = session.get(User, patient_id)
        assert patient is not None
        # Signed out everywhere; no device keeps a subscription, no link still works.
        patient.session_token = new_session_token()
        session.execute(delete(PushSubscription).where(PushSubscription.user_id == patient_id))
        invites.void_open(session, patient, now=now)
        audit.record(session, None, "patient.close", patient=patient)
    session.flush()
    return len(closed)


def check_not_closed(session: Db, user: User) -> None:
    """Raise AccountClosed for a closed account (called once its password was right)."""
    if user.closed_at is None:
        return
    names = tuple(t.display_name for t in care.therapists_of(session, user) if t.is_active)
    raise AccountClosed(user.closed_at, names)


def refuse_if_discharged(patient: User) -> None:
    """Refuse a discharged patient's new records (the outbox drops them and says why)."""
    if patient.is_patient and patient.is_discharged:
        raise ValidationError(READ_ONLY, code="discharged")


def request_erasure(session: Db, patient: User, *, now: datetime | None = None) -> bool:
    """Note that the patient asks to be erased, for the admin; False if already asked."""
    if not patient.is_patient:
        raise NotFound()
    if patient.erasure_requested_at is not None:
        return False
    patient.erasure_requested_at = now or utcnow()
    audit.record(session, patient, "patient.erasure_request", patient=patient)
    return True


def erasure_requests(session: Db) -> Sequence[User]:
    """Return the patients who asked to be erased, oldest request first (for the admin)."""
    return session.scalars(
        select(User)
        .where(User.role == Role.PATIENT, User.erasure_requested_at.is_not(None))
        .order_by(User.erasure_requested_at, User.id)
    ).all()
