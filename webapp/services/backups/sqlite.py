"""SQLite: a consistent copy of a live database with its online backup API, and back."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from webapp.services.backups.model import BackupError


def sqlite_path(database_url: str) -> Path:
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(name)


def sqlite_copy(source: Path, target: Path) -> tuple[str, dict[str, int]]:
    """Copy a live SQLite database with its online backup API; check the copy."""
    if not source.exists():
        raise BackupError(f"The SQLite database {source} does not exist.")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        # One step: a step-wise copy starts over whenever another process writes, and on a
        # busy clinic it may never finish. One step reads a single snapshot (WAL lets the
        # app keep writing meanwhile).
        src.backup(dst, pages=-1)
    finally:
        src.close()
    try:
        # A self-contained file: no -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        sqlite_integrity(dst, target)
        revision = sqlite_revision(dst)
        rows = sqlite_rows(dst)
    finally:
        dst.close()
    return revision, rows


def sqlite_integrity(conn: sqlite3.Connection, path: Path) -> None:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"The copy of {path.name} failed SQLite's integrity check: {result[:5]}")
    if list(conn.execute("PRAGMA foreign_key_check")):
        raise BackupError(f"The copy of {path.name} has rows that point at missing rows.")


def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]


def sqlite_rows(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        for table in sqlite_tables(conn)
    }


def sqlite_revision(conn: sqlite3.Connection) -> str:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:
        return ""
    return ",".join(sorted(row[0] for row in rows))


def sqlite_restore(copy: Path, target: Path) -> dict[str, int]:
    conn = sqlite3.connect(copy)
    try:
        sqlite_integrity(conn, copy)
        rows = sqlite_rows(conn)
    finally:
        conn.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(copy, staged)
    os.chmod(staged, 0o600)
    # An empty database file may have a -wal beside it; SQLite would lay it over the
    # restored file, so it goes first.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)
    return rows
