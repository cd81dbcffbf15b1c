"""One backup file: writing the database copy, the media and the manifest; restoring it."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.engine import make_url

from webapp.services.backups.folder import fsync_dir, new_name, private_folder
from webapp.services.backups.model import (
    FORMAT,
    MEDIA_DIR,
    PARTIAL_SUFFIX,
    PG_MEMBER,
    PREFIX,
    SQLITE_MEMBER,
    BackupError,
    BackupReport,
    RestoreReport,
    Site,
)
from webapp.services.backups.postgres import new_engine, pg_dump, pg_restore, pg_tables
from webapp.services.backups.sqlite import sqlite_copy, sqlite_path, sqlite_restore, sqlite_tables


def make_backup(site: Site, folder: Path, *, now: datetime | None = None) -> BackupReport:
    """Copy the database and the media folder into a new backup file in ``folder``."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    private_folder(folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=f".{PREFIX}work-") as work_dir:
        work = Path(work_dir)
        extra: dict[str, Any] = {}
        if site.kind == "sqlite":
            member = SQLITE_MEMBER
            revision, rows = sqlite_copy(sqlite_path(site.database_url), work / member)
        else:
            member = PG_MEMBER
            revision, rows, extra = pg_dump(site, work / member)
        # The database first, then the media: every file a row names was stored before the
        # row was committed, so it is in the copy (a picture added since is harmless).
        final = new_name(folder, now)
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
    fsync_dir(folder)
    return BackupReport(
        path=final,
        kind=site.kind,
        revision=revision,
        rows=rows,
        media_files=media_files,
        size_bytes=final.stat().st_size,
        seconds=time.monotonic() - started,
    )


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


def database_tables(database_url: str) -> list[str]:
    """Return the tables in a database (an absent SQLite file has none)."""
    if make_url(database_url).get_backend_name() == "sqlite":
        path = sqlite_path(database_url)
        if not path.exists():
            return []
        conn = sqlite3.connect(path)
        try:
            return sqlite_tables(conn)
        finally:
            conn.close()
    engine = new_engine(database_url)
    try:
        with engine.connect() as conn:
            return [t if s == "public" else f"{s}.{t}" for s, t in pg_tables(conn)]
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
            rows = sqlite_restore(database, sqlite_path(site.database_url))
        else:
            rows = pg_restore(site, database, manifest, notes)
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
