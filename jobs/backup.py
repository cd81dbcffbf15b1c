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
        # A scheduler that was down at BACKUP_TIME still backs up when it comes back that
        # morning; the service skips it when another scheduler already did.
        misfire_grace_time=6 * 3600,
    )


def nightly_backup() -> backups.BackupReport | None:
    """Back up and rotate, unless another scheduler is doing it or did it today."""
    plan = backups.Plan.from_config(current_app.config)
    if plan.folder is None:
        return None
    report = backups.nightly(plan.site, plan.folder, daily=plan.daily, weekly=plan.weekly)
    if report is None:
        log.info("backup: another scheduler made tonight's backup")
    else:
        log.info("backup: wrote %s (%.1f MB)", report.path, report.size_bytes / 1e6)
    return report
