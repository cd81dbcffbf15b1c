"""In Chromium: a patient asks about an exercise, the therapist answers; offline, a message
waits and is sent once; a therapist who forgot the password gets back in through email."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from jobs import tasks
from tests.conftest import Factory
from tests.e2e.conftest import PHONE, LiveServer, sign_in, wait_for_controller
from tests.mailserver import MailServer
from webapp.models import Message


def _people(live_server: LiveServer, tag: str) -> tuple[int, str, str]:
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist(name="Maria Lopez", login=f"maria.{tag}@test.example")
        patient = make.patient(therapist, name="Anna Field", login=f"anna.{tag}@test.example")
        return patient.id, str(patient.login), str(therapist.login)


def _messages(live_server: LiveServer, patient_id: int) -> list[str]:
    with live_server.session() as session:
        found = session.scalars(select(Message).where(Message.patient_id == patient_id))
        return [m.body for m in found]


@pytest.fixture
def smtp(live_server: LiveServer) -> Iterator[MailServer]:
    """Point the live server's email at a real SMTP server for one test."""
    config = live_server.app.config
    with MailServer() as server:
        saved = {name: config.get(name) for name in server.config()}
        config.update(server.config())
        yield server
        config.update(saved)


def test_a_patient_asks_about_an_exercise_and_the_therapist_answers(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    patient_id, anna, maria = _people(live_server, "ask")
    with live_server.session() as session:
        chin = Factory(session).exercise("chin-tuck").id
    patient = new_context(viewport=PHONE).new_page()
    sign_in(patient, live_server.url, anna)
    patient.goto(f"{live_server.url}/library/{chin}")
    patient.get_by_role("link", name="Ask about this exercise").click()
    expect(patient.get_by_role("heading", name="Ask about “Chin tuck”")).to_be_visible()
    expect(patient.get_by_text("Your clinic usually answers within 1 working day.")).to_be_visible()
    patient.get_by_label("Your message").fill("My neck aches after this. Is that normal?")
    patient.get_by_role("button", name="Send").click()
    expect(patient.get_by_text("Not read yet")).to_be_visible()

    therapist = new_context().new_page()
    sign_in(therapist, live_server.url, maria)
    expect(therapist.get_by_role("link", name=re.compile(r"Messages 1 unread"))).to_be_visible()
    therapist.goto(f"{live_server.url}/clinic/patients/{patient_id}")
    panel = therapist.locator("#conversation-panel")
    expect(panel.get_by_text("About the exercise “Chin tuck”")).to_be_visible()  # htmx loaded it
    panel.get_by_label("Answer Anna").fill("A mild ache that fades within a day is common.")
    panel.get_by_role("button", name="Send", exact=True).click()
    # The panel is swapped in place: the therapist stays on the patient's page.
    expect(panel.get_by_text("A mild ache that fades within a day is common.")).to_be_visible()
    assert therapist.url.endswith(f"/clinic/patients/{patient_id}")

    patient.reload()
    expect(patient.get_by_text("A mild ache that fades within a day is common.")).to_be_visible()
    expect(patient.get_by_text(re.compile(r"Read by Maria Lopez \("))).to_be_visible()


def test_a_message_written_offline_waits_and_is_sent_once(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    patient_id, anna, _ = _people(live_server, "offline")
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, anna)
    wait_for_controller(page)
    page.goto(f"{live_server.url}/me/messages")
    context.set_offline(True)
    page.get_by_label("Your message").fill("Written on the bus with no signal.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("your message will be sent when you are back online")).to_be_visible()
    assert _messages(live_server, patient_id) == []
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    for _ in range(50):
        if _messages(live_server, patient_id):
            break
        page.wait_for_timeout(100)
    page.reload()
    page.evaluate("() => self.bvOutbox.flush()")
    assert _messages(live_server, patient_id) == ["Written on the bus with no signal."]


def test_a_therapist_who_forgot_the_password_gets_back_in_through_email(
    live_server: LiveServer, new_context: Callable[..., Any], smtp: MailServer
) -> None:
    _, _, maria = _people(live_server, "forgot")
    page = new_context().new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Your email address").fill(maria)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text("If an account uses that address")).to_be_visible()
    with live_server.app.app_context():
        assert tasks.send_due_emails("e2e").sent == 1
    text, _ = smtp.parts(smtp.wait_for(1)[0])
    link = re.search(r"http://\S+/i/[A-Za-z0-9_-]{43}", text)
    assert link
    page.goto(link.group(0))
    page.get_by_label("New password").fill("a-fresh-long-password-9")
    page.get_by_label("Type it again").fill("a-fresh-long-password-9")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
