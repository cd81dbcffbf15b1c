"""Shared fixtures: the app on SQLite or PostgreSQL, rolled-back sessions, factories, login.

Run on SQLite (default) or PostgreSQL with ``pytest --db=postgresql``. PostgreSQL comes from
``DATABASE_URL_TEST`` or the local server at 127.0.0.1:5432; when it is not there the
PostgreSQL pass is skipped with the reason printed, except under ``CI=true`` where a
missing PostgreSQL fails the run.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from webapp import create_app
from webapp.extensions import db, limiter
from webapp.models import (
    Alert,
    Appointment,
    CheckIn,
    Completion,
    Exercise,
    OutcomeAnswer,
    OutcomeAssignment,
    OutcomeResponse,
    Program,
    ProgramItem,
    Role,
    User,
)
from webapp.services import care, clock, dose, library, passwords, programs
from webapp.services.twofactor import Policy

IN_CI = os.environ.get("CI", "").lower() == "true"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/between_visits_test"
PASSWORD = "a-good-long-test-password"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --db to choose the database the suite runs on."""
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default="sqlite",
        help="database backend for this run (default: sqlite)",
    )


def _postgres_url() -> str:
    return os.environ.get("DATABASE_URL_TEST") or DEFAULT_PG_URL


def _prepare_postgres(url: str) -> str | None:
    """Create a fresh test database; return why not when the server is unreachable."""
    target = make_url(url)
    admin = create_engine(
        target.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )
    try:
        with admin.connect() as conn:
            name = target.database
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any connection failure means "PostgreSQL is not available"
        return (
            f"PostgreSQL is not reachable at {target.render_as_string()}: {exc.__class__.__name__}"
        )
    finally:
        admin.dispose()
    return None


def pytest_configure(config: pytest.Config) -> None:
    """Decide the database for this run, once."""
    backend = config.getoption("--db")
    config.stash[_BACKEND] = backend
    config.stash[_SKIP_REASON] = None
    if backend == "postgresql":
        url = _postgres_url()
        problem = _prepare_postgres(url)
        if problem and IN_CI:
            raise pytest.UsageError(f"CI=true and {problem}: the PostgreSQL pass must run in CI.")
        config.stash[_SKIP_REASON] = problem
        config.stash[_DB_URL] = url


_BACKEND = pytest.StashKey[str]()
_SKIP_REASON = pytest.StashKey[str | None]()
_DB_URL = pytest.StashKey[str]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip (with the reason shown) what this backend cannot run."""
    reason = config.stash[_SKIP_REASON]
    backend = config.stash[_BACKEND]
    for item in items:
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"{reason} (PostgreSQL pass skipped)"))
        elif backend != "postgresql" and item.get_closest_marker("postgres_only"):
            item.add_marker(
                pytest.mark.skip(reason="runs in the PostgreSQL pass (make test runs both)")
            )


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database this run uses."""
    backend = config.stash[_BACKEND]
    if backend == "postgresql":
        return f"database: postgresql ({make_url(config.stash[_DB_URL]).render_as_string()})"
    return "database: sqlite"


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    """Return the database backend of this run."""
    return pytestconfig.stash[_BACKEND]


@pytest.fixture(scope="session")
def database_url(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of this run's (empty) database."""
    if pytestconfig.stash[_BACKEND] == "postgresql":
        return pytestconfig.stash[_DB_URL]
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def make_test_app(database_url: str, instance_path: Path, **extra: Any) -> Flask:
    """Create an app configured for tests against the given database."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance_path),
        "ARGON2_COST": (1, 1024),
        "RATELIMIT_STORAGE_URI": "memory://",
        "CLINIC_TIMEZONE": "Europe/London",
        "PUSH_ALLOW_HTTP_LOOPBACK": True,
        # Staff sign in with a password alone unless a test turns two-factor on (see
        # tests/test_web_two_factor.py), as on the demo clinic.
        "STAFF_TWO_FACTOR": Policy.OFF,
    }
    config.update(extra)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Return the app, its database built by the migrations (never create_all)."""
    from flask_migrate import upgrade

    application = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    with application.app_context():
        upgrade()
        library.sync_builtin(db.session)
        db.session.commit()
    yield application
    with application.app_context():
        db.engine.dispose()


class _TestScopedSession(scoped_session[Session]):
    """One session for the whole test, shared by test code and every request."""

    def remove(self) -> None:
        # Flask-SQLAlchemy removes the session after each request; in a test the session
        # lives until the test's transaction is rolled back.
        return None


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """Return a session whose work is rolled back after the test.

    The test's outer transaction is never committed: the app's commits release
    savepoints inside it (``join_transaction_mode="create_savepoint"``).
    """
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    transaction = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    scoped = _TestScopedSession(factory, scopefunc=lambda: 0)
    original = db.session
    db.session = scoped  # type: ignore[assignment]
    with app.app_context():
        limiter.reset()
    try:
        yield scoped()
    finally:
        db.session = original
        scoped().close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, session: Session) -> FlaskClient:
    """Return a test client over the rolled-back session."""
    return app.test_client()


_counter = itertools.count(1)

# What a program item is given unless a test says otherwise: one set of five, every day.
PROGRAM_SLUGS = ("chin-tuck", "ankle-pumps")
PROGRAM_DOSE = {"sets": "1", "reps": "5", "hold_seconds": "0", "rest_seconds": "0", "side": "both"}
EVERY_WEEKDAY = [str(d) for d in range(7)]


class Factory:
    """Make people, programs and what patients and therapists do, with sensible defaults.

    Shared by service, web and browser tests (a browser test passes its live session).
    Each record is flushed, so it has its id at once.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def user(
        self,
        role: Role,
        *,
        name: str | None = None,
        login: str | None = None,
        password: str | None = PASSWORD,
        timezone: str = "Europe/London",
        active: bool = True,
    ) -> User:
        """Create a user of any role."""
        n = next(_counter)
        login = login or f"{role.value}{n}@test.example"
        user = User(
            role=role,
            login=login,
            email=login if "@" in login else None,
            display_name=name or f"{role.value.title()} Number{n}",
            timezone=timezone,
            password_hash=passwords.hash_password(password) if password else None,
            is_active=active,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def therapist(self, **kwargs: Any) -> User:
        """Create a therapist."""
        return self.user(Role.THERAPIST, **kwargs)

    def admin(self, **kwargs: Any) -> User:
        """Create a clinic admin."""
        return self.user(Role.ADMIN, **kwargs)

    def patient(self, therapist: User | None = None, **kwargs: Any) -> User:
        """Create a patient, linked to the therapist when one is given."""
        patient = self.user(Role.PATIENT, **kwargs)
        if therapist is not None:
            care.link(self.session, therapist, patient)
        return patient

    def exercise(self, slug: str) -> Exercise:
        """Return a built-in exercise of the library by its slug."""
        found = self.session.scalar(select(Exercise).where(Exercise.slug == slug))
        assert found is not None, f"no exercise {slug!r} in the library"
        return found

    def program(
        self,
        patient: User,
        start: date | None = None,
        *,
        therapist: User | None = None,
        slugs: Sequence[str] = PROGRAM_SLUGS,
        times_per_day: int = 2,
        weekdays: Sequence[str] | None = None,
        doses: Mapping[str, Mapping[str, str]] | None = None,
        assign: bool = True,
    ) -> Program:
        """Build a program through the builder's services, assigned from ``start`` on.

        ``start`` is a patient-local date (today by default); without a therapist, a new
        one writes it. ``doses`` changes the dose of some exercises, by slug.
        """
        start = start or clock.local_today(patient.timezone)
        author = therapist or self.therapist()
        program = programs.create_program(self.session, author, patient, today=start)
        for slug in slugs:
            item = programs.add_item(
                self.session, author, program, self.exercise(slug), today=start
            )
            values: dict[str, Any] = {
                **PROGRAM_DOSE,
                "times_per_day": str(times_per_day),
                "weekdays": list(weekdays or EVERY_WEEKDAY),
                **(doses or {}).get(slug, {}),
            }
            programs.update_item(
                self.session, author, program, item, dose.parse_dose(values), today=start
            )
        if assign:
            programs.assign(self.session, author, program, today=start)
        return program

    def checkin(
        self,
        patient: User,
        day: date | None = None,
        *,
        pain: int = 3,
        regions: Sequence[str] = (),
        warning_signs: Sequence[str] = (),
        **fields: Any,
    ) -> CheckIn:
        """Record a daily check-in as saved on ``day`` (the patient's today by default)."""
        checkin = CheckIn(
            patient_id=patient.id,
            local_date=day or clock.local_today(patient.timezone),
            pain=pain,
            regions=list(regions),
            warning_signs=list(warning_signs),
            **fields,
        )
        self.session.add(checkin)
        self.session.flush()
        return checkin

    def completion(
        self,
        item: ProgramItem,
        day: date,
        *,
        slot: int = 0,
        client_id: str | None = None,
        **fields: Any,
    ) -> Completion:
        """Record an item of a program as done on ``day``, in one of its daily slots."""
        completion = Completion(
            client_id=client_id or f"made-{next(_counter)}",
            patient_id=item.program.patient_id,
            program_item_id=item.id,
            lineage=item.lineage,
            exercise_id=item.exercise_id,
            local_date=day,
            slot=slot,
            **fields,
        )
        self.session.add(completion)
        self.session.flush()
        return completion

    def visit(
        self,
        patient: User,
        starts_at: datetime,
        *,
        therapist: User | None = None,
        **fields: Any,
    ) -> Appointment:
        """Book a visit (as a row: no reminders are made; ``visits.book`` makes those)."""
        visit = Appointment(
            patient_id=patient.id,
            therapist_id=therapist.id if therapist else None,
            starts_at=starts_at,
            **fields,
        )
        self.session.add(visit)
        self.session.flush()
        return visit

    def alert(self, patient: User, kind: str, **fields: Any) -> Alert:
        """Raise an alert about a patient (open unless ``status`` says otherwise)."""
        alert = Alert(patient_id=patient.id, kind=kind, **fields)
        self.session.add(alert)
        self.session.flush()
        return alert

    def outcome(
        self,
        patient: User,
        instrument: str = "psfs",
        *,
        starts_on: date | None = None,
        at_start: bool = True,
        every_weeks: int | None = 2,
        before_visits: bool = False,
        activities: Sequence[str] = (),
    ) -> OutcomeAssignment:
        """Assign a questionnaire to a patient from ``starts_on`` (their today by default)."""
        assignment = OutcomeAssignment(
            patient_id=patient.id,
            instrument=instrument,
            starts_on=starts_on or clock.local_today(patient.timezone),
            at_start=at_start,
            every_weeks=every_weeks,
            before_visits=before_visits,
            activities=list(activities),
        )
        self.session.add(assignment)
        self.session.flush()
        return assignment

    def outcome_answer(
        self,
        assignment: OutcomeAssignment,
        day: date,
        values: Mapping[str, int | None],
        *,
        score: float | None = None,
    ) -> OutcomeResponse:
        """Record a finished response given on ``day`` (labels from the assignment)."""
        labels = {f"activity-{n}": name for n, name in enumerate(assignment.activities, start=1)}
        response = OutcomeResponse(
            assignment_id=assignment.id,
            patient_id=assignment.patient_id,
            instrument=assignment.instrument,
            occasion_on=day,
            occasion="interval",
            status="complete",
            local_date=day,
            score=score,
            completed_at=datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            + timedelta(hours=12),
            answers=[
                OutcomeAnswer(item_key=key, label=labels.get(key, ""), value=value)
                for key, value in values.items()
            ],
        )
        self.session.add(response)
        self.session.flush()
        return response


@pytest.fixture
def make(session: Session) -> Factory:
    """Return the factory for this test's session."""
    return Factory(session)


def local(tz: str, *args: int) -> datetime:
    """Return a local wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)  # type: ignore[misc]


@contextmanager
def count_queries(session: Session) -> Iterator[list[str]]:
    """Count the SQL statements a block runs."""
    statements: list[str] = []
    engine = session.get_bind()

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


_CSRF_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient) -> str:
    """Return a CSRF token for the client's session, read from a page as a browser would."""
    response = client.get("/login", follow_redirects=True)
    match = _CSRF_RE.search(response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """Submit a form with its CSRF token, like a browser."""
    payload = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(url, data=payload, **kw)


def login(client: FlaskClient, user: User, password: str = PASSWORD, remember: bool = True) -> Any:
    """Sign a user in through the real login form."""
    data = {"login": user.login, "password": password}
    if remember:
        data["remember"] = "y"
    response = post_form(client, "/login", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def auth(client: FlaskClient) -> Any:
    """Return a helper that signs in as any user."""

    class Auth:
        def login(self, user: User, password: str = PASSWORD) -> Any:
            return login(client, user, password)

        def logout(self) -> Any:
            return post_form(client, "/logout")

    return Auth()


def page_text(client: FlaskClient, url: str) -> str:
    """Return a page that must answer 200, entities decoded (as a person reads its text)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def spanish_patient(session: Session, make: Factory) -> User:
    """A patient who reads Spanish, with quad set and chin tuck once a day."""
    person = make.patient(name="Lucía Gómez")
    person.language = "es"
    make.program(person, slugs=["quad-set", "chin-tuck"], times_per_day=1)
    session.flush()
    return person
