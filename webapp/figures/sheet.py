"""The review sheet: every figure's start and end frames with its title, for a clinician.

``flask --app wsgi figures sheet`` writes it as an HTML page and, through Chromium, a PNG.
Playwright is a test dependency: it is imported only when a PNG is asked for.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from webapp.figures.checks import check_poses
from webapp.figures.poses import ExercisePoses
from webapp.figures.render import render_figure

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


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
    """Render an HTML page to a PNG through Chromium (Playwright)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise SheetError(
            "Making the PNG needs Playwright: pip install -e '.[test]' (the HTML is written)."
        ) from exc
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SheetError("Making the PNG needs Chromium (apt-get install chromium).")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 40})
            page.set_content(html)
            page.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()
