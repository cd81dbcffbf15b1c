"""A new message is pushed through the reminder path with no health detail, then emailed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs import tasks
from tests import test_services_reminders as reminder_tests
from tests.conftest import Factory, local
from tests.mailserver import MailServer
from tests.pushservice import PushService
from tests.test_services_reminders import run, subscribe
from webapp.models import ReminderOccurrence, ReminderSettings, User
from webapp.push import PushSender
from webapp.services import care, messages

# The local push service and the app's real sender, shared with the reminder tests.
push_service = reminder_tests.push_service
pushes = reminder_tests.pushes
sender = reminder_tests.sender

SECRET = "My knee swelled up after the squats and I took two painkillers"


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """Run a real SMTP server and point the app's email settings at it."""
    with MailServer() as server:
        for name, value in server.config().items():
            monkeypatch.setitem(app.config, name, value)
        yield server


def _team(make: Factory) -> tuple[User, User, User]:
    maria, james = make.therapist(), make.therapist()
    anna = make.patient(maria, timezone="Europe/London")
    care.link(make.session, james, anna)
    return anna, maria, james


def _notices(session: Session, message_id: int) -> list[ReminderOccurrence]:
    return list(
        session.scalars(
            select(ReminderOccurrence)
            .where(ReminderOccurrence.message_id == message_id)
            .order_by(ReminderOccurrence.user_id)
        )
    )


def test_a_patients_message_is_pushed_to_each_therapist_without_its_text(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    anna, maria, james = _team(make)
    subscribe(session, pushes, maria, "maria-phone")
    now = local("Europe/London", 2026, 3, 10, 14, 0)
    message = messages.send(session, anna, anna, SECRET, limits=messages.Limits(), now=now)
    assert [o.user_id for o in _notices(session, message.id)] == sorted([maria.id, james.id])
    report = run(session, sender, app, now)
    assert (report.sent, report.inapp) == (1, 1)  # James has no device: in the app, then email
    assert pushes.wait_for(1, 5)
    [delivery] = pushes.deliveries
    notification = delivery.payload["notification"]
    assert notification["title"] == "New message from Riverside Massage Therapy"
    assert notification["navigate"].endswith("/clinic/messages")
    text = json.dumps(delivery.payload)
    assert "knee" not in text and "painkillers" not in text and anna.display_name not in text


def test_an_answer_waits_for_the_end_of_the_patients_quiet_hours(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    anna, maria, _ = _team(make)
    session.add(ReminderSettings(patient_id=anna.id, quiet_start="22:00", quiet_end="07:00"))
    subscribe(session, pushes, anna, "anna-phone")
    late = local("Europe/London", 2026, 3, 10, 23, 15)
    message = messages.send(
        session, maria, anna, "Rest tonight.", limits=messages.Limits(), now=late
    )
    [notice] = _notices(session, message.id)
    assert notice.due_at == local("Europe/London", 2026, 3, 11, 7, 0)
    assert run(session, sender, app, late).claimed == 0
    report = run(session, sender, app, local("Europe/London", 2026, 3, 11, 7, 0, 5))
    assert report.sent == 1
    assert pushes.wait_for(1, 5)
    assert pushes.deliveries[0].payload["notification"]["navigate"].endswith("/me/messages")


def test_a_message_read_or_taken_back_before_its_push_is_not_pushed(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    anna, maria, _ = _team(make)
    subscribe(session, pushes, anna, "anna-phone")
    now = local("Europe/London", 2026, 3, 10, 14, 0)
    message = messages.send(session, maria, anna, "Call me.", limits=messages.Limits(), now=now)
    messages.take_back(session, maria, message.id, now=now)
    assert run(session, sender, app, now).skipped == 1
    assert pushes.deliveries == []


def test_no_device_means_an_email_with_a_link_and_unread_means_one_later(
    app: Flask, session: Session, make: Factory, smtp: MailServer
) -> None:
    anna, maria, james = _team(make)
    message = messages.send(session, anna, anna, SECRET, limits=messages.Limits())
    for notice in _notices(session, message.id):
        notice.status = "inapp" if notice.user_id == maria.id else "sent"
    session.commit()
    with app.app_context():
        assert tasks.email_unread_messages() == 1  # Maria: no device; James: not yet
        assert tasks.email_unread_messages() == 0  # once
        tasks.send_due_emails("t")
    [email] = smtp.wait_for(1)
    assert email["To"] == maria.email
    assert email["Subject"] == "New message from Riverside Massage Therapy"
    text, html = smtp.parts(email)
    assert "/clinic/messages" in text and "knee" not in text + html and "painkillers" not in html
    # James read it in time: no email for him even after the wait.
    messages.show(session, james, anna)
    for notice in _notices(session, message.id):
        notice.due_at -= timedelta(hours=2)
    session.commit()
    with app.app_context():
        assert tasks.email_unread_messages() == 0


def test_without_email_no_message_email_is_queued(
    app: Flask, session: Session, make: Factory
) -> None:
    anna, maria, _ = _team(make)
    message = messages.send(session, anna, anna, "hi", limits=messages.Limits())
    for notice in _notices(session, message.id):
        notice.status = "inapp"
    session.commit()
    with app.app_context():
        assert tasks.email_unread_messages() == 0
