"""A patient answers a due questionnaire on the phone, without JavaScript, and sees the trend."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, csrf_token, login
from webapp.models import OutcomeResponse, User
from webapp.services import clock


@pytest.fixture
def patient(make: Factory) -> User:
    """A patient with PSFS assigned today, every two weeks."""
    person = make.patient(name="Rosa Diaz")
    make.outcome(person, "psfs")
    return person


def _month_words(before: date, today: date) -> str:
    if (before.year, before.month) == (today.year, today.month):
        return f"on {before.day} {before.strftime('%B')}"
    return (
        f"in {before.strftime('%B')}" if before.year == today.year else before.strftime("in %B %Y")
    )


def test_today_shows_a_due_questionnaire(client: FlaskClient, patient: User) -> None:
    """Today invites the patient to the 2-minute questionnaire."""
    login(client, patient)
    html = client.get("/me/").get_data(as_text=True)
    assert "2 minutes: how are your activities going?" in html
    assert 'href="/me/questionnaires/psfs"' in html


def test_nothing_due_shows_no_card(client: FlaskClient, make: Factory) -> None:
    """Without an assignment, Today says nothing about questionnaires."""
    login(client, make.patient())
    assert "how are your activities going" not in client.get("/me/").get_data(as_text=True)


def test_first_psfs_names_the_activities(client: FlaskClient, patient: User) -> None:
    """The first PSFS asks for activities and the published anchors; then it is not due."""
    login(client, patient)
    page = client.get("/me/questionnaires/psfs").get_data(as_text=True)
    assert "Unable to perform activity" in page and 'name="name-activity-1"' in page
    response = client.post(
        "/me/questionnaires/psfs",
        data={
            "csrf_token": csrf_token(client),
            "client_id": "psfs-first-0001",
            "name-activity-1": "Climbing stairs",
            "item-activity-1": "4",
            "next_step": "done",
        },
    )
    assert response.status_code == 303
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "These are your first answers" in done
    assert "how are your activities going" not in client.get("/me/").get_data(as_text=True)


def test_the_trend_in_plain_words(client: FlaskClient, make: Factory) -> None:
    """Four weeks after the first answers, the patient rates again and reads the change."""
    person = make.patient()
    today = clock.local_today(person.timezone)
    start = today - timedelta(days=28)
    assignment = make.outcome(person, "psfs", starts_on=start, activities=["Climbing stairs"])
    make.outcome_answer(assignment, start, {"activity-1": 4}, score=4.0)
    login(client, person)
    page = client.get("/me/questionnaires/psfs").get_data(as_text=True)
    assert "Climbing stairs" in page and 'name="name-activity-1"' not in page
    response = client.post(
        "/me/questionnaires/psfs",
        data={"csrf_token": csrf_token(client), "item-activity-1": "7", "next_step": "done"},
    )
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"You rated climbing stairs 4 {_month_words(start, today)} and 7 today." in done


def test_finish_later_keeps_the_answers(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    """An interrupted PEG keeps its answers and Today offers to continue it."""
    person = make.patient()
    make.outcome(person, "peg")
    login(client, person)
    response = client.post(
        "/me/questionnaires/peg",
        data={"csrf_token": csrf_token(client), "item-p": "6", "next_step": "later"},
    )
    assert response.status_code == 303
    today = client.get("/me/").get_data(as_text=True)
    assert 'href="/me/questionnaires/peg">Continue: how are your activities going?</a>' in today
    page = client.get("/me/questionnaires/peg").get_data(as_text=True)
    assert 'name="item-p" value="6" checked' in page
    assert "Your earlier answers are kept below." in page


def test_a_bad_answer_is_shown_next_to_its_field(client: FlaskClient, make: Factory) -> None:
    """A number off the scale is refused by the field, and the other answers stay."""
    person = make.patient()
    make.outcome(person, "peg")
    login(client, person)
    response = client.post(
        "/me/questionnaires/peg",
        data={"csrf_token": csrf_token(client), "item-p": "12", "item-e": "3", "next_step": "done"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="item-p-error">Choose a number from 0 to 10.' in html
    assert 'name="item-e" value="3" checked' in html


def test_the_outbox_sending_twice_records_once(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    """A finished questionnaire sent again with its client id is the same response."""
    person = make.patient()
    make.outcome(person, "peg")
    login(client, person)
    data = {"csrf_token": csrf_token(client), "client_id": "peg-offline-01"}
    data |= {"item-p": "5", "item-e": "4", "item-g": "3", "done_on": "2026-01-01"}
    headers = {"Accept": "application/json"}
    first = client.post("/me/questionnaires/peg", data=data, headers=headers)
    again = client.post("/me/questionnaires/peg", data=data, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json() and first.get_json()["score"] == 4.0
    rows = session.scalars(select(OutcomeResponse).where(OutcomeResponse.patient_id == person.id))
    assert len(rows.all()) == 1


@pytest.mark.parametrize("role", ["therapist", "admin", "other patient"])
def test_others_cannot_answer(client: FlaskClient, make: Factory, patient: User, role: str) -> None:
    """Staff cannot use the patient pages; another patient has nothing due here."""
    other = {
        "therapist": make.therapist,
        "admin": make.admin,
        "other patient": make.patient,
    }[role]()
    login(client, other)
    page = client.get("/me/questionnaires/psfs")
    if role != "other patient":
        assert page.status_code == 404  # staff: the patient pages do not exist for them
        posted = client.post("/me/questionnaires/psfs", data={"csrf_token": csrf_token(client)})
        assert posted.status_code == 404
        return
    assert page.status_code == 303  # nothing due for them: to the (empty) done page
    done = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "There is nothing to answer here right now." in done


def test_progress_page_tells_the_trend(client: FlaskClient, make: Factory) -> None:
    """My progress repeats the trend in plain words, dated when it was not today."""
    person = make.patient()
    today = clock.local_today(person.timezone)
    start, later = today - timedelta(days=28), today - timedelta(days=14)
    assignment = make.outcome(person, "psfs", starts_on=start, activities=["Gardening"])
    make.outcome_answer(assignment, start, {"activity-1": 3}, score=3.0)
    make.outcome_answer(assignment, later, {"activity-1": 6}, score=6.0)
    login(client, person)
    html = client.get("/me/progress").get_data(as_text=True)
    assert "Your activities and everyday life" in html
    expected_before = _month_words(start, later)
    expected_now = _month_words(later, today)
    assert f"You rated gardening 3 {expected_before} and 6 {expected_now}." in html


def test_the_done_page_leads_to_the_next_questionnaire(client: FlaskClient, make: Factory) -> None:
    """With PSFS and PEG due, Today starts PSFS and its done page offers PEG next."""
    person = make.patient()
    make.outcome(person, "psfs")
    make.outcome(person, "peg")
    login(client, person)
    today = client.get("/me/").get_data(as_text=True)
    assert "3 minutes: how are your activities going?" in today
    assert 'href="/me/questionnaires/psfs">3 minutes: how are' in today
    response = client.post(
        "/me/questionnaires/psfs",
        data={
            "csrf_token": csrf_token(client),
            "name-activity-1": "Stairs",
            "item-activity-1": "5",
            "next_step": "done",
        },
    )
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'href="/me/questionnaires/peg">Next: Pain and everyday life' in done
