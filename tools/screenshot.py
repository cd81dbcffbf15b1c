"""Render an HTML file to a PNG with Debian's Chromium: ``python -m tools.screenshot IN OUT``.

A development step (it needs Playwright, a test dependency). The app's own commands that
want a picture (``flask figures sheet``) run this module in a separate process, so nothing in
``webapp`` imports Playwright.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


def screenshot(html: Path, png: Path, *, width: int) -> None:
    """Write a full-page PNG of an HTML file, the given width wide."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("Making the PNG needs Chromium (apt-get install chromium).")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 40})
            page.set_content(html.read_text(encoding="utf-8"))
            page.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()


def main() -> None:
    """Parse the command line and write the picture."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1400)
    args = parser.parse_args()
    screenshot(args.html, args.png, width=args.width)


if __name__ == "__main__":
    main()
