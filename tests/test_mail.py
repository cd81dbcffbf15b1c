"""Email: queued by the app, sent by the scheduler's job to a real SMTP server, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs import tasks
from tests.conftest import Factory
from tests.mailserver import MailServer
from webapp.models import Invite, OutboundEmail, Role, utcnow
from webapp.services import invites, mail, weekly_summary
from webapp.services.mail import outbox, wording


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """Run a real SMTP server and point the app's email settings at it."""
    with MailServer() as server:
        for name, value in server.config().items():
            monkeypatch.setitem(app.config, name, value)
        yield server


def _send(app: Flask) -> mail.MailReport:
    with app.app_context():
        return tasks.send_due_emails("test-owner")


def _queue(session: Session, make: Factory, key: str = "hello") -> OutboundEmail:
    person = make.patient()
    email = mail.Email("Hello", "Plain words", "<p>Plain words</p>")
    row = mail.queue(session, email, key=key, kind="test", to="anna@example.org", user=person)
    assert row is not None
    return row


def test_a_queued_email_is_sent_once_with_a_text_and_an_html_part(
    app: Flask, session: Session, make: Factory, smtp: MailServer
) -> None:
    row = _queue(session, make)
    assert (
        mail.queue(session, mail.Email("x", "y", "z"), key="hello", kind="test", to="a@b.c") is None
    )
    assert _send(app).sent == 1
    assert _send(app).claimed == 0
    [message] = smtp.wait_for(1)
    assert message["To"] == "anna@example.org"
    assert message["From"] == "Riverside Massage Therapy <clinic@riverside.example>"
    assert smtp.parts(message)[0].strip() == "Plain words"
    assert "<p>Plain words</p>" in smtp.parts(message)[1]
    session.refresh(row)
    assert (row.status, row.attempts) == ("sent", 1)


def test_an_smtp_server_that_says_try_later_is_tried_again_with_backoff(
    app: Flask, session: Session, make: Factory, smtp: MailServer
) -> None:
    row = _queue(session, make)
    smtp.fail(451)
    report = _send(app)
    assert (report.sent, report.retried) == (0, 1)
    session.refresh(row)
    assert row.status == "pending" and row.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert "451" in row.last_error
    assert _send(app).claimed == 0  # not due yet
    row.next_attempt_at = utcnow()
    session.commit()
    assert _send(app).sent == 1
    assert len(smtp.wait_for(1)) == 1


def test_a_refused_address_fails_for_good(
    app: Flask, session: Session, make: Factory, smtp: MailServer
) -> None:
    row = _queue(session, make)
    smtp.fail(550)
    assert _send(app).failed == 1
    session.refresh(row)
    assert row.status == "failed"


def test_an_unreachable_server_keeps_the_email_for_later(
    app: Flask, session: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = MailServer()  # never started: nothing listens on its port
    for name, value in server.config().items():
        monkeypatch.setitem(app.config, name, value)
    row = _queue(session, make)
    assert _send(app).retried == 1
    session.refresh(row)
    assert row.status == "pending" and row.attempts == 1


def test_out_of_tries_the_email_fails(
    app: Flask, session: Session, make: Factory, smtp: MailServer
) -> None:
    row = _queue(session, make)
    row.attempts = outbox.MAX_ATTEMPTS - 1
    session.commit()
    smtp.fail(451)
    assert _send(app).failed == 1
    session.refresh(row)
    assert row.status == "failed"


def test_without_smtp_settings_email_is_off_and_nothing_is_sent(
    app: Flask, session: Session, make: Factory
) -> None:
    assert not mail.mail_enabled(app.config)
    row = _queue(session, make)
    assert _send(app).claimed == 0
    session.refresh(row)
    assert row.status == "pending"


def test_a_link_is_rebuilt_when_the_email_goes_out_and_never_stored(
    app: Flask, session: Session, make: Factory, smtp: MailServer
) -> None:
    person = make.patient(password=None)
    key = invites.link_key_from_secret(app.config["SECRET_KEY"])
    token = invites.issue(session, person, created_by=None, link_key=key)
    invite = session.scalars(select(Invite).where(Invite.user_id == person.id)).one()
    email = wording.invite(person, "Riverside Massage Therapy", 7)
    row = mail.queue(session, email, key="inv", kind="invite", to="p@example.org", invite=invite)
    assert row is not None and token not in row.text_body + row.html_body
    assert _send(app).sent == 1
    text, html = smtp.parts(smtp.wait_for(1)[0])
    assert f"/i/{token}" in text and f'href="http://127.0.0.1:5000/i/{token}"' in html


def test_an_email_whose_link_was_used_meanwhile_is_not_sent(
    app: Flask, session: Session, make: Factory, smtp: MailServer
) -> None:
    person = make.patient(password=None)
    key = invites.link_key_from_secret(app.config["SECRET_KEY"])
    invites.issue(session, person, created_by=None, link_key=key)
    invite = session.scalars(select(Invite).where(Invite.user_id == person.id)).one()
    email = wording.invite(person, "Riverside Massage Therapy", 7)
    row = mail.queue(session, email, key="inv", kind="invite", to="p@example.org", invite=invite)
    invites.mark_used(session, invite)
    session.commit()
    assert _send(app).skipped == 1
    assert smtp.received == []
    assert row is not None
    session.refresh(row)
    assert row.status == "skipped"


def test_the_weekly_summary_counts_and_links_and_unsubscribes_in_one_click(
    app: Flask, session: Session, make: Factory, smtp: MailServer
) -> None:
    maria, quiet = make.therapist(), make.therapist()
    anna = make.patient(maria, name="Anna Secretname")
    make.alert(anna, "pain_high", detail="Pain 9/10")
    make.user(Role.THERAPIST, active=False)
    weekly_summary.set_summary(session, quiet, False)
    with app.app_context():
        assert tasks.weekly_summaries() == 1
        assert tasks.weekly_summaries() == 0  # once a week, however many schedulers
        tasks.send_due_emails("t")
    [email] = smtp.wait_for(1)
    assert email["To"] == maria.email
    text, html = smtp.parts(email)
    assert "1 of your patients need your attention, 1 alerts are open" in text
    assert "Secretname" not in text + html and "9/10" not in text + html
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(email["List-Unsubscribe"]).strip("<>")
    path = link.removeprefix("http://127.0.0.1:5000")
    client = app.test_client()
    assert client.get(path).status_code == 200
    assert weekly_summary.wants_summary(session, maria)  # a GET changes nothing
    # What a mail program does: POST without a session or a CSRF token.
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert not weekly_summary.wants_summary(session, maria)
    assert client.post(path[:-3] + "xyz").status_code == 404


def test_housekeeping_forgets_finished_emails_after_30_days(
    app: Flask, session: Session, make: Factory
) -> None:
    old, recent, waiting = (_queue(session, make, key) for key in ("old", "recent", "waiting"))
    old.status = recent.status = "sent"
    old.created_at = waiting.created_at = utcnow() - timedelta(days=31)
    session.commit()
    with app.app_context():
        tasks.housekeeping()
    keys = set(session.scalars(select(OutboundEmail.key)))
    assert keys == {"recent", "waiting"}
