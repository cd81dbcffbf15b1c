"""The nightly run: one scheduler of several backs up and rotates, the others stand aside."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from webapp.services.backups.archive import make_backup
from webapp.services.backups.folder import backups_in, private_folder, rotate
from webapp.services.backups.model import ADVISORY_LOCK_KEY, BackupReport, Site
from webapp.services.backups.postgres import new_engine


@contextlib.contextmanager
def _exclusive(site: Site, folder: Path) -> Iterator[bool]:
    """Hold the backup lock of this folder (and of the database); yield False when taken."""
    private_folder(folder)
    with (folder / ".lock").open("a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        if site.kind != "postgresql":
            yield True
            return
        # Schedulers on other machines share the database, not this file lock.
        engine = new_engine(site.database_url)
        try:
            with engine.connect() as conn:
                got = bool(
                    conn.execute(
                        text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                    ).scalar_one()
                )
                conn.commit()
                try:
                    yield got
                finally:
                    if got:
                        conn.execute(
                            text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                        )
                        conn.commit()
        finally:
            engine.dispose()


def nightly(
    site: Site,
    folder: Path,
    *,
    daily: int = 7,
    weekly: int = 4,
    fresh_for: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> BackupReport | None:
    """Back up and rotate, unless another scheduler is doing it or has just done it.

    Every scheduler runs this at the same time of night: the lock lets one through, and one
    that comes a little later finds a backup younger than ``fresh_for`` and stops.
    """
    now = now or datetime.now(UTC)
    with _exclusive(site, folder) as mine:
        if not mine:
            return None
        existing = backups_in(folder)
        if existing and now - existing[0].taken_at < fresh_for:
            return None
        report = make_backup(site, folder, now=now)
        rotate(folder, daily=daily, weekly=weekly)
        return report
