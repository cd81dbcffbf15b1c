"""The flask commands: staff accounts, the demo clinic, and the job commands of jobs/."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import login
from webapp.models import CareLink, CheckIn, Role, User
from webapp.services import accounts, demo, devices, flares, passwords, programs


def test_create_admin_from_stdin(app: Flask, session: Session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "Boss@Clinic.example", "--password-stdin"],
        input="sturdy chairs and warm tea\n",
    )
    assert result.exit_code == 0, result.output
    admin = accounts.find_by_login(session, "boss@clinic.example")
    assert admin is not None and admin.role is Role.ADMIN
    assert passwords.verify_password(admin.password_hash, "sturdy chairs and warm tea")


def test_create_therapist_refuses_a_weak_password(app: Flask, session: Session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-therapist", "kim@clinic.example", "--password-stdin"], input="password1\n"
    )
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert accounts.find_by_login(session, "kim@clinic.example") is None


def test_create_therapist_with_prompt(app: Flask, session: Session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-therapist", "kim.lee@clinic.example", "--name", "Kim Lee"],
        input="quiet rooms help people rest\nquiet rooms help people rest\n",
    )
    assert result.exit_code == 0, result.output
    kim = accounts.find_by_login(session, "kim.lee@clinic.example")
    assert kim is not None and kim.display_name == "Kim Lee" and kim.is_therapist


def _counts(session: Session) -> tuple[int, int]:
    users = session.scalar(select(func.count()).select_from(User)) or 0
    links = session.scalar(select(func.count()).select_from(CareLink)) or 0
    return users, links


def test_demo_is_idempotent(session: Session) -> None:
    assert demo.load(session, clinic_timezone="Europe/London") is True
    first = _counts(session)
    assert demo.load(session, clinic_timezone="Europe/London") is False
    assert _counts(session) == first
    assert first[0] >= 1 + 2 + 3
    maria = accounts.authenticate(session, "maria@riverside.example", "therapist-demo-1")
    assert maria is not None and maria.is_therapist
    anna = accounts.find_by_login(session, "anna@riverside.example")
    assert anna is not None and flares.plan_of(session, anna) is not None  # Today offers it


def test_the_demo_clinic_has_a_patient_who_reads_it_in_spanish(
    client: FlaskClient, session: Session
) -> None:
    demo.load(session, clinic_timezone="Europe/London")
    session.commit()
    lucia = accounts.find_by_login(session, "lucia@riverside.example")
    assert lucia is not None and lucia.language == "es"
    assert programs.programs_of(session, lucia)
    login(client, lucia, "patient-demo-5")
    today = client.get("/me/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in today and "Ejercicios de hoy" in today
    # What she typed herself is in her words, and the README lists her sign-in.
    notes = session.scalars(select(CheckIn.note).where(CheckIn.patient_id == lucia.id))
    assert "Mala noche, la espalda me está dando guerra." in set(notes)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "| patient (speaks Spanish) | lucia@riverside.example | patient-demo-5 |" in readme


def test_demo_command_prints_logins(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@riverside.example" in result.output
    assert "maria@riverside.example" in result.output


def _flask(app: Flask, monkeypatch: pytest.MonkeyPatch) -> FlaskGroup:
    """Return the ``flask`` command as ``flask --app wsgi`` builds it, for this app."""
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")  # FlaskGroup sets it; undone after
    return FlaskGroup(create_app=lambda: app, load_dotenv=False, set_debug_flag=False)


def test_the_job_commands_reach_flask_through_entry_points(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = _flask(app, monkeypatch)
    context = click.Context(group, obj=ScriptInfo(create_app=lambda: app))
    assert {"serve", "reminders", "demo", "create-admin", "library"} <= set(
        group.list_commands(context)
    )
    # The app itself knows nothing of them: webapp never imports jobs.
    assert "serve" not in app.cli.commands and "reminders" not in app.cli.commands


def test_reminders_tick_materializes_and_sends(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from tests.pushservice import PushService
    from webapp.models import ReminderOccurrence, utcnow

    with PushService() as pushes:
        patient = User(
            role=Role.PATIENT,
            login="tick@test.example",
            display_name="Tick Tock",
            timezone="Europe/London",
        )
        session.add(patient)
        session.flush()
        sub = pushes.subscribe("tick-phone")
        devices.save(
            session,
            patient,
            endpoint=sub["endpoint"],
            p256dh=sub["keys"]["p256dh"],
            auth=sub["keys"]["auth"],
        )
        now = utcnow() - timedelta(seconds=5)
        session.add(
            ReminderOccurrence(
                key="t-cli-tick",
                user_id=patient.id,
                kind="test",
                local_date=now.date(),
                due_at=now,
                next_attempt_at=now,
                status="pending",
                delivered_to=[],
            )
        )
        session.flush()
        result = app.test_cli_runner().invoke(_flask(app, monkeypatch), ["reminders", "tick"])
        assert result.exit_code == 0, result.output
        assert "sent 1" in result.output
        assert pushes.wait_for(1, 5) and pushes.deliveries[0].topic == "t-cli-tick"
