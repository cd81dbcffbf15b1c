"""A patient's care ending: discharge, reminders stopping, closing after the reading time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobs import tasks
from tests.conftest import PASSWORD, Factory, local
from webapp.models import (
    AuditEvent,
    ProgramStatus,
    PushSubscription,
    ReminderOccurrence,
    ReminderRule,
    User,
)
from webapp.services import accounts, alerts, clinic, discharge, programs, reminders
from webapp.services.errors import NotFound, ValidationError

NOW = local("Europe/London", 2026, 3, 10, 12, 0)


def _actions(session: Session, patient: User) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.patient_id == patient.id)
            .order_by(AuditEvent.id)
        )
    )


def _occurrences(session: Session, patient: User) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ReminderOccurrence)
            .where(ReminderOccurrence.user_id == patient.id)
        )
        or 0
    )


def test_discharge_ends_the_program_and_every_reminder(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    program = make.program(patient, NOW.date() - timedelta(days=5), therapist=therapist)
    make.visit(patient, NOW + timedelta(days=1), therapist=therapist)
    reminders.materialize(session, now=NOW)
    assert _occurrences(session, patient) > 0  # exercise, check-in and visit reminders

    discharge.discharge(session, therapist, patient, access_days=90, now=NOW)

    assert patient.is_discharged and not patient.is_closed
    assert patient.access_until == NOW + timedelta(days=90)
    assert program.status is ProgramStatus.ENDED
    assert program.end_date == NOW.date() - timedelta(days=1)
    assert programs.active_program(session, patient) is None
    rules = session.scalar(
        select(func.count()).select_from(ReminderRule).where(ReminderRule.patient_id == patient.id)
    )
    assert rules == 0
    assert _occurrences(session, patient) == 0
    # Later passes make nothing for them, not even for the visit still booked.
    assert reminders.materialize(session, now=NOW + timedelta(hours=1)) == 0
    assert _occurrences(session, patient) == 0
    # Saving reminder settings again does not bring them back.
    reminders.sync_rules(session, patient, now=NOW, rebuild=True)
    assert (
        session.scalars(select(ReminderRule).where(ReminderRule.patient_id == patient.id)).all()
        == []
    )
    assert _actions(session, patient)[-1] == "patient.discharge"


def test_a_discharged_patient_raises_no_alert_and_needs_no_attention(
    session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.checkin(patient, pain=9)
    make.alert(patient, "pain_high")
    discharge.discharge(session, therapist, patient, access_days=90)
    assert alerts.evaluate(session, patient) == []
    assert patient not in alerts.patients_in_care(session)
    row = next(r for r in clinic.patient_rows(session, therapist) if r.patient.id == patient.id)
    assert row.patient.discharged and not row.needs_attention
    in_care = make.patient(therapist)
    make.alert(in_care, "pain_high")
    arranged = clinic.arrange(clinic.patient_rows(session, therapist), sort="attention", show="all")
    assert [r.patient.id for r in arranged] == [in_care.id, patient.id]
    attention = clinic.arrange(
        clinic.patient_rows(session, therapist), sort="attention", show="attention"
    )
    assert [r.patient.id for r in attention] == [in_care.id]


@pytest.mark.parametrize("who", ["other_therapist", "patient", "other_patient", "disabled"])
def test_only_their_therapist_or_an_admin_may_discharge(
    session: Session, make: Factory, who: str
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    actor = {
        "other_therapist": lambda: make.therapist(),
        "patient": lambda: patient,
        "other_patient": lambda: make.patient(therapist),
        "disabled": lambda: make.therapist(active=False),
    }[who]()
    if who == "disabled":
        make.patient(actor)
    with pytest.raises(NotFound):
        discharge.discharge(session, actor, patient, access_days=90)
    assert not patient.is_discharged
    discharge.discharge(session, make.admin(), patient, access_days=90)
    with pytest.raises(NotFound):
        discharge.reactivate(session, actor, patient)
    assert patient.is_discharged


def test_discharging_twice_or_reactivating_someone_in_care_is_refused(
    session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    with pytest.raises(ValidationError, match="not discharged"):
        discharge.reactivate(session, therapist, patient)
    discharge.discharge(session, therapist, patient, access_days=90)
    with pytest.raises(ValidationError, match="already discharged"):
        discharge.discharge(session, therapist, patient, access_days=90)


def test_a_discharged_patient_cannot_be_given_a_program(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    discharge.discharge(session, therapist, patient, access_days=90)
    with pytest.raises(ValidationError, match="Reactivate"):
        make.program(patient, therapist=therapist)


def test_the_account_closes_when_the_reading_time_is_over(
    app: Flask, session: Session, make: Factory
) -> None:
    therapist = make.therapist(name="Tess Runner")
    patient = make.patient(therapist)
    still_reading = make.patient(therapist)
    in_care = make.patient(therapist)
    session.add(
        PushSubscription(
            user_id=patient.id, endpoint="https://push.example/x", p256dh="k", auth="a"
        )
    )
    discharge.discharge(session, therapist, patient, access_days=90, now=NOW)
    discharge.discharge(
        session, therapist, still_reading, access_days=90, now=NOW + timedelta(days=5)
    )
    with app.app_context():
        assert tasks.close_discharged(now=NOW + timedelta(days=89)) == 0
        assert accounts.authenticate(session, patient.login or "", PASSWORD) is not None
        assert tasks.close_discharged(now=NOW + timedelta(days=90, minutes=1)) == 1
        # Run again the next day: nothing more to close.
        assert tasks.close_discharged(now=NOW + timedelta(days=91)) == 0
    assert patient.is_closed and not patient.is_active
    assert not still_reading.is_closed and still_reading.is_active
    assert not in_care.is_closed
    assert (
        session.scalars(
            select(PushSubscription).where(PushSubscription.user_id == patient.id)
        ).all()
        == []
    )
    assert _actions(session, patient)[-1] == "patient.close"
    with pytest.raises(discharge.AccountClosed) as closed:
        accounts.authenticate(session, patient.login or "", PASSWORD)
    assert closed.value.therapists == ("Tess Runner",)
    # A wrong password says nothing about the account.
    assert accounts.authenticate(session, patient.login or "", "wrong-password-here") is None


def test_reactivating_a_closed_account_opens_it_again(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    discharge.discharge(session, therapist, patient, access_days=0, now=NOW)
    assert discharge.close_due(session, now=NOW + timedelta(seconds=1)) == 1
    discharge.reactivate(session, make.admin(), patient)
    assert not patient.is_discharged and not patient.is_closed and patient.is_active
    assert patient.access_until is None
    assert accounts.authenticate(session, patient.login or "", PASSWORD) == patient
    # In care again, their check-in reminder comes back.
    kinds = session.scalars(select(ReminderRule.kind).where(ReminderRule.patient_id == patient.id))
    assert list(kinds) == ["checkin"]
    assert _actions(session, patient)[-3:] == [
        "patient.discharge",
        "patient.close",
        "patient.reactivate",
    ]


def test_a_patient_asks_to_be_erased_once(session: Session, make: Factory) -> None:
    patient = make.patient(make.therapist())
    assert discharge.erasure_requests(session) == []
    assert discharge.request_erasure(session, patient, now=NOW) is True
    assert discharge.request_erasure(session, patient) is False
    assert patient.erasure_requested_at == NOW
    assert discharge.erasure_requests(session) == [patient]
    assert _actions(session, patient).count("patient.erasure_request") == 1
    with pytest.raises(NotFound):
        discharge.request_erasure(session, make.therapist())
