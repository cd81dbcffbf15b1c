"""High pain is decided once: the patient's own limit if set (9 honoured), else the therapist's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, local, login, post_form
from webapp.models import Alert, User
from webapp.services import alerts, checkins

MORNING = local("Europe/London", 2026, 4, 1, 9, 0)


def _save(session: Session, patient: User, pain: str) -> checkins.SavedCheckIn:
    return checkins.save(session, patient, checkins.CheckInInput(pain=pain), now=MORNING)


def _open(session: Session, patient: User) -> list[str]:
    return list(
        session.scalars(
            select(Alert.kind).where(Alert.patient_id == patient.id, Alert.status == "open")
        )
    )


def test_a_therapist_setting_of_nine_is_honoured_not_capped(
    session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    alerts.save_settings(
        session, therapist, inactivity_days="3", pain_threshold="9", push_alerts=False
    )
    patient = make.patient(therapist)
    assert not _save(session, patient, "8").flags.high_pain
    assert "pain_high" not in _open(session, patient)
    assert alerts.evaluate(session, patient, now=MORNING + timedelta(minutes=1)) == []


def test_the_patients_own_limit_wins_over_the_therapists(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    alerts.set_patient_pain_threshold(session, therapist, patient, "9")
    assert alerts.high_pain_from(session, patient) == 9
    assert not _save(session, patient, "8").flags.high_pain
    assert _open(session, patient) == []
    later = MORNING + timedelta(hours=1)
    saved = checkins.save(session, patient, checkins.CheckInInput(pain="9"), now=later)
    assert saved.flags.high_pain and _open(session, patient) == ["pain_high"]
    # Cleared: back to the therapist's usual setting.
    alerts.set_patient_pain_threshold(session, therapist, patient, "")
    assert alerts.high_pain_from(session, patient) == 8


@pytest.mark.parametrize("typed", ["0", "11", "eight", "7.5"])
def test_a_bad_limit_is_refused_next_to_the_field(
    client: FlaskClient, make: Factory, typed: str
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    login(client, therapist)
    response = post_form(
        client, f"/clinic/patients/{patient.id}/pain-threshold", {"pain_threshold": typed}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "whole number from 1 to 10" in html and f'value="{typed}"' in html


def test_the_therapist_sets_it_on_the_patients_page(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    login(client, therapist)
    response = post_form(
        client, f"/clinic/patients/{patient.id}/pain-threshold", {"pain_threshold": "9"}
    )
    assert response.status_code == 303
    assert alerts.patient_pain_threshold(session, patient) == 9
    html = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert 'name="pain_threshold" inputmode="numeric" value="9"' in html


def test_only_the_patients_therapist_may_set_it(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient(make.therapist())
    stranger = make.therapist()
    login(client, stranger)
    response = post_form(
        client, f"/clinic/patients/{patient.id}/pain-threshold", {"pain_threshold": "9"}
    )
    assert response.status_code == 404
    assert alerts.patient_pain_threshold(session, patient) is None


def test_the_patient_cannot_set_it(client: FlaskClient, session: Session, make: Factory) -> None:
    patient = make.patient(make.therapist())
    login(client, patient)
    response = post_form(
        client, f"/clinic/patients/{patient.id}/pain-threshold", {"pain_threshold": "10"}
    )
    assert response.status_code in (403, 404)
    assert alerts.patient_pain_threshold(session, patient) is None


def test_the_offline_advice_uses_the_patients_limit(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    alerts.set_patient_pain_threshold(session, therapist, patient, "9")
    login(client, patient)
    assert 'data-high-pain-from="9"' in client.get("/me/checkin").get_data(as_text=True)
