"""Staff sessions end by themselves (idle 30 minutes, 12 hours at most); patients' do not."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Factory, login
from webapp.config import load_settings
from webapp.services.twofactor import Policy
from webapp.web import sessions

PATIENT_NAME = "Zelda Quintero"
MINUTE = 60.0


class Clock:
    """The sessions' clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * MINUTE


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Replace the clock staff sessions are timed by."""
    fake = Clock()
    monkeypatch.setattr(sessions, "now", fake)
    return fake


@pytest.fixture
def therapist_signed_in(client: FlaskClient, make: Factory, clock: Clock) -> FlaskClient:
    """Sign in a therapist who cares for a patient the clinic page names."""
    therapist = make.therapist()
    make.patient(therapist=therapist, name=PATIENT_NAME)
    login(client, therapist)
    assert PATIENT_NAME in client.get("/clinic/").get_data(as_text=True)
    return client


def test_a_staff_session_ends_after_30_idle_minutes(
    therapist_signed_in: FlaskClient, clock: Clock
) -> None:
    client = therapist_signed_in
    # Each request counts as activity: 29 minutes, twice, is never 30 without one.
    for _ in range(2):
        clock.advance(29)
        assert client.get("/clinic/").status_code == 200
    clock.advance(31)
    response = client.get("/clinic/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/clinic/"
    assert response.headers["Cache-Control"] == "no-store"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after 30 minutes without activity." in page
    assert PATIENT_NAME not in page
    # Over for good: the clock going back (or the back button) brings nothing back.
    clock.advance(-60)
    assert client.get("/clinic/").status_code == 302


def test_an_htmx_request_after_the_idle_time_is_sent_to_sign_in(
    therapist_signed_in: FlaskClient, clock: Clock
) -> None:
    clock.advance(31)
    response = therapist_signed_in.get(
        "/clinic/?q=zel", headers={"HX-Request": "true", "HX-Current-URL": "/clinic/"}
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"
    assert PATIENT_NAME not in response.get_data(as_text=True)


def test_a_staff_session_ends_after_12_hours_however_busy(
    therapist_signed_in: FlaskClient, clock: Clock
) -> None:
    client = therapist_signed_in
    for _ in range(35):  # 11 h 40 min of work, a request every 20 minutes
        clock.advance(20)
        assert client.get("/clinic/").status_code == 200
    clock.advance(21)
    response = client.get("/clinic/")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12 hours after signing in" in page


def test_the_idle_time_is_a_setting(
    app: Flask, therapist_signed_in: FlaskClient, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "STAFF_IDLE_TIMEOUT", timedelta(minutes=5))
    clock.advance(4)
    assert therapist_signed_in.get("/clinic/").status_code == 200
    clock.advance(6)
    assert therapist_signed_in.get("/clinic/").status_code == 303


def test_requests_the_browser_makes_alone_do_not_keep_it_open(
    therapist_signed_in: FlaskClient, clock: Clock
) -> None:
    for _ in range(4):
        clock.advance(10)
        therapist_signed_in.get("/sw.js")
        therapist_signed_in.get("/manifest.webmanifest")
    assert therapist_signed_in.get("/clinic/").status_code == 303


def test_staff_pages_carry_the_timer_and_patients_pages_do_not(
    client: FlaskClient, make: Factory, clock: Clock
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist=therapist)
    login(client, therapist)
    page = client.get("/clinic/")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert '<meta name="bv-idle" content="1800" data-sign-in="/login">' in html
    assert "js/idle.js" in html
    client.post("/logout", data={"csrf_token": _token(html)})
    login(client, patient)
    html = client.get("/me/").get_data(as_text=True)
    assert "bv-idle" not in html and "js/idle.js" not in html


def _token(html: str) -> str:
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def test_patients_stay_signed_in(client: FlaskClient, make: Factory, clock: Clock) -> None:
    patient = make.patient(therapist=make.therapist())
    login(client, patient)
    clock.advance(3 * 24 * 60)
    assert client.get("/me/").status_code == 200


def test_an_admin_session_ends_too(client: FlaskClient, make: Factory, clock: Clock) -> None:
    login(client, make.admin())
    clock.advance(31)
    assert client.get("/admin/audit").status_code == 303


def test_the_settings_are_read_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFF_IDLE_MINUTES", "15")
    monkeypatch.setenv("STAFF_MAX_HOURS", "8")
    monkeypatch.setenv("STAFF_TWO_FACTOR", "Admins")
    settings = load_settings(tmp_path)
    assert settings["STAFF_IDLE_TIMEOUT"] == timedelta(minutes=15)
    assert settings["STAFF_SESSION_MAX"] == timedelta(hours=8)
    assert settings["STAFF_TWO_FACTOR"] is Policy.ADMINS
    for name, bad in (("STAFF_IDLE_MINUTES", "0"), ("STAFF_TWO_FACTOR", "sometimes")):
        monkeypatch.setenv(name, bad)
        with pytest.raises(RuntimeError, match=name):
            load_settings(tmp_path)
        monkeypatch.delenv(name)
