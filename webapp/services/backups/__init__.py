"""Backups: a consistent copy of the database and the media folder, and restoring one.

A backup is one tar file, ``between-visits-<UTC time>.tar``, holding the database (an SQLite
file made with SQLite's online backup, or a ``pg_dump`` custom-format archive), the media
folder under ``media/``, and ``manifest.json`` (what made it, the schema revision and the
number of rows in every table at the moment of the copy). It is written under a temporary
name and renamed when complete, so a folder never shows half a backup.

Nothing here knows about Flask: callers pass the database URL and the folders.

The package: ``model`` (the site, the plan, the reports), ``folder`` (names and rotation),
``sqlite`` and ``postgres`` (copying each kind of database), ``archive`` (one backup file,
written and restored) and ``nightly`` (the scheduled run that several schedulers share).
"""

from webapp.services.backups.archive import database_tables, make_backup, read_manifest, restore
from webapp.services.backups.folder import backups_in, rotate, to_keep
from webapp.services.backups.model import (
    Backup,
    BackupError,
    BackupReport,
    Plan,
    RestoreReport,
    Site,
)
from webapp.services.backups.nightly import nightly
from webapp.services.backups.postgres import tool_major

__all__ = [
    "Backup",
    "BackupError",
    "BackupReport",
    "Plan",
    "RestoreReport",
    "Site",
    "backups_in",
    "database_tables",
    "make_backup",
    "nightly",
    "read_manifest",
    "restore",
    "rotate",
    "to_keep",
    "tool_major",
]
