"""Flask commands for the exercise figures: a review sheet for clinicians, and the checks."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from webapp.figures import builtin_poses, check_poses
from webapp.figures.sheet import SheetEntry, SheetError, sheet_html, strip_html, write_png
from webapp.services import library

figures_cli = click.Group("figures", help="The exercise figures drawn from pose data.")


def _sheet_entries(only: str) -> list[SheetEntry]:
    wanted = {s.strip() for s in only.split(",") if s.strip()}
    poses = builtin_poses()
    entries = []
    for data in library.builtin_exercises():
        slug = data["slug"]
        if slug in poses and (not wanted or slug in wanted):
            entries.append(SheetEntry(slug, data["title"], poses[slug]))
    return entries


@figures_cli.command("sheet")
@click.option(
    "--out",
    "out_dir",
    default="figures-review",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for figures-sheet.html and figures-sheet.png.",
)
@click.option("--only", default="", help="Comma-separated slugs (default: every exercise).")
@click.option("--columns", default=3, show_default=True, type=int)
@click.option("--png/--no-png", default=True, help="Also render a PNG through Chromium.")
@click.option(
    "--strip",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Instead, write a one-row PNG strip of the chosen figures (for the README).",
)
def figures_sheet(out_dir: Path, only: str, columns: int, png: bool, strip: Path | None) -> None:
    """Write the review sheet: every exercise's start and end frames with its title."""
    entries = _sheet_entries(only)
    if not entries:
        raise click.ClickException("No exercise with a figure matches --only.")
    try:
        if strip is not None:
            write_png(strip_html(entries), strip, width=260 * len(entries))
            click.echo(f"Wrote {strip} ({len(entries)} figures).")
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        html = sheet_html(entries, columns=columns)
        (out_dir / "figures-sheet.html").write_text(html, encoding="utf-8")
        click.echo(f"Wrote {out_dir / 'figures-sheet.html'} ({len(entries)} exercises).")
        if png:
            write_png(html, out_dir / "figures-sheet.png", width=420 * columns)
            click.echo(f"Wrote {out_dir / 'figures-sheet.png'}.")
    except SheetError as exc:
        raise click.ClickException(str(exc)) from exc


@figures_cli.command("check")
def figures_check() -> None:
    """Check every figure: range of motion, contacts, nothing inside a prop or floor."""
    bad = 0
    for entry in _sheet_entries(""):
        for problem in check_poses(entry.poses):
            bad += 1
            click.echo(f"{entry.slug}: {problem}")
    if bad:
        raise click.ClickException(f"{bad} problems.")
    click.echo("Every figure passes its checks.")


def init_app(app: Flask) -> None:
    """Register the figures commands."""
    app.cli.add_command(figures_cli)
