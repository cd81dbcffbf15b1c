"""Backups: a consistent copy of the database and the media folder, and restoring one.

A backup is one tar file, ``between-visits-<UTC time>.tar``, holding the database (an SQLite
file made with SQLite's online backup, or a ``pg_dump`` custom-format archive), the media
folder under ``media/``, and ``manifest.json`` (what made it, the schema revision and the
number of rows in every table at the moment of the copy). It is written under a temporary
name and renamed when complete, so a folder never shows half a backup.

Nothing here knows about Flask: callers pass the database URL and the folders.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

FORMAT = "between-visits-backup/1"
PREFIX = "between-visits-"
NAME_RE = re.compile(r"^between-visits-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar$")
PARTIAL_SUFFIX = ".partial"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
MEDIA_DIR = "media"
# Any number that is ours alone: the nightly job of several schedulers backs up once.
ADVISORY_LOCK_KEY = 0x62765F6261636B  # "bv_back"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Site:
    """What a backup copies from, or a restore writes into."""

    database_url: str
    media_folder: Path
    # Where pg_dump and pg_restore are; empty means "on PATH".
    pg_bin_dir: str = ""

    @property
    def kind(self) -> str:
        """Return "sqlite" or "postgresql"."""
        backend = make_url(self.database_url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
        return backend


@dataclass(frozen=True)
class Plan:
    """Where backups go and how many are kept, read from the app's settings."""

    site: Site
    folder: Path | None
    daily: int = 7
    weekly: int = 4

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Plan:
        """Read the plan from a settings mapping (``BACKUP_FOLDER`` empty: no folder)."""
        folder = str(config.get("BACKUP_FOLDER") or "")
        return cls(
            site=Site(
                database_url=str(config["SQLALCHEMY_DATABASE_URI"]),
                media_folder=Path(config["MEDIA_FOLDER"]),
                pg_bin_dir=str(config.get("PG_BIN_DIR") or ""),
            ),
            folder=Path(folder) if folder else None,
            daily=int(config.get("BACKUP_KEEP_DAILY", 7)),
            weekly=int(config.get("BACKUP_KEEP_WEEKLY", 4)),
        )


@dataclass
class BackupReport:
    """What a backup wrote."""

    path: Path
    kind: str
    revision: str
    rows: dict[str, int]
    media_files: int
    size_bytes: int
    seconds: float


@dataclass
class RestoreReport:
    """What a restore put back."""

    kind: str
    revision: str
    rows: dict[str, int]
    media_files: int
    taken_at: str
    seconds: float
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Backup:
    """A finished backup in the folder and when it was taken."""

    path: Path
    taken_at: datetime


# --- the folder ---------------------------------------------------------------------------


def backups_in(folder: Path) -> list[Backup]:
    """Return the finished backups in a folder, newest first (other files are ignored)."""
    found = []
    if not folder.is_dir():
        return []
    for path in folder.iterdir():
        match = NAME_RE.match(path.name)
        if match and path.is_file():
            taken = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            found.append((taken, int(match.group(2) or 0), path))
    found.sort(reverse=True)
    return [Backup(path, taken) for taken, _n, path in found]


def to_keep(backups: list[Backup], *, daily: int = 7, weekly: int = 4) -> set[Path]:
    """Choose what rotation keeps: the newest of each of the last ``daily`` days, then the
    newest of each of the ``weekly`` ISO weeks before those days."""
    keep: set[Path] = set()
    days: set[date] = set()
    newest_first = sorted(backups, key=lambda b: b.taken_at, reverse=True)
    for backup in newest_first:
        day = backup.taken_at.date()
        if day not in days and len(days) < daily:
            days.add(day)
            keep.add(backup.path)
    # Weeks already covered by a daily copy are not counted again, so "7 daily and 4
    # weekly" reaches back about five weeks.
    covered = {d.isocalendar()[:2] for d in days}
    weeks: set[tuple[int, int]] = set()
    for backup in newest_first:
        week = backup.taken_at.date().isocalendar()[:2]
        if week in covered or week in weeks or len(weeks) >= weekly:
            continue
        weeks.add(week)
        keep.add(backup.path)
    return keep


def rotate(folder: Path, *, daily: int = 7, weekly: int = 4) -> list[Path]:
    """Delete the backups rotation does not keep, and leftovers of interrupted runs."""
    backups = backups_in(folder)
    keep = to_keep(backups, daily=daily, weekly=weekly)
    removed = []
    for backup in backups:
        if backup.path not in keep:
            backup.path.unlink(missing_ok=True)
            removed.append(backup.path)
    # A backup killed half-way leaves its temporary files; a day later they are nobody's.
    day_ago = time.time() - 86400
    for leftover in folder.glob(f".{PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_mtime >= day_ago:
                continue
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink()
            removed.append(leftover)
    return removed


def _new_name(folder: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = folder / f"{PREFIX}{stamp}.tar"
    n = 1
    while candidate.exists():
        candidate = folder / f"{PREFIX}{stamp}-{n}.tar"
        n += 1
    return candidate


def _private_folder(folder: Path) -> None:
    # Backups hold every patient's data: only the account that runs the app may read them.
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)


# --- making a backup ----------------------------------------------------------------------


def make_backup(site: Site, folder: Path, *, now: datetime | None = None) -> BackupReport:
    """Copy the database and the media folder into a new backup file in ``folder``."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    _private_folder(folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=f".{PREFIX}work-") as work_dir:
        work = Path(work_dir)
        extra: dict[str, Any] = {}
        if site.kind == "sqlite":
            member = SQLITE_MEMBER
            revision, rows = _sqlite_copy(_sqlite_path(site.database_url), work / member)
        else:
            member = PG_MEMBER
            revision, rows, extra = _pg_dump(site, work / member)
        # The database first, then the media: every file a row names was stored before the
        # row was committed, so it is in the copy (a picture added since is harmless).
        final = _new_name(folder, now)
        partial = folder / f".{final.name}{PARTIAL_SUFFIX}"
        media_files = 0
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
                tar.add(work / member, arcname=member)
                media_files = _add_media(tar, site.media_folder)
                manifest = {
                    "format": FORMAT,
                    "taken_at": now.astimezone(UTC).isoformat(timespec="seconds"),
                    "database": site.kind,
                    "database_member": member,
                    "database_sha256": _sha256(work / member),
                    "revision": revision,
                    "rows": rows,
                    "media_files": media_files,
                    **extra,
                }
                _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    _fsync_dir(folder)
    return BackupReport(
        path=final,
        kind=site.kind,
        revision=revision,
        rows=rows,
        media_files=media_files,
        size_bytes=final.stat().st_size,
        seconds=time.monotonic() - started,
    )


def _sqlite_path(database_url: str) -> Path:
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(name)


def _sqlite_copy(source: Path, target: Path) -> tuple[str, dict[str, int]]:
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
        _sqlite_integrity(dst, target)
        revision = _sqlite_revision(dst)
        rows = _sqlite_rows(dst)
    finally:
        dst.close()
    return revision, rows


def _sqlite_integrity(conn: sqlite3.Connection, path: Path) -> None:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"The copy of {path.name} failed SQLite's integrity check: {result[:5]}")
    if list(conn.execute("PRAGMA foreign_key_check")):
        raise BackupError(f"The copy of {path.name} has rows that point at missing rows.")


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]


def _sqlite_rows(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        for table in _sqlite_tables(conn)
    }


def _sqlite_revision(conn: sqlite3.Connection) -> str:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:
        return ""
    return ",".join(sorted(row[0] for row in rows))


def _add_media(tar: tarfile.TarFile, media: Path) -> int:
    count = 0
    if not media.is_dir():
        return 0
    for path in sorted(media.rglob("*")):
        # Only plain files: a link could point anywhere on the server.
        if path.is_symlink() or not path.is_file():
            continue
        arcname = str(PurePosixPath(MEDIA_DIR, *path.relative_to(media).parts))
        try:
            tar.add(path, arcname=arcname, recursive=False)
        except FileNotFoundError:
            continue  # deleted while we looked; the database copy no longer names it
        count += 1
    return count


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- PostgreSQL ---------------------------------------------------------------------------


def _tool(site: Site, name: str) -> str:
    path = str(Path(site.pg_bin_dir) / name) if site.pg_bin_dir else shutil.which(name)
    if not path or not Path(path).exists():
        where = f"in {site.pg_bin_dir}" if site.pg_bin_dir else "on PATH"
        raise BackupError(
            f"{name} was not found {where}. Install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client) or set PG_BIN_DIR."
        )
    return path


def tool_major(executable: str) -> int:
    """Return the major version of pg_dump or pg_restore ("pg_dump (PostgreSQL) 15.2")."""
    out = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    match = re.search(r"\)\s*(\d+)", out)
    if not match:
        raise BackupError(f"Could not read the version of {executable}: {out.strip()!r}")
    return int(match.group(1))


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """Return a libpq connection URI without the password, and an environment carrying it."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        # Not on the command line, where any user of the server could read it.
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _engine(database_url: str) -> Any:
    return create_engine(database_url, poolclass=NullPool)


def _server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _pg_tables(conn: Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        text(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND table_schema NOT LIKE 'pg_toast%' ORDER BY 1, 2"
        )
    )
    return [(r[0], r[1]) for r in rows]


def _pg_rows(conn: Connection) -> dict[str, int]:
    counts = {}
    for schema, table in _pg_tables(conn):
        name = table if schema == "public" else f"{schema}.{table}"
        counts[name] = int(
            conn.execute(text(f'SELECT count(*) FROM "{schema}"."{table}"')).scalar_one()
        )
    return counts


def _pg_revision(conn: Connection) -> str:
    if ("public", "alembic_version") not in _pg_tables(conn):
        return ""
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(rows))


def _pg_dump(site: Site, target: Path) -> tuple[str, dict[str, int], dict[str, Any]]:
    """Dump PostgreSQL in custom format, counting rows in the very snapshot it dumps."""
    pg_dump = _tool(site, "pg_dump")
    client = tool_major(pg_dump)
    engine = _engine(site.database_url)
    try:
        with engine.connect() as conn:
            server = _server_major(conn)
        if client < server:
            raise BackupError(
                f"pg_dump is version {client} but the server runs PostgreSQL {server}: "
                f"pg_dump must be at least as new as the server. Install the PostgreSQL "
                f"{server} client tools (Debian: postgresql-client-{server}) and set "
                f"PG_BIN_DIR to their folder (e.g. /usr/lib/postgresql/{server}/bin)."
            )
        # Export this transaction's snapshot and hand it to pg_dump: the row counts in the
        # manifest are then those of the dump, however busy the clinic is.
        snapshot_options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with engine.connect().execution_options(**snapshot_options) as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            rows = _pg_rows(conn)
            revision = _pg_revision(conn)
            uri, env = _libpq(site.database_url)
            done = subprocess.run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={uri}",
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            conn.rollback()
    finally:
        engine.dispose()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-2000:]}")
    # Read the archive's table of contents back: a dump that cannot be listed is no backup.
    pg_restore = _tool(site, "pg_restore")
    listed = subprocess.run([pg_restore, "--list", str(target)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError(f"The dump cannot be read back: {listed.stderr.strip()[-2000:]}")
    return revision, rows, {"pg_dump_major": client, "server_major": server}


# --- restoring ----------------------------------------------------------------------------


def database_tables(database_url: str) -> list[str]:
    """Return the tables in a database (an absent SQLite file has none)."""
    if make_url(database_url).get_backend_name() == "sqlite":
        path = _sqlite_path(database_url)
        if not path.exists():
            return []
        conn = sqlite3.connect(path)
        try:
            return _sqlite_tables(conn)
        finally:
            conn.close()
    engine = _engine(database_url)
    try:
        with engine.connect() as conn:
            return [t if s == "public" else f"{s}.{t}" for s, t in _pg_tables(conn)]
    finally:
        engine.dispose()


def _media_files(media: Path) -> list[Path]:
    if not media.exists():
        return []
    return [p for p in media.rglob("*") if not p.is_dir()]


def read_manifest(archive: Path) -> dict[str, Any]:
    """Return a backup's manifest, checking that the file is one of our backups."""
    if not archive.is_file():
        raise BackupError(f"There is no backup file at {archive}.")
    try:
        with tarfile.open(archive, mode="r:") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.loads(member.read())
    except (tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a Between Visits backup (or it is damaged).") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} has an unknown backup format: {manifest.get('format')!r}.")
    return manifest


def restore(site: Site, archive: Path) -> RestoreReport:
    """Restore a backup into an empty database and an empty media folder."""
    started = time.monotonic()
    manifest = read_manifest(archive)
    if manifest["database"] != site.kind:
        raise BackupError(
            f"This is a backup of a {manifest['database']} database; DATABASE_URL names a "
            f"{site.kind} one. Restore it into the same kind of database."
        )
    tables = database_tables(site.database_url)
    if tables:
        raise BackupError(
            f"The database is not empty (it has {len(tables)} tables, e.g. {tables[0]}). "
            "Restore only goes into an empty database, so nothing is overwritten: create a "
            "new database (PostgreSQL: createdb; SQLite: a new file name), point DATABASE_URL "
            "at it and run restore again."
        )
    if _media_files(site.media_folder):
        raise BackupError(
            f"The media folder {site.media_folder} is not empty. Move it aside (or point "
            "MEDIA_FOLDER at a new folder) and run restore again."
        )
    with tempfile.TemporaryDirectory(prefix="bv-restore-") as work_dir:
        work = Path(work_dir)
        with tarfile.open(archive, mode="r:") as tar:
            members = tar.getmembers()
            for m in members:
                _check_member(m)
            database = work / manifest["database_member"]
            tar.extract(manifest["database_member"], work, filter="data")
            if _sha256(database) != manifest["database_sha256"]:
                raise BackupError(f"The database in {archive} is damaged (checksum mismatch).")
            media_members = [
                m for m in members if m.name.startswith(f"{MEDIA_DIR}/") and m.isfile()
            ]
            if len(media_members) != manifest["media_files"]:
                raise BackupError(f"Media files are missing from {archive}; it is damaged.")
            tar.extractall(work, members=media_members, filter="data")
        notes: list[str] = []
        if site.kind == "sqlite":
            rows = _sqlite_restore(database, _sqlite_path(site.database_url))
        else:
            rows = _pg_restore(site, database, manifest, notes)
        if rows != manifest["rows"]:
            raise BackupError(
                "The restored database does not hold the rows the backup recorded: "
                f"{_difference(manifest['rows'], rows)}."
            )
        _move_media(work / MEDIA_DIR, site.media_folder)
    return RestoreReport(
        kind=site.kind,
        revision=manifest["revision"],
        rows=rows,
        media_files=len(media_members),
        taken_at=manifest["taken_at"],
        seconds=time.monotonic() - started,
        notes=notes,
    )


def _check_member(member: tarfile.TarInfo) -> None:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
        raise BackupError(f"The backup holds an unexpected entry {member.name!r}; not restoring.")


def _difference(expected: dict[str, int], found: dict[str, int]) -> str:
    names = sorted(set(expected) | set(found))
    return ", ".join(
        f"{n}: {expected.get(n)} expected, {found.get(n)} found"
        for n in names
        if expected.get(n) != found.get(n)
    )


def _sqlite_restore(copy: Path, target: Path) -> dict[str, int]:
    conn = sqlite3.connect(copy)
    try:
        _sqlite_integrity(conn, copy)
        rows = _sqlite_rows(conn)
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


def _pg_restore(
    site: Site, dump: Path, manifest: dict[str, Any], notes: list[str]
) -> dict[str, int]:
    pg_restore = _tool(site, "pg_restore")
    client = tool_major(pg_restore)
    made_by = int(manifest.get("pg_dump_major", 0))
    if client < made_by:
        raise BackupError(
            f"This backup was written by pg_dump {made_by}; pg_restore here is version "
            f"{client}. Install the PostgreSQL {made_by} client tools (Debian: "
            f"postgresql-client-{made_by}) and set PG_BIN_DIR to their folder."
        )
    uri, env = _libpq(site.database_url)
    done = subprocess.run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            # All or nothing: a failed restore leaves the database empty, ready to try again.
            "--single-transaction",
            f"--dbname={uri}",
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-2000:]}")
    engine = _engine(site.database_url)
    try:
        with engine.connect() as conn:
            server = _server_major(conn)
            rows = _pg_rows(conn)
            conn.execute(text("ANALYZE"))
            conn.commit()
    finally:
        engine.dispose()
    if server < int(manifest.get("server_major", 0)):
        notes.append(
            f"The backup came from PostgreSQL {manifest['server_major']}; this server is {server}."
        )
    return rows


def _move_media(source: Path, target: Path) -> None:
    if not source.exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), destination)


# --- the nightly run ----------------------------------------------------------------------


@contextlib.contextmanager
def _exclusive(site: Site, folder: Path) -> Iterator[bool]:
    """Hold the backup lock of this folder (and of the database); yield False when taken."""
    _private_folder(folder)
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
        engine = _engine(site.database_url)
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
