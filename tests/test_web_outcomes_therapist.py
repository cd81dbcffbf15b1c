"""Therapists assign questionnaires, see the charts and the answers; only linked ones may."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, count_queries, csrf_token, login
from webapp.models import AuditEvent, OutcomeAssignment, ProgramTemplate, User
from webapp.services import clinic, clock
from webapp.web.formatting import long_date


@pytest.fixture
def therapist(make: Factory) -> User:
    """A therapist."""
    return make.therapist()


@pytest.fixture
def patient(make: Factory, therapist: User) -> User:
    """A linked patient whose PSFS went from 4 to 7 over four weeks."""
    person = make.patient(therapist, name="Rosa Diaz")
    today = clock.local_today(person.timezone)
    start = today - timedelta(days=28)
    psfs = make.outcome(person, "psfs", starts_on=start, activities=["Climbing stairs"])
    make.outcome_answer(psfs, start, {"activity-1": 4}, score=4.0)
    make.outcome_answer(psfs, today, {"activity-1": 7}, score=7.0)
    return person


def test_patient_page_shows_the_chart_and_the_change(
    client: FlaskClient, therapist: User, patient: User
) -> None:
    """The chart has a baseline and an MCID band; the change is marked meaningful."""
    login(client, therapist)
    html = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert 'class="chart chart--outcome"' in html and 'class="chart__band"' in html
    assert "Baseline 4" in html and "Meaningful improvement" in html
    assert "(+3.0)" in html


def test_answers_item_by_item_are_audited(
    client: FlaskClient, session: Session, therapist: User, patient: User
) -> None:
    """The answers page lists each activity by date, and the view is audited."""
    login(client, therapist)
    html = client.get(f"/clinic/patients/{patient.id}/outcomes/psfs").get_data(as_text=True)
    assert "Climbing stairs</th><td>4</td><td>7</td>" in html
    assert "Stratford" in html
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "outcome.view"))
    assert [e.patient_id for e in events] == [patient.id]


def test_assign_with_a_schedule_and_stop(
    client: FlaskClient, session: Session, therapist: User, make: Factory
) -> None:
    """A therapist assigns PEG every 2 weeks and before visits, then stops it."""
    person = make.patient(therapist)
    login(client, therapist)
    response = client.post(
        f"/clinic/patients/{person.id}/outcomes",
        data={
            "csrf_token": csrf_token(client),
            "instrument": "peg",
            "at_start": "1",
            "every_weeks": "2",
            "before_visits": "1",
        },
    )
    assert response.status_code == 303
    assignment = session.scalar(
        select(OutcomeAssignment).where(OutcomeAssignment.patient_id == person.id)
    )
    assert assignment is not None
    assert (assignment.every_weeks, assignment.before_visits, assignment.at_start) == (
        2,
        True,
        True,
    )
    html = client.get(f"/clinic/patients/{person.id}").get_data(as_text=True)
    assert "at the start, every 2 weeks, the day before each visit" in html
    next_on = clock.local_today(person.timezone) + timedelta(days=14)
    assert f"· next {long_date(next_on)}" in html
    client.post(
        f"/clinic/patients/{person.id}/outcomes/{assignment.id}/end",
        data={"csrf_token": csrf_token(client)},
    )
    session.refresh(assignment)
    assert assignment.ended_at is not None


def test_a_bad_schedule_is_shown_next_to_the_field(
    client: FlaskClient, therapist: User, make: Factory
) -> None:
    """Every 40 weeks is refused by the field, keeping what was typed."""
    person = make.patient(therapist)
    login(client, therapist)
    response = client.post(
        f"/clinic/patients/{person.id}/outcomes",
        data={"csrf_token": csrf_token(client), "instrument": "psfs", "every_weeks": "40"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Every how many weeks: a whole number from 1 to 26." in html
    assert 'value="40"' in html


@pytest.mark.parametrize("role", ["other therapist", "admin", "patient", "other patient"])
def test_only_linked_therapists_see_or_assign(
    client: FlaskClient, make: Factory, patient: User, role: str
) -> None:
    """Another therapist, an admin and patients get nothing of this patient's answers."""
    viewer = {
        "other therapist": make.therapist,
        "admin": make.admin,
        "patient": lambda: patient,
        "other patient": make.patient,
    }[role]()
    login(client, viewer)
    answers = client.get(f"/clinic/patients/{patient.id}/outcomes/psfs")
    assert answers.status_code in (403, 404)
    assigned = client.post(
        f"/clinic/patients/{patient.id}/outcomes",
        data={"csrf_token": csrf_token(client), "instrument": "peg", "every_weeks": "2"},
    )
    assert assigned.status_code in (403, 404)
    assert "Climbing stairs" not in answers.get_data(as_text=True)


def test_my_patients_function_column_in_fixed_queries(
    client: FlaskClient, session: Session, make: Factory, therapist: User, patient: User
) -> None:
    """My patients marks function per patient, with no query per patient."""
    session.expire_all()
    with count_queries(session) as few:
        rows = clinic.patient_rows(session, therapist)
    assert [r.function.words if r.function else None for r in rows] == ["Meaningful improvement"]
    today = clock.local_today("Europe/London")
    for n, (before, after) in enumerate([(6.0, 3.0), (6.0, 5.0), (5.0, 8.0)]):
        person = make.patient(therapist, name=f"Zed {n}")
        peg = make.outcome(person, "peg", starts_on=today - timedelta(days=14))
        make.outcome_answer(peg, today - timedelta(days=14), {"p": 1}, score=before)
        make.outcome_answer(peg, today, {"p": 1}, score=after)
    session.expire_all()
    with count_queries(session) as many:
        rows = clinic.patient_rows(session, therapist)
    assert len(few) == len(many)
    marks = {r.patient.display_name: r.function.words if r.function else None for r in rows}
    assert marks == {
        "Rosa Diaz": "Meaningful improvement",
        "Zed 0": "Meaningful improvement",
        "Zed 1": "No meaningful change",
        "Zed 2": "Worse",
    }
    login(client, therapist)
    html = client.get("/clinic/").get_data(as_text=True)
    assert "Function" in html and 'No meaningful change</span> <span class="muted">(PEG)' in html


def test_visit_prep_report_shows_change_since_baseline(
    client: FlaskClient, therapist: User, patient: User
) -> None:
    """The report gives baseline, latest, the change and its meaning, activity by activity."""
    login(client, therapist)
    html = client.get(f"/clinic/patients/{patient.id}/report").get_data(as_text=True)
    assert "Function since baseline" in html
    assert "+3.0" in html and "Meaningful improvement" in html
    assert "Rated climbing stairs 4" in html


def test_starting_from_a_template_assigns_its_questionnaires(
    client: FlaskClient, session: Session, therapist: User, make: Factory
) -> None:
    """Low back pain carries PSFS and PEG every 2 weeks; starting from it assigns both once."""
    person = make.patient(therapist)
    template_id = session.scalar(
        select(ProgramTemplate.id).where(ProgramTemplate.slug == "low-back-pain")
    )
    login(client, therapist)
    for _ in range(2):
        response = client.post(
            f"/clinic/patients/{person.id}/program",
            data={"csrf_token": csrf_token(client), "template_id": str(template_id)},
        )
        assert response.status_code == 303
    found = session.scalars(
        select(OutcomeAssignment).where(OutcomeAssignment.patient_id == person.id)
    ).all()
    assert sorted((a.instrument, a.every_weeks, a.at_start) for a in found) == [
        ("peg", 2, True),
        ("psfs", 2, True),
    ]
