"""Render the PNG app icons from the one SVG source, with Chromium: ``python -m tools.icons``.

A development step (it needs Playwright, a test dependency, and Debian's chromium); the
PNGs it writes next to static/icons/icon.svg are committed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ICONS_FOLDER = Path(__file__).resolve().parent.parent / "static" / "icons"
# A flat icon needs few colours: a 32-colour palette keeps its edges smooth at a quarter of
# the bytes (icon-192.png, which every first visit downloads: 5.0 KB as RGB, 1.3 KB so).
PALETTE_COLOURS = 32
# name: (size in px, padding as a share of the size, monochrome badge)
ICONS = {
    "icon-192.png": (192, 0.0, False),
    "icon-512.png": (512, 0.0, False),
    # Maskable icons keep their content inside the central 80 % safe zone.
    "maskable-512.png": (512, 0.1, False),
    "badge-96.png": (96, 0.0, True),
}


def _page(svg: str, size: int, padding: float, badge: bool) -> str:
    inner = int(size * (1 - 2 * padding))
    style_svg = "filter: brightness(0) invert(1);" if badge else ""
    background = "transparent" if badge else "#1d6b73"
    return (
        f"<html><body style='margin:0;width:{size}px;height:{size}px;background:{background};"
        f"display:flex;align-items:center;justify-content:center'>"
        f"<div style='width:{inner}px;height:{inner}px;{style_svg}'>{svg}</div></body></html>"
    )


def render_icons() -> list[Path]:
    """Write every icon next to the SVG source and return their paths."""
    folder = ICONS_FOLDER
    svg = (folder / "icon.svg").read_text().replace("<svg ", '<svg width="100%" height="100%" ', 1)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name, (size, padding, badge) in ICONS.items():
            page = browser.new_page(viewport={"width": size, "height": size})
            if badge:
                # The badge is a white silhouette on transparency: the figure only.
                figure = svg.replace('fill="#1d6b73"', 'fill="none"').replace(
                    'fill="#2a8a93"', 'fill="none"'
                )
                page.set_content(_page(figure, size, 0.05, True))
            else:
                page.set_content(_page(svg, size, padding, False))
            path = folder / name
            page.screenshot(path=str(path), omit_background=badge)
            page.close()
            _to_palette(path)
            written.append(path)
        browser.close()
    return written


def _to_palette(path: Path) -> None:
    with Image.open(path) as image:
        palette = image.convert("RGBA").quantize(
            colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE
        )
    palette.save(path, "PNG", optimize=True)


def main() -> None:
    """Render the icons and say which files were written."""
    for path in render_icons():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
