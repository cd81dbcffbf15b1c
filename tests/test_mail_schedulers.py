"""Two schedulers on PostgreSQL share the email outbox: nothing lost, nothing sent twice."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from jobs import tasks
from tests.conftest import DEFAULT_PG_URL
from tests.fleet import fresh_postgres, migrated_app
from tests.mailserver import MailServer
from webapp.extensions import db
from webapp.models import OutboundEmail, utcnow
from webapp.services import mail

pytestmark = pytest.mark.postgres_only

COUNT = 40


@pytest.fixture
def database() -> Iterator[str]:
    """A committed PostgreSQL database of its own (two sessions cannot share a rollback)."""
    with fresh_postgres(os.environ.get("DATABASE_URL_TEST") or DEFAULT_PG_URL, "bv_mail") as url:
        yield url


def test_two_schedulers_send_every_email_exactly_once(database: str, tmp_path: Path) -> None:
    with MailServer() as smtp:
        app = migrated_app(database, tmp_path / "instance", **smtp.config())
        with app.app_context():
            for n in range(COUNT):
                email = mail.Email(f"Email {n}", f"Body {n}", f"<p>Body {n}</p>")
                mail.queue(db.session, email, key=f"k{n}", kind="test", to=f"p{n}@example.org")
            db.session.commit()
        smtp.fail(451, times=5)  # a few tries fail, and are retried later

        def scheduler(name: str) -> None:
            with app.app_context():
                for _ in range(30):
                    if not tasks.send_due_emails(name).claimed and len(smtp.received) >= COUNT - 5:
                        break

        threads = [threading.Thread(target=scheduler, args=(f"s{n}",)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        with app.app_context():
            # The five refused ones wait for their backoff; make them due and send them.
            db.session.execute(
                update(OutboundEmail)
                .where(OutboundEmail.status == "pending")
                .values(next_attempt_at=utcnow())
            )
            db.session.commit()
            tasks.send_due_emails("s0")
            db.engine.dispose()
        subjects = Counter(str(m["Subject"]) for m in smtp.received)
        assert len(subjects) == COUNT and set(subjects.values()) == {1}
