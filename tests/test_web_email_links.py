"""'Forgot password?' and invites by email: through the real forms, to a real SMTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobs import tasks
from tests.conftest import Factory, login, post_form
from tests.mailserver import MailServer
from webapp.models import Invite, OutboundEmail, utcnow
from webapp.services import weekly_summary

SAME_ANSWER = "If an account uses that address, we have emailed it a link"


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """Run a real SMTP server and point the app's email settings at it."""
    with MailServer() as server:
        for name, value in server.config().items():
            monkeypatch.setitem(app.config, name, value)
        yield server


def _deliver(app: Flask, smtp: MailServer, count: int = 1) -> list[str]:
    with app.app_context():
        tasks.send_due_emails("test")
    return [smtp.parts(m)[0] for m in smtp.wait_for(count)]


def _link(text: str) -> str:
    match = re.search(r"http://[^/\s]+(/i/[A-Za-z0-9_-]{43})", text)
    assert match, text
    return match.group(1)


def _forgot(client: FlaskClient, address: str) -> str:
    response = post_form(client, "/forgot", {"email": address}, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _queued(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(OutboundEmail)) or 0)


def test_the_sign_in_page_offers_forgot_password(client: FlaskClient) -> None:
    assert 'href="/forgot"' in client.get("/login").get_data(as_text=True)


def test_a_therapist_who_forgot_gets_back_in_through_email(
    app: Flask, client: FlaskClient, session: Session, make: Factory, smtp: MailServer
) -> None:
    therapist = make.therapist()
    assert SAME_ANSWER in _forgot(client, therapist.login.upper() + " ")  # type: ignore[union-attr]
    [text] = _deliver(app, smtp)
    assert smtp.received[0]["To"] == therapist.email
    assert "Riverside Massage Therapy" in text and "60 minutes" in text
    link = _link(text)
    assert "Choose a new password" in client.get(link).get_data(as_text=True)
    new = "a-brand-new-long-password"
    response = post_form(client, link, {"password": new, "confirm": new})
    assert response.status_code == 303
    assert client.get("/clinic/").status_code == 200  # signed in, on their own page
    assert post_form(client, link, {"password": new, "confirm": new}).status_code == 410
    client.post("/logout")
    login(client, therapist, new)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    client: FlaskClient, session: Session, make: Factory, smtp: MailServer
) -> None:
    make.patient(login="ben.h")  # signs in with a name, has no email
    assert SAME_ANSWER in _forgot(client, "nobody@example.org")
    assert SAME_ANSWER in _forgot(client, "ben.h")
    assert _queued(session) == 0


def test_asking_twice_sends_one_email_and_the_link_expires(
    app: Flask, client: FlaskClient, session: Session, make: Factory, smtp: MailServer
) -> None:
    patient = make.patient(make.therapist())
    _forgot(client, patient.email or "")
    _forgot(client, patient.email or "")
    assert _queued(session) == 1
    link = _link(_deliver(app, smtp)[0])
    invite = session.scalars(select(Invite).where(Invite.user_id == patient.id)).one()
    assert invite.expires_at - invite.created_at == timedelta(minutes=60)
    invite.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert client.get(link).status_code == 410


def test_forgot_password_is_rate_limited_per_address(
    client: FlaskClient, session: Session, smtp: MailServer
) -> None:
    for n in range(5):
        _forgot(client, f"someone{n}@example.org")
    response = post_form(client, "/forgot", {"email": "x@example.org"})
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_without_email_the_page_says_so_and_nothing_is_queued(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    page = client.get("/forgot").get_data(as_text=True)
    assert "This clinic does not send email" in page and "<form" not in page.split("<main")[-1]
    assert "does not send email" in _forgot(client, therapist.email or "")
    assert _queued(session) == 0


def test_a_blank_address_is_answered_next_to_the_field(
    client: FlaskClient, smtp: MailServer
) -> None:
    response = post_form(client, "/forgot", {"email": ""})
    assert response.status_code == 422
    assert "Please enter your email address." in response.get_data(as_text=True)


def _add_patient(client: FlaskClient, email: str) -> str:
    data = {"name": "Anna Field", "email": email, "timezone": "Europe/London"}
    response = post_form(client, "/clinic/patients/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return str(response.headers["Location"])


def test_an_invite_goes_by_email_instead_of_the_qr_code(
    app: Flask, client: FlaskClient, session: Session, make: Factory, smtp: MailServer
) -> None:
    therapist = make.therapist()
    login(client, therapist)
    invite_page = _add_patient(client, "anna.f@example.org")
    assert "Email the link to anna.f@example.org" in client.get(invite_page).get_data(as_text=True)
    page = post_form(client, invite_page + "/email", follow_redirects=True).get_data(as_text=True)
    assert "The link is on its way to anna.f@example.org." in page
    again = post_form(client, invite_page + "/email", follow_redirects=True)
    assert "already sent by email" in again.get_data(as_text=True)
    [text] = _deliver(app, smtp)
    shown = re.search(r'value="http://[^/"]+(/i/[^"]+)"', page)
    assert shown and _link(text) == shown.group(1)  # the same link as the QR code
    client.post("/logout")
    assert "Welcome, Anna" in client.get(_link(text)).get_data(as_text=True)


def test_invites_by_email_only_for_the_patients_own_therapist(
    client: FlaskClient, session: Session, make: Factory, smtp: MailServer
) -> None:
    patient = make.patient(make.therapist())
    login(client, make.therapist())
    assert post_form(client, f"/clinic/patients/{patient.id}/invite/email").status_code == 404
    assert _queued(session) == 0


def test_without_email_the_invite_page_says_so(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    login(client, make.therapist())
    invite_page = _add_patient(client, "carl@example.org")
    page = client.get(invite_page).get_data(as_text=True)
    assert "Email is off at this clinic" in page and "Email the link" not in page
    answer = post_form(client, invite_page + "/email", follow_redirects=True)
    assert "Email is off at this clinic" in answer.get_data(as_text=True)
    assert _queued(session) == 0


def test_the_admin_home_says_when_email_is_off(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, make.admin())
    assert "Email is off" in client.get("/admin/").get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    monkeypatch.setitem(app.config, "MAIL_FROM", "clinic@example.org")
    assert "Email is off" not in client.get("/admin/").get_data(as_text=True)


def test_a_therapist_turns_the_weekly_summary_off_and_on_in_settings(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    login(client, therapist)
    page = client.get("/clinic/settings").get_data(as_text=True)
    assert 'name="weekly_summary" checked' in page
    assert "Email is off at this clinic, so no summary is sent." in page
    answer = post_form(client, "/clinic/settings/summary", {}, follow_redirects=True)
    assert "The weekly summary is off." in answer.get_data(as_text=True)
    assert not weekly_summary.wants_summary(session, therapist)
    post_form(client, "/clinic/settings/summary", {"weekly_summary": "on"})
    assert weekly_summary.wants_summary(session, therapist)
