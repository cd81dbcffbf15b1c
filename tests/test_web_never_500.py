"""Every route, as every role, with odd input: a clear answer, never a server error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, csrf_token, login
from tests.test_services_today import give_program
from webapp.models import Alert, Appointment, CheckIn, Completion, Exercise, Role, User, utcnow
from webapp.services import alerts, clock, programs

ODD_QUERIES = ["", "?q=%00%ff<script>&region=x&kind=&sort=nope&show=nope&page=-3&saved=1"]
ODD_FORM = {
    "client_id": "x",
    "item_id": "abc",
    "slot": "-1",
    "done_on": "2026-13-45",
    "pain": "11",
    "pain_during": "lots",
    "sets": "∞",
    "weekdays": "9",
    "day": "soon",
    "start": "25:99",
    "minutes": "-5",
    "direction": "sideways",
    "template_id": "999999",
    "exercise_id": "nope",
    "timezone": "Mars/Olympus",
    "therapist_id": "0",
    "inactivity_days": "many",
    "name": "x" * 500,
}


@pytest.fixture
def world(session: Session, make: Factory) -> dict[str, int | str]:
    """One of everything the routes can name."""
    therapist = make.therapist(login="t500@test.example")
    patient = make.patient(therapist, login="p500@test.example")
    make.admin(login="a500@test.example")
    program = give_program(
        session, make, patient, clock.local_today(patient.timezone) - timedelta(days=3)
    )
    item = programs.current_items(program)[0]
    session.add(
        CheckIn(
            patient_id=patient.id,
            local_date=clock.local_today(patient.timezone),
            pain=9,
            regions=[],
            warning_signs=[],
        )
    )
    completion = Completion(
        client_id="c500-abcdef",
        patient_id=patient.id,
        program_item_id=item.id,
        lineage=item.lineage,
        exercise_id=item.exercise_id,
        local_date=clock.local_today(patient.timezone),
        slot=0,
    )
    visit = Appointment(
        patient_id=patient.id, therapist_id=therapist.id, starts_at=utcnow() + timedelta(days=2)
    )
    session.add_all([completion, visit])
    session.flush()
    alerts.evaluate(session, patient)
    alert = session.scalars(select(Alert)).first()
    exercise = session.scalar(select(Exercise).where(Exercise.slug == "chin-tuck"))
    assert alert is not None and exercise is not None
    return {
        "patient_id": patient.id,
        "program_id": program.id,
        "item_id": item.id,
        "exercise_id": exercise.id,
        "alert_id": alert.id,
        "visit_id": visit.id,
        "completion_id": completion.id,
        "user_id": therapist.id,
        "media_id": 999999,
    }


def _urls(app: Flask, world: dict[str, int | str], method: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or method not in (rule.methods or set()):
            continue
        values: dict[str, object] = {}
        for name in rule.arguments:
            values[name] = world.get(name, "not-a-thing" if name != "day" else "2026-99-99")
        urls.append(rule.build(values, append_unknown=False)[1])  # type: ignore[index]
    return sorted(set(urls))


@pytest.mark.parametrize("role", [None, Role.PATIENT, Role.THERAPIST, Role.ADMIN])
def test_every_route_answers_without_a_server_error(
    app: Flask,
    client: FlaskClient,
    session: Session,
    world: dict[str, int | str],
    role: Role | None,
) -> None:
    logins = {
        Role.PATIENT: "p500@test.example",
        Role.THERAPIST: "t500@test.example",
        Role.ADMIN: "a500@test.example",
    }
    if role is not None:
        user = session.scalar(select(User).where(User.login == logins[role]))
        assert user is not None
        login(client, user)
    problems = []
    for url in _urls(app, world, "GET"):
        if url == "/logout":
            continue
        for query in ODD_QUERIES:
            response = client.get(url + query)
            if response.status_code >= 500:
                problems.append(f"GET {url}{query}: {response.status_code}")
            response.close()
    token = csrf_token(client)
    for url in _urls(app, world, "POST"):
        if url == "/logout":
            continue
        for form in ({}, ODD_FORM):
            response = client.post(
                url, data={"csrf_token": token, **form}, headers={"X-CSRFToken": token}
            )
            if response.status_code >= 500:
                problems.append(f"POST {url} {sorted(form)[:2]}: {response.status_code}")
            response.close()
        response = client.post(
            url, json={"endpoint": 5, "keys": []}, headers={"X-CSRFToken": token}
        )
        if response.status_code >= 500:
            problems.append(f"POST {url} json: {response.status_code}")
        response.close()
    assert problems == []
