"""Backups that really restore: a drill on SQLite and PostgreSQL while the app is writing."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import create_engine, insert, select, text

from jobs import scheduler
from jobs.backup import nightly_backup
from tests.conftest import DEFAULT_PG_URL, IN_CI
from tests.fleet import ROOT, fresh_postgres, migrated_app
from webapp import create_app
from webapp.extensions import db
from webapp.models import AuditEvent, utcnow
from webapp.services import audit, backups


@pytest.fixture(autouse=True)
def pg_tools(request: pytest.FixtureRequest, backend: str) -> None:
    """Skip PostgreSQL backups without pg_dump (make test installs it); fail in CI."""
    postgres = backend == "postgresql" or request.node.get_closest_marker("postgres_only")
    if postgres and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        if IN_CI:
            pytest.fail("CI=true and pg_dump is missing: run `make test`, which installs it.")
        pytest.skip(
            "PostgreSQL's client tools are not installed (apt-get install postgresql-client)"
        )


PICTURE = b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(range(256)) * 8


class Writer(threading.Thread):
    """The app at work: commits one audit event after another, noting each id committed."""

    def __init__(self, app: Flask) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.committed: list[int] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                n = 0
                while not self.stop.is_set():
                    n += 1
                    event = audit.record(db.session, None, "backup drill", detail=f"write {n}")
                    db.session.commit()
                    with self.lock:
                        self.committed.append(event.id)
                db.session.remove()
        except BaseException as exc:  # reported by the test
            self.error = exc

    def snapshot(self) -> set[int]:
        """Return the ids whose commit has returned so far."""
        with self.lock:
            return set(self.committed)


def _fill(app: Flask, rows: int) -> None:
    """Give the database some bulk, so the copy takes a while."""
    with app.app_context():
        now = utcnow()
        for start in range(0, rows, 5000):
            db.session.execute(
                insert(AuditEvent),
                [
                    {"action": "history", "detail": f"older event {n} " + "x" * 200, "at": now}
                    for n in range(start, min(rows, start + 5000))
                ],
            )
        db.session.commit()


def _cli(app: Flask, *args: str) -> tuple[int, str]:
    """Run a flask command; return its exit code and everything it printed."""
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def _written(output: str) -> str:
    """Return the path ``flask backup`` printed (its last line)."""
    return output.strip().splitlines()[-1]


def _drill(source_url: str, target_url: str, tmp_path: Path) -> tuple[Flask, set[int], set[int]]:
    """Back up while writing, restore into a fresh database; return the target app and ids."""
    media = tmp_path / "media"
    media.mkdir()
    (media / "picture.webp").write_bytes(PICTURE)
    source = migrated_app(source_url, tmp_path / "source", MEDIA_FOLDER=str(media))
    _fill(source, 20_000)
    writer = Writer(source)
    writer.start()
    try:
        while len(writer.snapshot()) < 50:
            time.sleep(0.01)
        before = writer.snapshot()
        code, output = _cli(source, "backup", "--to", str(tmp_path / "backups"))
        during = writer.snapshot() - before
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert code == 0, output
    path = Path(_written(output))
    assert path.parent == tmp_path / "backups" and path.is_file()
    # The app kept writing while the copy was made: the drill proves something.
    assert during, "no write was committed while the backup ran"
    written = writer.snapshot()
    with source.app_context():
        db.engine.dispose()

    target = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": target_url,
            "INSTANCE_PATH": str(tmp_path / "target"),
            "SECRET_KEY": "drill",
            "MEDIA_FOLDER": str(tmp_path / "restored-media"),
        }
    )
    code, output = _cli(target, "restore", str(path))
    assert code == 0, output
    assert "Restored the backup taken at" in output
    current = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "current"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": target_url, "INSTANCE_PATH": str(tmp_path / "target")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert current.returncode == 0 and current.stdout.strip().endswith("(head)"), current
    assert (tmp_path / "restored-media" / "picture.webp").read_bytes() == PICTURE
    with target.app_context():
        restored = set(
            db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == "backup drill"))
        )
        db.session.remove()
    # Everything committed before the backup began is there; nothing that never was.
    assert before <= restored
    assert restored <= written
    return target, before, restored


def test_restore_drill_on_sqlite(tmp_path: Path) -> None:
    target, _before, _restored = _drill(
        f"sqlite:///{tmp_path / 'clinic.db'}", f"sqlite:///{tmp_path / 'restored.db'}", tmp_path
    )
    with sqlite3.connect(tmp_path / "restored.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with target.app_context():
        db.engine.dispose()


@pytest.fixture
def two_postgres() -> Iterator[tuple[str, str]]:
    """Two fresh PostgreSQL databases: the clinic's, and an empty one to restore into."""
    base = os.environ.get("DATABASE_URL_TEST") or DEFAULT_PG_URL
    with fresh_postgres(base, "bv_drill") as source, fresh_postgres(base, "bv_restored") as target:
        yield source, target


@pytest.mark.postgres_only
def test_restore_drill_on_postgresql(two_postgres: tuple[str, str], tmp_path: Path) -> None:
    source_url, target_url = two_postgres
    target, _before, _restored = _drill(source_url, target_url, tmp_path)
    with target.app_context():
        db.engine.dispose()
    engine = create_engine(target_url)
    try:
        with engine.begin() as conn:
            # amcheck verifies every B-tree index against its table's rows.
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
            indexes = conn.execute(
                text(
                    "SELECT c.oid::regclass::text FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_am a ON a.oid = c.relam "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE a.amname = 'btree' AND n.nspname = 'public'"
                )
            ).scalars()
            checked = 0
            for index in indexes:
                conn.execute(
                    text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": index}
                )
                checked += 1
            assert checked > 20
            # Every foreign key was created (and so checked) by the restore.
            foreign_keys = conn.execute(
                text("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated")
            ).scalar_one()
            assert foreign_keys > 10
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_backup_refuses_a_pg_dump_older_than_the_server(app: Flask, tmp_path: Path) -> None:
    # A stand-in for an old client package: the check must name both versions and the fix.
    old = tmp_path / "pg11"
    old.mkdir()
    (old / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.22'\n")
    (old / "pg_dump").chmod(0o755)
    app.config["PG_BIN_DIR"] = str(old)
    try:
        code, output = _cli(app, "backup", "--to", str(tmp_path / "backups"))
    finally:
        app.config["PG_BIN_DIR"] = ""
    assert code == 1
    assert "pg_dump is version 11 but the server runs PostgreSQL" in output
    assert "must be at least as new as the server" in output
    assert backups.backups_in(tmp_path / "backups") == []


def test_restore_refuses_a_database_that_is_not_empty(app: Flask, tmp_path: Path) -> None:
    code, output = _cli(app, "backup", "--to", str(tmp_path))
    assert code == 0, output
    path = _written(output)
    # The suite's own database has every table: restoring over it would mix two clinics.
    code, output = _cli(app, "restore", path)
    assert code == 1
    assert "The database is not empty" in output
    assert "Restore only goes into an empty database" in output


def test_restore_refuses_a_media_folder_that_is_not_empty(tmp_path: Path) -> None:
    source = migrated_app(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "a")
    code, output = _cli(source, "backup", "--to", str(tmp_path / "backups"))
    assert code == 0, output
    media = tmp_path / "media"
    media.mkdir()
    (media / "someone-elses.webp").write_bytes(PICTURE)
    target = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.db'}",
            "INSTANCE_PATH": str(tmp_path / "b"),
            "SECRET_KEY": "drill",
            "MEDIA_FOLDER": str(media),
        }
    )
    code, output = _cli(target, "restore", _written(output))
    assert code == 1
    assert f"The media folder {media} is not empty" in output
    assert not (tmp_path / "b.db").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    stray = tmp_path / "between-visits-20261101T030000Z.tar"
    with tarfile.open(stray, "w") as tar:
        tar.add(__file__, arcname="notes.py")
    target = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.db'}",
            "INSTANCE_PATH": str(tmp_path / "b"),
            "SECRET_KEY": "drill",
        }
    )
    code, output = _cli(target, "restore", str(stray))
    assert code == 1
    assert "is not a Between Visits backup" in output


def test_backup_needs_a_folder(app: Flask) -> None:
    code, output = _cli(app, "backup")
    assert code == 2
    assert "Set BACKUP_FOLDER or pass --to FOLDER." in output


def _stamp(moment: datetime) -> str:
    return f"between-visits-{moment:%Y%m%dT%H%M%SZ}.tar"


def test_rotation_keeps_seven_daily_and_four_weekly(tmp_path: Path) -> None:
    # Sixty nights of backups at 03:00, plus a second one before an upgrade on the last day.
    last = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # a Thursday
    for days_ago in range(60):
        (tmp_path / _stamp(last - timedelta(days=days_ago))).write_bytes(b"x")
    (tmp_path / _stamp(last.replace(hour=14))).write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not a backup: never touched")
    # Left by a backup killed half-way two days ago, and by one running right now.
    stale = tmp_path / f".{_stamp(last - timedelta(days=2))}.partial"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 2 * 86400,) * 2)
    running = tmp_path / f".{_stamp(last)}.partial"
    running.write_bytes(b"half")

    removed = backups.rotate(tmp_path, daily=7, weekly=4)

    kept = sorted(b.taken_at for b in backups.backups_in(tmp_path))
    daily = [last.replace(hour=14)] + [last - timedelta(days=n) for n in range(1, 7)]
    # The days kept are Fri 20 Nov to Thu 26 Nov; the weeks before end on Sundays.
    weekly = [datetime(2026, 11, d, 3, 0, tzinfo=UTC) for d in (1, 8, 15)] + [
        datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    ]
    assert kept == sorted(daily + weekly)
    assert len(kept) == 7 + 4
    assert len(removed) == 61 - 11 + 1
    assert (tmp_path / "notes.txt").exists()
    assert not stale.exists() and running.exists()
    # Rotating again changes nothing.
    assert backups.rotate(tmp_path, daily=7, weekly=4) == []


def test_the_nightly_job_is_scheduled_only_with_a_backup_folder(app: Flask, tmp_path: Path) -> None:
    background = BackgroundScheduler()
    scheduler.configure(background, app)
    assert "backup" not in {job.id for job in background.get_jobs()}

    app.config["BACKUP_FOLDER"] = str(tmp_path)
    try:
        background = BackgroundScheduler()
        scheduler.configure(background, app)
    finally:
        app.config["BACKUP_FOLDER"] = ""
    job = background.get_job("backup")
    assert job is not None
    assert str(job.trigger) == "cron[hour='3', minute='0']"
    assert str(job.trigger.timezone) == "Europe/London"


def test_two_schedulers_make_one_nightly_backup(tmp_path: Path) -> None:
    app = migrated_app(
        f"sqlite:///{tmp_path / 'clinic.db'}", tmp_path / "i", BACKUP_FOLDER=str(tmp_path / "b")
    )
    _fill(app, 20_000)
    results: list[object] = []

    def run() -> None:
        with app.app_context():
            results.append(nightly_backup())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # One made it; the other found the lock taken (or tonight's backup already there).
    assert len(results) == 2 and results.count(None) == 1
    assert len(backups.backups_in(tmp_path / "b")) == 1
    with app.app_context():
        assert nightly_backup() is None  # a scheduler that comes a little later skips it too
        db.engine.dispose()
    assert len(backups.backups_in(tmp_path / "b")) == 1
    # A backup made by hand in the evening does not stand in for the night's.
    plan = backups.Plan.from_config(app.config)
    assert plan.folder is not None
    later = datetime.now(UTC) + timedelta(hours=2)
    report = backups.nightly(plan.site, plan.folder, now=later)
    assert report is not None
    # Rotation keeps the newest of the day.
    assert [b.path for b in backups.backups_in(tmp_path / "b")] == [report.path]
