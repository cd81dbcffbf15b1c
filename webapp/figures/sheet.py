"""The review sheet: every figure's start and end frames with its title, for a clinician.

``flask --app wsgi figures sheet`` writes it as an HTML page and, through Chromium, a PNG.
Playwright is a test dependency: it is imported only when a PNG is asked for.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from webapp.figures.checks import check_poses
from webapp.figures.poses import ExercisePoses
from webapp.figures.render import render_figure

# The repository holds tools/ (development helpers, not part of the installed app).
REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SheetEntry:
    """One exercise on the sheet."""

    slug: str
    title: str
    poses: ExercisePoses


class SheetError(RuntimeError):
    """The PNG could not be made (no Playwright, no Chromium)."""


def sheet_html(entries: Sequence[SheetEntry], *, columns: int = 3, heading: str = "") -> str:
    """Return the review sheet as one self-contained HTML page."""
    cards = []
    for entry in entries:
        poses = entry.poses
        problems = check_poses(poses)
        notes = "".join(f"<li>{escape(p)}</li>" for p in problems)
        frames = (
            ("start", "end", "hold")
            if any(f.name == "hold" for f in poses.frames)
            else ("start", "end")
        )
        cards.append(
            '<section class="card">'
            f"<h2>{escape(entry.title)}</h2>"
            f'<p class="slug">{escape(entry.slug)} · {escape(poses.source)}'
            f" · {escape(poses.view_name)} view</p>"
            f"{render_figure(poses, animate=False, frames=frames)}"
            f'<p class="alt">{escape(poses.alt)}</p>'
            + "".join(
                f'<p class="alt" lang="{escape(lang)}">{escape(text)}</p>'
                for lang, text in sorted(poses.alts.items())
            )
            + (f'<ul class="problems">{notes}</ul>' if notes else "")
            + "</section>"
        )
    title = heading or f"Exercise figures for review ({len(entries)})"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>"
        "body{font:14px/1.4 system-ui,sans-serif;margin:16px;background:#f3f4f2;color:#1f2426}"
        f".grid{{display:grid;grid-template-columns:repeat({columns},1fr);gap:12px}}"
        ".card{background:#fff;border:1px solid #d6d9d6;border-radius:10px;padding:10px;"
        "break-inside:avoid}"
        "h1{font-size:20px;margin:0 0 12px}h2{font-size:15px;margin:0}"
        ".slug{color:#555f63;font-size:12px;margin:2px 0 6px}"
        ".alt{font-size:12px;color:#39464a;margin:6px 0 0}"
        ".problems{color:#a4282a;font-size:12px}"
        "svg{display:block;width:100%;height:auto;max-height:320px}"
        "</style></head><body>"
        f'<h1>{escape(title)}</h1><div class="grid">{"".join(cards)}</div></body></html>'
    )


def strip_html(entries: Sequence[SheetEntry]) -> str:
    """Return a one-row strip of figures, start and end (for the README)."""
    cells = "".join(
        f"<figure><div>{render_figure(e.poses, animate=False)}</div>"
        f"<figcaption>{escape(e.title)}</figcaption></figure>"
        for e in entries
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><style>'
        "body{margin:0;background:#fff;font:13px/1.3 system-ui,sans-serif;color:#1f2426}"
        f".row{{display:grid;grid-template-columns:repeat({len(entries)},1fr);gap:10px;"
        "padding:10px;align-items:end}"
        "figure{margin:0;text-align:center}figure div{height:150px;display:flex;align-items:end}"
        "svg{width:100%;height:100%}figcaption{margin-top:4px}"
        f'</style></head><body><div class="row">{cells}</div></body></html>'
    )


def write_png(html: str, png: Path, *, width: int = 1400) -> None:
    """Render an HTML page to a PNG through Chromium, in a separate process.

    The picture is made by ``tools.screenshot`` (Playwright is a test dependency, and the
    app never imports it); the HTML is written next to the PNG first.
    """
    source = png.with_suffix(".html")
    if not source.exists() or source.read_text(encoding="utf-8") != html:
        source = png.with_name(png.stem + "-source.html")
        source.write_text(html, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "tools.screenshot",
        str(source),
        str(png),
        "--width",
        str(width),
    ]
    try:
        done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SheetError(f"Could not start the screenshot tool: {exc}.") from exc
    if done.returncode != 0:
        if "No module named 'playwright'" in done.stderr:
            raise SheetError(
                "Making the PNG needs Playwright: pip install -e '.[test]' (the HTML is written)."
            )
        raise SheetError((done.stderr.strip() or done.stdout.strip()).splitlines()[-1])
