"""Every route, as every role, with odd input: a clear answer, never a server error."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from tests.conftest import Factory, csrf_token, login
from tests.test_web_programs import png_claiming
from webapp.models import Alert, Exercise, Role, User, utcnow
from webapp.services import alerts, clock, dose, messages, numbers, programs

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

# Every field a person types a number into, and every field that names a record by id.
NUMBER_FIELDS = [
    *dose.RANGES,
    "pain",
    "stiffness",
    "stress",
    "pain_during",
    "minutes",
    "inactivity_days",
    "pain_threshold",
    "slot",
    "weekdays",
]
ID_FIELDS = ["item_id", "template_id", "exercise_id", "therapist_id"]
NUMBER_QUERIES = ["page", "before"]
# "²" and "①" pass str.isdigit() but not int(); the others are beyond an integer column
# (PostgreSQL's integer, then 64 bits) or beyond any column.
ODD_NUMBERS = ["²", "①", str(2**31), str(2**63), "9" * 25]
# Ids in URLs: one past the largest id (PostgreSQL's integer), past 64 bits, and far past.
HUGE_IDS = [numbers.MAX_ID + 1, 2**63, 10**25]


# Pillow warns past 89 million pixels and refuses past twice that.
BOMBS = [png_claiming(10_000, 10_000), png_claiming(30_000, 30_000)]

# A form as the pages send it, so an odd value also reaches the checks after the first.
REAL_FORM = {
    "client_id": "c500-real-form-1",
    "sets": "2",
    "reps": "10",
    "hold_seconds": "5",
    "rest_seconds": "30",
    "times_per_day": "1",
    "side": "both",
    "weekdays": "0",
    "pain": "4",
    "stiffness": "3",
    "stress": "2",
    "pain_during": "3",
    "difficulty": "right",
    "minutes": "45",
    "day": "2099-01-05",
    "start": "10:00",
    "inactivity_days": "3",
    "pain_threshold": "7",
    "slot": "0",
    "kind": "image",
}


@pytest.fixture
def world(session: Session, make: Factory) -> dict[str, int | str]:
    """One of everything the routes can name."""
    therapist = make.therapist(login="t500@test.example")
    patient = make.patient(therapist, login="p500@test.example")
    make.admin(login="a500@test.example")
    today = clock.local_today(patient.timezone)
    program = make.program(patient, today - timedelta(days=3))
    item = programs.current_items(program)[0]
    make.checkin(patient, today, pain=9)
    completion = make.completion(item, today, client_id="c500-abcdef")
    visit = make.visit(patient, utcnow() + timedelta(days=2), therapist=therapist)
    assignment = make.outcome(patient, "psfs")
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
        "message_id": messages.send(
            session, patient, patient, "Is this ache normal?", limits=messages.Limits()
        ).id,
        "reply_id": messages.quick_replies.add(session, therapist, "Ice, then rest.").id,
        "assignment_id": assignment.id,
        "slug": "psfs",
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


def _urls_with_huge_ids(app: Flask, world: dict[str, int | str]) -> list[tuple[str, str]]:
    """Return (method, url) for every route that takes an id, with each id too large."""
    urls = []
    for rule in app.url_map.iter_rules():
        ids = [n for n, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        for name, huge in itertools.product(ids, HUGE_IDS):
            values = {n: world.get(n, "not-a-thing") for n in rule.arguments} | {name: huge}
            url = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                urls.append((method, url))
    assert urls, "no route takes an id?"
    return sorted(set(urls))


def _sign_in_as(client: FlaskClient, session: Session, role: Role | None) -> None:
    logins = {
        Role.PATIENT: "p500@test.example",
        Role.THERAPIST: "t500@test.example",
        Role.ADMIN: "a500@test.example",
    }
    if role is not None:
        user = session.scalar(select(User).where(User.login == logins[role]))
        assert user is not None
        login(client, user)


@pytest.mark.parametrize("role", [None, Role.PATIENT, Role.THERAPIST, Role.ADMIN])
def test_every_route_answers_without_a_server_error(
    app: Flask,
    client: FlaskClient,
    session: Session,
    world: dict[str, int | str],
    role: Role | None,
) -> None:
    _sign_in_as(client, session, role)
    problems = []
    for url in _urls(app, world, "GET"):
        if url == "/logout":
            continue
        for query in ODD_QUERIES:
            response = client.get(url + query)
            if response.status_code >= 500:
                problems.append(f"GET {url}{query}: {response.status_code}")
            # A download (CSV, FHIR, calendar) is kept out of caches like a page.
            if "attachment" in response.headers.get("Content-Disposition", ""):
                if response.headers.get("Cache-Control") != "no-store":
                    problems.append(f"GET {url}{query}: download without no-store")
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


def _answer(client: FlaskClient, method: str, url: str, **kwargs: object) -> str | None:
    """Send one request; return what went wrong, if anything."""
    try:
        response = client.open(url, method=method, **kwargs)  # type: ignore[arg-type]
    except Exception as exc:  # the test app re-raises what would be a server error
        return f"{method} {url}: {type(exc).__name__}: {str(exc)[:120]}"
    status = response.status_code
    response.close()
    if status >= 500:
        return f"{method} {url}: {status}"
    return None


@pytest.mark.parametrize("role", [None, Role.PATIENT, Role.THERAPIST, Role.ADMIN])
def test_odd_numbers_huge_ids_long_ids_and_bombs_never_give_a_server_error(
    app: Flask,
    client: FlaskClient,
    session: Session,
    world: dict[str, int | str],
    role: Role | None,
) -> None:
    _sign_in_as(client, session, role)
    token = csrf_token(client)
    problems: list[str | None] = []
    for url in _urls(app, world, "GET"):
        if url == "/logout":
            continue
        for odd in ODD_NUMBERS[::2]:
            query = "&".join(f"{name}={odd}" for name in NUMBER_QUERIES)
            problems.append(_answer(client, "GET", f"{url}?{query}"))
    headers = {"X-CSRFToken": token}
    # A real form with every number and id odd at once (each check reports its own field,
    # so none hides another), then client ids longer than their column.
    forms: list[dict[str, object]] = [
        {**REAL_FORM, **{name: odd for name in [*NUMBER_FIELDS, *ID_FIELDS]}} for odd in ODD_NUMBERS
    ]
    forms += [{**REAL_FORM, "client_id": "a" * 65}, {**REAL_FORM, "client_id": "a" * 5000}]
    for url in _urls(app, world, "POST"):
        if url == "/logout":
            continue
        for form in forms:
            problems.append(
                _answer(client, "POST", url, data={"csrf_token": token, **form}, headers=headers)
            )
        for bomb in BOMBS:
            data = {"csrf_token": token, "kind": "image", "image": (io.BytesIO(bomb), "bomb.png")}
            problems.append(
                _answer(
                    client,
                    "POST",
                    url,
                    data=data,
                    headers=headers,
                    content_type="multipart/form-data",
                )
            )
    for method, url in _urls_with_huge_ids(app, world):
        kwargs: dict[str, object] = {}
        if method == "POST":
            kwargs = {"data": {"csrf_token": token, **REAL_FORM}, "headers": headers}
        try:
            response = client.open(url, method=method, **kwargs)  # type: ignore[arg-type]
        except Exception as exc:
            problems.append(f"{method} {url}: {type(exc).__name__}")
            continue
        # An id no record can have is simply not found, for everyone.
        if response.status_code != 404:
            problems.append(f"{method} {url}: {response.status_code}, not 404")
        response.close()
    found = [p for p in problems if p]
    assert not found, "\n".join(found)
