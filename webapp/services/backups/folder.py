"""The backup folder: finding finished backups, naming new ones, and rotation."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

from webapp.services.backups.model import NAME_RE, PREFIX, Backup


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


def new_name(folder: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = folder / f"{PREFIX}{stamp}.tar"
    n = 1
    while candidate.exists():
        candidate = folder / f"{PREFIX}{stamp}-{n}.tar"
        n += 1
    return candidate


def private_folder(folder: Path) -> None:
    # Backups hold every patient's data: only the account that runs the app may read them.
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
