"""Two real scheduler processes on PostgreSQL share the work; one is killed mid-batch."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import DEFAULT_PG_URL
from tests.fleet import (
    fresh_postgres,
    migrated_app,
    scheduler_env,
    seed_due_reminders,
    start_scheduler,
)
from tests.pushservice import PushService
from webapp.extensions import db, push_gateway
from webapp.models import ReminderOccurrence, utcnow

pytestmark = pytest.mark.postgres_only

COUNT = 600


@pytest.fixture
def database() -> Iterator[str]:
    """A committed PostgreSQL database of its own (these processes cannot share a rollback)."""
    with fresh_postgres(os.environ.get("DATABASE_URL_TEST") or DEFAULT_PG_URL, "bv_fleet") as url:
        yield url


def _statuses(app: object) -> Counter[str]:
    with app.app_context():  # type: ignore[attr-defined]
        rows = db.session.scalars(select(ReminderOccurrence.status)).all()
        db.session.rollback()
    return Counter(rows)


def test_two_schedulers_one_killed_mid_batch(database: str, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    app = migrated_app(database, instance)
    with app.app_context():
        assert push_gateway(app).public_key  # made once, before the processes share it
    with PushService(delay_ms=150) as pushes:
        subscriptions = [pushes.subscribe(f"p{n}") for n in range(COUNT)]
        keys = seed_due_reminders(app, subscriptions, utcnow() - timedelta(seconds=1))
        env = scheduler_env(
            database,
            instance,
            REMINDER_BATCH="50",
            REMINDER_LEASE_SECONDS="4",
            PUSH_WORKERS="16",
            PUSH_TIMEOUT_SECONDS="5",
        )
        victim = start_scheduler(env, tmp_path / "victim.log")
        survivor = start_scheduler(env, tmp_path / "survivor.log")
        try:
            # Let both get going, then kill one while its batch is in flight.
            assert pushes.wait_for(COUNT // 4, 60), (tmp_path / "victim.log").read_text()
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                statuses = _statuses(app)
                if statuses.get("sent", 0) == COUNT:
                    break
                time.sleep(0.5)
            assert _statuses(app) == Counter({"sent": COUNT}), (
                tmp_path / "survivor.log"
            ).read_text()[-3000:]
        finally:
            for process in (victim, survivor):
                if process.poll() is None:
                    process.terminate()
                    process.wait(15)
        time.sleep(0.3)
        topics = Counter(d.topic for d in pushes.deliveries)
        # Every reminder arrived...
        assert set(topics) == set(keys)
        # ...and the only ones that arrived twice were in flight in the killed process:
        # claimed again after its lease ran out, and sent with the same Topic.
        twice = {topic for topic, count in topics.items() if count > 1}
        with app.app_context():
            reclaimed = set(
                db.session.scalars(
                    select(ReminderOccurrence.key).where(ReminderOccurrence.attempts > 1)
                )
            )
        assert reclaimed, "the killed process had nothing in flight: the test proved nothing"
        assert twice <= reclaimed
        assert len(twice) <= 50  # at most one batch of the killed process
        assert max(topics.values()) <= 2
    with app.app_context():
        db.engine.dispose()
