"""The nightly backup job: runs when BACKUP_FOLDER is set, once however many schedulers run."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask, current_app

from webapp.services import backups

log = logging.getLogger(__name__)

Wrap = Callable[[Flask, Callable[..., object]], Callable[[], None]]


def schedule(scheduler: BaseScheduler, app: Flask, wrap: Wrap) -> None:
    """Add the nightly backup at BACKUP_TIME (clinic time), if a backup folder is set."""
    if not app.config.get("BACKUP_FOLDER"):
        return
    hour, minute = (int(part) for part in app.config["BACKUP_TIME"].split(":"))
    scheduler.add_job(
        wrap(app, nightly_backup),
        "cron",
        hour=hour,
        minute=minute,
        timezone=app.config["CLINIC_TIMEZONE"],
        id="backup",
        max_instances=1,
        coalesce=True,
        # Jobs run one at a time: a long send pass may hold the backup back; it still runs.
        misfire_grace_time=3600,
    )


def nightly_backup() -> backups.BackupReport | None:
    """Back up and rotate, unless another scheduler is doing it or has just done it."""
    plan = backups.Plan.from_config(current_app.config)
    if plan.folder is None:
        return None
    report = backups.nightly(plan.site, plan.folder, daily=plan.daily, weekly=plan.weekly)
    if report is None:
        log.info("backup: another scheduler is making or has just made tonight's backup")
    else:
        log.info("backup: wrote %s (%.1f MB)", report.path, report.size_bytes / 1e6)
    return report
