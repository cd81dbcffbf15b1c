"""The still figure in black and white, for the printed handout.

A handout is printed on office printers, often in black only: the near side, the moving
part and the arrows print black, the far side mid grey, props as grey outlines on white.
Every colour in a figure is one of the writer's own (``render.py``), so each is mapped by
name, and any other by its lightness.
"""

from __future__ import annotations

import re

from webapp.figures.svg import ARROW, FAR_TONE, HIGHLIGHT, HIGHLIGHT_FAR, NEAR_TONE

INK = "#000"
GREY = "#888"
PAPER = "#fff"
_NAMED = {NEAR_TONE: INK, HIGHLIGHT: INK, ARROW: INK, FAR_TONE: GREY, HIGHLIGHT_FAR: GREY}
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def _grey(colour: str) -> str:
    """Return white for pale fills, else a grey as light as the colour."""
    hex_digits = colour[1:]
    if len(hex_digits) == 3:
        hex_digits = "".join(ch * 2 for ch in hex_digits)
    r, g, b = (int(hex_digits[i : i + 2], 16) for i in (0, 2, 4))
    light = round(0.299 * r + 0.587 * g + 0.114 * b)
    if light > 215:
        return PAPER
    return f"#{light:02x}{light:02x}{light:02x}"


def black_and_white(svg: str) -> str:
    """Return a figure's SVG with every colour turned to black, grey or white."""
    return _COLOUR.sub(lambda m: _NAMED.get(m.group(0), _grey(m.group(0))), svg)
