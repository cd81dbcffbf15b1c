"""APScheduler set-up: which jobs run, how often, each in its own app context."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from jobs import tasks

log = logging.getLogger(__name__)


def _in_app(app: Flask, task: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                task()
            except Exception:  # a failed run must not stop the scheduler; log and go on
                log.exception("job %s failed", task.__name__)

    run.__name__ = task.__name__
    return run


def configure(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Add every job to a scheduler."""
    scheduler.add_job(
        _in_app(app, tasks.housekeeping),
        "interval",
        hours=6,
        id="housekeeping",
        max_instances=1,
        coalesce=True,
    )
    return scheduler


def start_background(app: Flask) -> BackgroundScheduler:
    """Start a scheduler on a background thread of this process (for ``make run``)."""
    scheduler = BackgroundScheduler(timezone=UTC)
    configure(scheduler, app)
    scheduler.start()
    log.info("embedded scheduler started")
    return scheduler


def run_forever() -> None:
    """Build the app and block running the scheduler (``python -m jobs``)."""
    from webapp import create_app

    app = create_app()
    scheduler = BlockingScheduler(timezone=UTC)
    configure(scheduler, app)
    log.info("scheduler process started")
    scheduler.start()
