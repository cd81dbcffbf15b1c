"""APScheduler set-up: which jobs run, how often, each in its own app context.

Web workers never start a scheduler. ``python -m jobs`` runs one in its own process (several
may run against PostgreSQL: claims use leases and SKIP LOCKED); ``make run`` runs exactly
one inside its single development server process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from jobs import backup, tasks
from webapp import create_app
from webapp.extensions import db
from webapp.services import reminders

log = logging.getLogger(__name__)


def _in_app(app: Flask, task: Callable[..., object], *args: object) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                task(*args)
            except Exception:  # a failed run must not stop the scheduler; log and go on
                log.exception("job %s failed", task.__name__)
                db.session.rollback()

    run.__name__ = task.__name__
    return run


def configure(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Add every job to a scheduler."""
    owner = reminders.owner_id()
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    scheduler.add_job(
        _in_app(app, tasks.materialize_reminders),
        "interval",
        seconds=60,
        id="materialize",
        next_run_time=_now(),
        **common,
    )
    scheduler.add_job(
        _in_app(app, tasks.send_due_reminders, owner),
        "interval",
        seconds=int(app.config["SCHEDULER_TICK_SECONDS"]),
        id="send",
        next_run_time=_now(),
        **common,
    )
    scheduler.add_job(
        _in_app(app, tasks.send_due_emails, owner),
        "interval",
        seconds=int(app.config["EMAIL_TICK_SECONDS"]),
        id="email",
        **common,
    )
    scheduler.add_job(
        _in_app(app, tasks.email_unread_messages),
        "interval",
        seconds=60,
        id="message-emails",
        **common,
    )
    scheduler.add_job(
        _in_app(app, tasks.weekly_summaries),
        "cron",
        day_of_week="mon",
        hour=8,
        timezone=app.config["CLINIC_TIMEZONE"],
        id="weekly-summary",
        max_instances=1,
        coalesce=True,
        # One per ISO week whatever happens: the email's key names the week.
        misfire_grace_time=6 * 3600,
    )
    scheduler.add_job(
        _in_app(app, tasks.housekeeping), "interval", hours=6, id="housekeeping", **common
    )
    scheduler.add_job(
        _in_app(app, tasks.alerts_after_checkins),
        "interval",
        seconds=60,
        id="alerts-recent",
        **common,
    )
    scheduler.add_job(
        _in_app(app, tasks.alerts_daily),
        "interval",
        hours=24,
        id="alerts-daily",
        next_run_time=_now(),
        **common,
    )
    scheduler.add_job(
        _in_app(app, tasks.close_discharged),
        "interval",
        hours=24,
        id="close-discharged",
        next_run_time=_now(),
        **common,
    )
    backup.schedule(scheduler, app, _in_app)
    return scheduler


def _now() -> datetime:
    return datetime.now(UTC)


def executors() -> dict[str, ThreadPoolExecutor]:
    """Return the job executors: one thread, so jobs run one at a time."""
    # Jobs are short, and on SQLite two writers would only wait for each other; sending is
    # concurrent inside the send job.
    return {"default": ThreadPoolExecutor(max_workers=1)}


def start_background(app: Flask) -> BackgroundScheduler:
    """Start a scheduler on a background thread of this process (for ``make run``)."""
    scheduler = BackgroundScheduler(timezone=UTC, executors=executors())
    configure(scheduler, app)
    scheduler.start()
    log.info("embedded scheduler started")
    return scheduler


def run_forever() -> None:
    """Build the app and block running the scheduler (``python -m jobs``)."""
    app = create_app()
    scheduler = BlockingScheduler(timezone=UTC, executors=executors())
    configure(scheduler, app)
    log.info("scheduler process started")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
