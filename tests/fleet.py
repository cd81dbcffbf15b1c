"""Helpers to run real scheduler processes against a real database (tests and benchmarks)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from webapp.extensions import db
from webapp.models import PushSubscription, ReminderOccurrence, Role, User

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def fresh_postgres(base_url: str, prefix: str) -> Iterator[str]:
    """Create an empty PostgreSQL database for one run; drop it afterwards."""
    target = make_url(base_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield target.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def migrated_app(database_url: str, instance: Path, **extra: Any) -> Flask:
    """Create an app on the database and build its schema through the migrations."""
    from flask_migrate import upgrade

    from webapp import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "fleet-secret",
            **extra,
        }
    )
    with app.app_context():
        upgrade()
    return app


def seed_due_reminders(
    app: Flask, subscriptions: list[dict[str, Any]], due_at: datetime
) -> list[str]:
    """Create one patient, one device and one due test reminder per subscription.

    Returns the reminders' keys (each is also the Topic the push service sees).
    """
    keys = []
    with app.app_context():
        session = db.session
        users = [
            {
                "role": Role.PATIENT,
                "login": f"fleet-{n}",
                "email": None,
                "display_name": f"Patient {n}",
                "timezone": "Europe/London",
                "session_token": secrets.token_hex(16),
                "is_active": True,
                "created_at": due_at,
            }
            for n in range(len(subscriptions))
        ]
        ids = session.execute(insert(User).returning(User.id), users).scalars().all()
        session.execute(
            insert(PushSubscription),
            [
                {
                    "user_id": user_id,
                    "endpoint": sub["endpoint"],
                    "p256dh": sub["keys"]["p256dh"],
                    "auth": sub["keys"]["auth"],
                    "user_agent": "fleet",
                    "created_at": due_at,
                }
                for user_id, sub in zip(ids, subscriptions, strict=True)
            ],
        )
        rows = []
        for n, user_id in enumerate(ids):
            key = f"t{n}-fleet"
            keys.append(key)
            rows.append(
                {
                    "key": key,
                    "user_id": user_id,
                    "kind": "test",
                    "local_date": due_at.date(),
                    "due_at": due_at,
                    "next_attempt_at": due_at,
                    "status": "pending",
                    "attempts": 0,
                    "skip_reason": "",
                    "last_error": "",
                    "delivered_to": [],
                    "created_at": due_at,
                }
            )
        session.execute(insert(ReminderOccurrence), rows)
        session.commit()
    return keys


def scheduler_env(database_url: str, instance: Path, **settings: str) -> dict[str, str]:
    """Return the environment of a ``python -m jobs`` process for this database."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "fleet-secret",
            "PUBLIC_BASE_URL": "https://clinic.example",
            "VAPID_SUBJECT": "mailto:ops@clinic.example",
            "SCHEDULER_TICK_SECONDS": "1",
            # The local push service listens on loopback, which real deployments refuse.
            "PUSH_ALLOW_HTTP_LOOPBACK": "true",
            **settings,
        }
    )
    return env


def start_scheduler(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``python -m jobs`` (the real scheduler process), logging to a file."""
    with log_path.open("wb") as log:  # the child keeps its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-m", "jobs"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
