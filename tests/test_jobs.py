"""The scheduler's jobs, run the way the scheduler runs them (each in the app context)."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs import scheduler, tasks
from tests.conftest import Factory
from webapp.models import Alert, Invite, ReminderOccurrence, utcnow
from webapp.services import clock, invites


def test_the_scheduler_has_every_job_and_runs_one_at_a_time(app: Flask) -> None:
    chosen = scheduler.executors()
    background = BackgroundScheduler(executors=chosen)
    scheduler.configure(background, app)
    assert {job.id for job in background.get_jobs()} == {
        "materialize",
        "send",
        "housekeeping",
        "alerts-recent",
        "alerts-daily",
        "close-discharged",
        "email",
        "message-emails",
        "weekly-summary",
    }
    assert chosen["default"]._pool._max_workers == 1  # type: ignore[attr-defined]


def test_alert_jobs(app: Flask, session: Session, make: Factory) -> None:
    quiet = make.patient(make.therapist())
    make.program(quiet, clock.local_today(quiet.timezone) - timedelta(days=10))
    hurting = make.patient(make.therapist())
    make.checkin(hurting, pain=9, updated_at=utcnow())
    with app.app_context():
        tasks.alerts_after_checkins()
        assert [a.kind for a in session.scalars(select(Alert))] == ["pain_high"]
        tasks.alerts_daily()
    kinds = {(a.patient_id, a.kind) for a in session.scalars(select(Alert))}
    assert kinds == {(hurting.id, "pain_high"), (quiet.id, "inactivity")}


def test_materialize_and_housekeeping_jobs(app: Flask, session: Session, make: Factory) -> None:
    patient = make.patient(make.therapist())
    make.program(patient, clock.local_today(patient.timezone))
    stale = make.patient(password=None)
    invites.issue(session, stale, created_by=None, ttl_days=1, now=utcnow() - timedelta(days=60))
    with app.app_context():
        tasks.materialize_reminders()
        tasks.housekeeping()
    keys = session.scalars(
        select(ReminderOccurrence.key).where(ReminderOccurrence.user_id == patient.id)
    ).all()
    assert keys  # today's and tomorrow's reminders
    assert session.scalars(select(Invite).where(Invite.user_id == stale.id)).all() == []
