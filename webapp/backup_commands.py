"""Flask commands for backups: ``flask backup`` and ``flask restore PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp.services import backups


def _plan() -> backups.Plan:
    return backups.Plan.from_config(current_app.config)


@click.command("backup")
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (default: BACKUP_FOLDER).",
)
@with_appcontext
def backup(folder: Path | None) -> None:
    """Copy the database and the media folder into a new backup file; print its path."""
    plan = _plan()
    target = folder or plan.folder
    if target is None:
        raise click.UsageError("Set BACKUP_FOLDER or pass --to FOLDER.")
    try:
        report = backups.make_backup(plan.site, target)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    removed = backups.rotate(target, daily=plan.daily, weekly=plan.weekly)
    rows = sum(report.rows.values())
    click.echo(
        f"Backed up the {report.kind} database ({rows} rows, revision {report.revision}) and "
        f"{report.media_files} media files: {report.size_bytes / 1e6:.1f} MB in "
        f"{report.seconds:.1f} s. Rotation removed {len(removed)} older backups.",
        err=True,
    )
    # The path alone on standard output, for scripts (e.g. to copy it off the server).
    click.echo(str(report.path))


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore(path: Path) -> None:
    """Restore a backup into an empty database (DATABASE_URL) and media folder."""
    plan = _plan()
    try:
        report = backups.restore(plan.site, path)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Restored the backup taken at {report.taken_at}: {sum(report.rows.values())} rows "
        f"in {len(report.rows)} tables and {report.media_files} media files, "
        f"in {report.seconds:.1f} s."
    )
    for note in report.notes:
        click.echo(note)
    click.echo(
        f"The database is at schema revision {report.revision}. If this version of the app "
        "is newer than the backup, run `flask --app wsgi db upgrade` before starting it."
    )


def init_app(app: Flask) -> None:
    """Register the backup commands."""
    app.cli.add_command(backup)
    app.cli.add_command(restore)
