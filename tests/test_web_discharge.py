"""A patient's record from start to end, over HTTP: discharge, closing, reactivating, erasing."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Factory, login, post_form
from webapp.models import (
    AuditEvent,
    CheckIn,
    Completion,
    Invite,
    PushSubscription,
    User,
    utcnow,
)
from webapp.services import clock, discharge, erasure, notes, reminders

NAME = "Nell Ashcombe"


@pytest.fixture
def people(make: Factory) -> dict[str, User]:
    """A therapist with a patient in a program, another therapist, and an admin."""
    therapist = make.therapist(name="Tess Runner")
    patient = make.patient(therapist, name=NAME)
    make.program(patient, clock.local_today(patient.timezone) - timedelta(days=7))
    return {
        "therapist": therapist,
        "patient": patient,
        "other_therapist": make.therapist(),
        "admin": make.admin(),
    }


def _text(html: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _follow(client: FlaskClient, response: object) -> str:
    location = response.headers["Location"]  # type: ignore[attr-defined]
    return _text(client.get(location).get_data(as_text=True))


def test_a_therapist_discharges_from_the_patients_page(
    client: FlaskClient, session: Session, make: Factory, people: dict[str, User]
) -> None:
    patient = people["patient"]
    make.alert(patient, "pain_high")
    login(client, people["therapist"])
    page = _text(client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True))
    assert "Discharge " + NAME in page
    assert "can read and download their history for 90 days, then the account closes" in page
    response = post_form(client, f"/clinic/patients/{patient.id}/discharge")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/clinic/patients/{patient.id}#care")
    shown = _follow(client, response)
    assert f"{NAME} is discharged. They can read their history until" in shown
    assert "Reactivate " + NAME in shown and "Discharged on" in shown
    mine = _text(client.get("/clinic/").get_data(as_text=True))
    assert f"{NAME} 1 alert Discharged" in mine
    assert "Everyone is on track." in mine  # discharged: not "needs attention"
    attention = _text(client.get("/clinic/?show=attention").get_data(as_text=True))
    assert NAME not in attention
    again = post_form(client, f"/clinic/patients/{patient.id}/discharge")
    assert f"{NAME} is already discharged." in _follow(client, again)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == patient.id))
    assert list(actions).count("patient.discharge") == 1


@pytest.mark.parametrize("who", ["other_therapist", "patient", "admin_on_clinic_pages"])
def test_nobody_else_discharges(
    client: FlaskClient, session: Session, people: dict[str, User], who: str
) -> None:
    patient = people["patient"]
    user = people["admin" if who == "admin_on_clinic_pages" else who]
    login(client, user)
    for action in ("discharge", "reactivate"):
        assert post_form(client, f"/clinic/patients/{patient.id}/{action}").status_code == 404
    if who != "admin_on_clinic_pages":
        assert post_form(client, f"/admin/patients/{patient.id}/discharge").status_code == 404
    session.refresh(patient)
    assert not patient.is_discharged


def test_a_discharged_patient_reads_and_downloads_but_records_nothing(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    patient = people["patient"]
    discharge.discharge(session, people["therapist"], patient, access_days=90)
    login(client, patient)
    home = _text(client.get("/me/").get_data(as_text=True))
    assert "Your program with the clinic has ended" in home
    assert "How are you today?" not in home and "Mark 1st done" not in home
    assert client.get("/me/progress").status_code == 200
    checkin_page = _text(client.get("/me/checkin").get_data(as_text=True))
    assert "Your program with the clinic has ended" in checkin_page
    assert "Save check-in" not in checkin_page
    reminder_page = _text(client.get("/me/reminders").get_data(as_text=True))
    assert "reminders have stopped" in reminder_page and "Save" not in reminder_page
    assert client.get("/me/export.json").get_json()["profile"]["discharged_at"]
    assert client.get("/me/export.csv").status_code == 200
    refused = post_form(client, "/me/checkin", {"client_id": "ci-discharged", "pain": "4"})
    assert refused.status_code == 303
    assert discharge.READ_ONLY in _follow(client, refused)
    queued = post_form(
        client,
        "/me/completions",
        {"client_id": "done-discharged", "item_id": "1", "slot": "0"},
        headers={"Accept": "application/json"},
    )
    assert queued.status_code == 403, queued.get_data(as_text=True)
    assert queued.get_json() == {
        "error": discharge.READ_ONLY,
        "code": "discharged",
        "fields": {"__all__": [discharge.READ_ONLY]},
    }
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
    assert session.scalar(select(func.count()).select_from(Completion)) == 0


def test_a_closed_account_says_so_at_sign_in_and_whom_to_contact(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    patient = people["patient"]
    discharge.discharge(
        session, people["therapist"], patient, access_days=90, now=utcnow() - timedelta(days=91)
    )
    assert discharge.close_due(session) == 1
    session.commit()  # a failed sign-in rolls back what the request's session holds
    wrong = post_form(client, "/login", {"login": patient.login, "password": "not-the-password"})
    assert "do not match" in _text(wrong.get_data(as_text=True))
    response = post_form(
        client, "/login", {"login": patient.login, "password": "a-good-long-test-password"}
    )
    assert response.status_code == 403
    said = _text(response.get_data(as_text=True))
    assert "Your account closed on" in said
    assert "please contact Tess Runner at Riverside Massage Therapy" in said
    assert client.get("/me/").status_code == 302  # not signed in
    # An admin reactivates: the patient signs in again.
    login(client, people["admin"])
    back = post_form(client, f"/admin/patients/{patient.id}/reactivate")
    assert f"{NAME} is in care again." in _follow(client, back)
    post_form(client, "/logout")
    login(client, patient)
    assert client.get("/me/").status_code == 200


def test_a_patient_asks_to_be_erased_and_the_admin_sees_it(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    patient = people["patient"]
    discharge.discharge(session, people["therapist"], patient, access_days=90)
    login(client, patient)
    settings = _text(client.get("/account").get_data(as_text=True))
    assert "Ask the clinic to erase my record" in settings
    response = post_form(client, "/me/erasure-request")
    assert response.headers["Location"].endswith("/account#erasure-h")
    shown = _follow(client, response)
    assert "Your request is sent." in shown
    assert "You asked for your record to be erased on" in shown
    assert "What happens next: the clinic contacts you to confirm" in shown
    assert "Ask the clinic to erase my record" not in shown
    post_form(client, "/logout")
    login(client, people["admin"])
    page = _text(client.get("/admin/patients").get_data(as_text=True))
    assert "Asked to be erased These patients asked" in page
    assert f"{NAME} asked on" in page
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.patient_id == patient.id))
    assert "patient.erasure_request" in list(actions)


def test_an_admin_erases_after_typing_the_full_name(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    patient = people["patient"]
    patient_id = patient.id
    login(client, people["admin"])
    form = client.get(f"/admin/patients/{patient_id}/erase").get_data(as_text=True)
    # The label is a translated (lazy) string, which Jinja writes as it is: no &#39; for '.
    assert "Type the patient's full name to confirm" in form
    wrong = post_form(client, f"/admin/patients/{patient_id}/erase", {"name": "Nell Ashcomb"})
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    error = re.search(r'<p class="field__error" id="name-error">([^<]*)</p>', html)
    assert error and htmllib.unescape(error.group(1)) == erasure.NAME_MISMATCH
    assert 'value="Nell Ashcomb"' in html and 'aria-invalid="true"' in html
    assert session.get(User, patient_id) is not None
    response = post_form(client, f"/admin/patients/{patient_id}/erase", {"name": NAME.lower()})
    assert response.status_code == 303
    shown = _follow(client, response)
    token = re.search(r"notes it as patient #([0-9a-f]{8})", shown)
    assert token and NAME not in shown
    session.expire_all()
    assert session.get(User, patient_id) is None
    audit_log = _text(client.get("/admin/audit").get_data(as_text=True))
    assert f"patient #{token.group(1)} erased by admin #{people['admin'].id}" in audit_log
    assert NAME not in audit_log


@pytest.mark.parametrize("who", ["therapist", "patient"])
def test_only_admins_erase(
    client: FlaskClient, session: Session, people: dict[str, User], who: str
) -> None:
    patient = people["patient"]
    login(client, people[who])
    assert client.get(f"/admin/patients/{patient.id}/erase").status_code == 404
    response = post_form(client, f"/admin/patients/{patient.id}/erase", {"name": NAME})
    assert response.status_code == 404
    assert session.get(User, patient.id) is not None


def test_the_download_covers_visits_reminders_and_devices(
    client: FlaskClient, session: Session, make: Factory, people: dict[str, User]
) -> None:
    patient = people["patient"]
    make.visit(patient, utcnow() + timedelta(days=3), place_note="Room 2")
    session.add(
        PushSubscription(
            user_id=patient.id,
            endpoint="https://push.example/nell",
            p256dh="k",
            auth="a",
            user_agent="Nell's phone",
        )
    )
    reminders.settings_for(session, patient)
    login(client, patient)
    data = client.get("/me/export.json").get_json()
    assert [v["place"] for v in data["visits"]] == ["Room 2"]
    assert data["reminder_settings"]["checkin_time"] == "20:00"
    assert [d["device"] for d in data["devices_with_notifications"]] == ["Nell's phone"]
    assert data["profile"]["name"] == NAME and data["programs"] and data["checkins"] == []


def test_the_settings_page_title_is_only_its_title(
    client: FlaskClient, people: dict[str, User]
) -> None:
    login(client, people["patient"])
    html = client.get("/account").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and title.group(1) == "Settings · Riverside Massage Therapy"
    assert html.count('id="data-h"') == 1


def test_no_new_sign_in_link_for_a_closed_account(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    patient = people["patient"]
    discharge.discharge(
        session, people["therapist"], patient, access_days=0, now=utcnow() - timedelta(days=1)
    )
    discharge.close_due(session)
    login(client, people["therapist"])
    page = _text(client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True))
    assert "Reset access" not in page and "Discharged, account closed" in page
    response = post_form(client, f"/clinic/patients/{patient.id}/invite")
    assert response.headers["Location"].endswith("#care")
    assert f"{NAME}'s account is closed. Reactivate them first." in _follow(client, response)
    open_links = select(Invite).where(
        Invite.user_id == patient.id, Invite.used_at.is_(None), Invite.voided_at.is_(None)
    )
    assert session.scalars(open_links).all() == []


def test_the_admin_is_told_when_someone_elses_record_mentions_the_name(
    client: FlaskClient, session: Session, make: Factory, people: dict[str, User]
) -> None:
    other = make.patient(people["therapist"])
    notes.add(session, people["therapist"], other, f"Came with her sister {NAME}.")
    login(client, people["admin"])
    response = post_form(client, f"/admin/patients/{people['patient'].id}/erase", {"name": NAME})
    shown = _follow(client, response)
    assert "Other people's records still mention their name or email: private notes (1)." in shown
