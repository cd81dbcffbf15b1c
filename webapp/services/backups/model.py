"""What backups are made of: the site copied, the plan, the reports and the file names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

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
