"""Shared set-up for the benchmarks: a throwaway app, history, timing helpers."""

from __future__ import annotations

import gzip
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from webapp import create_app
from webapp.extensions import db
from webapp.models import CheckIn, Completion, Program, ProgramTemplate, User
from webapp.services import clock, library, passwords, programs

PASSWORD = "benchmark-password-1"


def make_app(database_url: str | None = None, **extra: Any) -> Flask:
    """Create an app on a fresh database (SQLite in a temp folder unless a URL is given)."""
    from flask_migrate import upgrade

    folder = Path(tempfile.mkdtemp(prefix="bv-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder / 'bench.db'}",
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "LOGIN_RATE_LIMIT": "1000 per second",
            "ARGON2_COST": (1, 1024),
            # The benchmarks measure pages, not the sign-in: staff sign in with a password.
            "STAFF_TWO_FACTOR": "off",
            **extra,
        }
    )
    with app.app_context():
        upgrade()
        library.sync_builtin(db.session)
        db.session.commit()
    passwords.configure(time_cost=1, memory_cost_kib=1024)
    return app


def patient_with_history(
    session: Any, therapist: User, login: str, days: int, language: str | None = None
) -> User:
    """Create a patient with the low-back template assigned ``days`` ago and a full history."""
    from webapp.models import Role

    patient = User(
        role=Role.PATIENT,
        login=login,
        email=None,
        display_name="Bench Patient",
        timezone="Europe/London",
        language=language,
        password_hash=passwords.hash_password(PASSWORD),
    )
    session.add(patient)
    session.flush()
    from webapp.services import care

    care.link(session, therapist, patient)
    today = clock.local_today(patient.timezone)
    template = session.scalar(
        select(ProgramTemplate).where(ProgramTemplate.slug == "low-back-pain")
    )
    program: Program = programs.create_program(
        session, therapist, patient, today=today, template=template
    )
    programs.assign(session, therapist, program, today=today)
    start = today - timedelta(days=days)
    program.start_date = start
    items = programs.current_items(program)
    rows: list[Any] = []
    for offset in range(days):
        day: date = start + timedelta(days=offset)
        rows.append(
            CheckIn(
                patient_id=patient.id,
                local_date=day,
                pain=3 + offset % 4,
                regions=["lower_back"],
                warning_signs=[],
            )
        )
        for item in items:
            for slot in range(item.times_per_day):
                if (offset + slot) % 5:
                    rows.append(
                        Completion(
                            client_id=f"b-{patient.id}-{day}-{item.id}-{slot}",
                            patient_id=patient.id,
                            program_item_id=item.id,
                            lineage=item.lineage,
                            exercise_id=item.exercise_id,
                            local_date=day,
                            slot=slot,
                        )
                    )
    session.add_all(rows)
    session.flush()
    _questionnaires(session, therapist, patient, start, days)
    return patient


def _questionnaires(session: Any, therapist: User, patient: User, start: date, days: int) -> None:
    """Give the patient PSFS and PEG every two weeks, answered but for the latest (due today)."""
    from webapp.models import OutcomeAnswer, OutcomeAssignment, OutcomeResponse

    for slug, keys in (
        ("psfs", ["activity-1", "activity-2", "activity-3"]),
        ("peg", ["p", "e", "g"]),
    ):
        assignment = OutcomeAssignment(
            patient_id=patient.id,
            instrument=slug,
            assigned_by_id=therapist.id,
            starts_on=start,
            every_weeks=2,
            activities=["Climbing stairs", "Gardening", "Sitting at work"]
            if slug == "psfs"
            else [],
        )
        session.add(assignment)
        session.flush()
        for offset in range(0, days - 14, 14):
            day = start + timedelta(days=offset)
            values = [min(10, 3 + offset // 14 + n) for n in range(3)]
            session.add(
                OutcomeResponse(
                    assignment_id=assignment.id,
                    patient_id=patient.id,
                    instrument=slug,
                    occasion_on=day,
                    occasion="start" if offset == 0 else "interval",
                    status="complete",
                    local_date=day,
                    score=sum(values) / 3,
                    answers=[
                        OutcomeAnswer(item_key=key, value=value)
                        for key, value in zip(keys, values, strict=True)
                    ],
                )
            )
    session.flush()


def sign_in(app: Flask, login: str) -> Any:
    """Return a test client signed in through the real form."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    response = client.post(
        "/login", data={"csrf_token": token.group(1), "login": login, "password": PASSWORD}
    )
    assert response.status_code == 303, response.status_code
    return client


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Count SQL statements run inside the block."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def timings(fn: Callable[[], Any], runs: int, warmup: int = 20) -> list[float]:
    """Return the wall time of each run in milliseconds, after a warm-up."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def median_p95(samples: list[float]) -> tuple[float, float]:
    """Return the median and the 95th percentile."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def gzip_size(data: bytes) -> int:
    """Return the size of data compressed as a web server would (gzip level 6)."""
    return len(gzip.compress(data, compresslevel=6))
