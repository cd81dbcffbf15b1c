"""The body map's geometry as data: one SVG path per selectable area, front and back.

Each view is drawn in its own 100 x 212 box (``VIEW_WIDTH`` x ``VIEW_HEIGHT``); the
template places both views side by side in one ``0 0 220 230`` canvas at ``VIEW_ORIGINS``.
Shapes are written once for the image's left half and mirrored for the other side.

Anatomy convention: in the front view the patient's left side is on the image's right;
in the back view the patient's left side is on the image's left.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from webapp.content.vocab import PAIRED_REGIONS, body_map_keys, describe_region_key

View = Literal["front", "back"]
Point = tuple[float, float]

VIEWS: Final[tuple[View, ...]] = ("front", "back")
VIEW_WIDTH: Final[int] = 100
VIEW_HEIGHT: Final[int] = 212
CANVAS: Final[tuple[int, int]] = (220, 230)
VIEW_ORIGINS: Final[dict[View, tuple[int, int]]] = {"front": (5, 16), "back": (115, 16)}


@dataclass(frozen=True, slots=True)
class Area:
    """One selectable area of the body map in one view."""

    key: str
    region: str
    side: str | None
    view: View
    d: str


def _num(value: float) -> str:
    """Format a coordinate compactly (one decimal, no trailing zeros, no leading zero)."""
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    if text in ("", "-0"):
        return "0"
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def _nums(*values: float) -> str:
    """Join numbers for path data, letting minus signs stand in for separators."""
    out = ""
    for value in values:
        text = _num(value)
        out += text if not out or text.startswith("-") else " " + text
    return out


@dataclass(frozen=True, slots=True)
class _Blob:
    """A smooth closed shape: a quadratic B-spline around its control points.

    The curve touches the middle of every edge and rounds off every corner, which keeps
    the path short (one relative ``q`` segment per point) and the figure soft.
    """

    points: tuple[Point, ...]

    def path(self, mirror: bool = False) -> str:
        """Return the path data, optionally mirrored around the view's centre line."""
        pts = self.points
        n = len(pts)
        # Alternate control point, edge middle (snapped to half units before mirroring so
        # both sides match and the relative steps add up exactly).
        seq: list[Point] = []
        for i, (x, y) in enumerate(pts):
            nx, ny = pts[(i + 1) % n]
            seq += [(x, y), (math.floor(x + nx + 0.5) / 2, math.floor(y + ny + 0.5) / 2)]
        if mirror:
            seq = [(VIEW_WIDTH - x, y) for x, y in seq]
        # Wind every shape clockwise (mirroring flips the winding), so that the silhouette's
        # overlapping parts add up instead of cancelling out.
        clockwise = sum(pts[i - 1][0] * pts[i][1] - pts[i][0] * pts[i - 1][1] for i in range(n)) > 0
        if clockwise == mirror:
            seq = seq[::-1]
            seq = seq[1:] + seq[:1]
        x0, y0 = seq[-1]
        values: list[float] = []
        cx, cy = x0, y0
        for i in range(0, len(seq), 2):
            (vx, vy), (mx, my) = seq[i], seq[i + 1]
            values += [vx - cx, vy - cy, mx - cx, my - cy]
            cx, cy = mx, my
        return "M" + _nums(x0, y0) + "q" + _nums(*values) + "z"


@dataclass(frozen=True, slots=True)
class _Oval:
    """An ellipse, drawn as two relative arcs."""

    cx: float
    cy: float
    rx: float
    ry: float

    def path(self, mirror: bool = False) -> str:
        """Return the path data, optionally mirrored around the view's centre line."""
        cx = VIEW_WIDTH - self.cx if mirror else self.cx
        rx, ry = self.rx, self.ry
        return (
            "M"
            + _nums(cx - rx, self.cy)
            + "a"
            + _nums(rx, ry, 0, 1, 1, 2 * rx, 0, rx, ry, 0, 1, 1, -2 * rx, 0)
            + "z"
        )


_Shape = _Blob | _Oval


def _blob(points: str) -> _Blob:
    """Build a blob from SVG-style points, e.g. ``"30,38 22,46 24,56"``."""
    pairs = (pair.split(",") for pair in points.split())
    return _Blob(tuple((float(x), float(y)) for x, y in pairs))


# -- Silhouette (drawn under the areas; the image's left half, mirrored for the right) ---------

_HEAD: Final = _Oval(50, 15, 11, 14)
_TORSO: Final = _blob(  # neck included; symmetric, so drawn once
    "44,18 42,34 26,38 20,48 32,54 34,68 36,84 26,104 50,124"
    " 74,104 64,84 66,68 68,54 80,48 74,38 58,34 56,18"
)
_ARM: Final = _blob("24,40 34,46 32,62 28,84 24,112 26,126 20,140 10,140 6,128 10,112 16,84 18,52")
_LEG: Final = _blob(
    "30,94 50,110 50,124 48,160 48,178 46,196 50,208 44,212 30,212 30,206 36,196 28,178"
    " 32,160 26,130"
)
_SILHOUETTE: Final[tuple[_Shape, ...]] = (_HEAD, _TORSO, _ARM, _LEG)
_PAIRED_PARTS: Final[tuple[_Shape, ...]] = (_ARM, _LEG)

# -- Areas per view: region -> shape (paired regions: the shape on the image's left) ----------
# Within one shape keep every x even (or every x odd), and the same for y: the edge middles
# then fall on whole units and the path data stays short.

_SHOULDER: Final = _blob("44,38 30,38 22,46 24,56 34,56 36,48 44,46")
_ARM_AREA: Final = _blob("26,58 34,58 28,84 24,110 12,110 18,84")
_HAND: Final = _blob("12,112 24,112 24,126 20,138 10,138 8,128")
_KNEE: Final = _Oval(41, 156, 7, 6)
_CALF: Final = _blob("32,164 48,164 46,196 38,196 30,178")
_TORSO_TOP: Final = "34,56 36,46 64,46 66,56"

_LAYOUT: Final[dict[View, dict[str, _Shape]]] = {
    "front": {
        "head_jaw": _Oval(50, 16, 9, 12),
        "neck": _blob("44,28 56,28 56,40 44,40"),
        "shoulders": _SHOULDER,
        "chest": _blob(_TORSO_TOP + " 66,70 34,70"),
        "arms": _ARM_AREA,
        "wrists_hands": _HAND,
        "abdomen": _blob("36,72 64,72 64,92 50,104 36,92"),
        "hips": _blob("34,94 48,104 48,112 30,112 32,102"),
        "thighs": _blob("30,114 48,118 48,148 32,148 28,128"),
        "knees": _KNEE,
        "calves": _CALF,  # the shins, seen from the front
        "ankles_feet": _blob("38,198 46,198 48,208 42,212 32,210 30,204"),
    },
    "back": {
        "neck": _blob("44,22 56,22 56,40 44,40"),
        "shoulders": _SHOULDER,
        "upper_back": _blob(_TORSO_TOP + " 66,74 34,74"),
        "arms": _ARM_AREA,
        "wrists_hands": _HAND,
        "lower_back": _blob("36,76 64,76 64,94 36,94"),
        "glutes": _blob("36,96 48,96 48,118 34,118 30,106"),
        "thighs": _blob("30,120 48,120 48,148 32,148 28,130"),
        "knees": _KNEE,
        "calves": _CALF,
        "ankles_feet": _blob("38,198 46,198 48,208 42,212 36,210"),  # the heels
    },
}


def _silhouette() -> str:
    """Join the silhouette's parts (both halves) into one path, all wound the same way."""
    parts: list[str] = []
    for shape in _SILHOUETTE:
        parts.append(shape.path())
        if shape in _PAIRED_PARTS:
            parts.append(shape.path(mirror=True))
    return "".join(parts)


OUTLINES: Final[dict[View, str]] = {view: _silhouette() for view in VIEWS}


def _mirrored(side: str, view: View) -> bool:
    """Tell whether a paired side sits on the image's right in this view."""
    return (side == "left") == (view == "front")


def _build_areas() -> tuple[Area, ...]:
    """Lay out every body-map key in every view that shows it, head to toe."""
    areas: list[Area] = []
    for key in body_map_keys():
        region, _, side = key.partition(":")
        for view in VIEWS:
            shape = _LAYOUT[view].get(region)
            if shape is None:
                continue
            paired = region in PAIRED_REGIONS and bool(side)
            mirror = _mirrored(side, view) if paired else False
            areas.append(Area(key, region, side or None, view, shape.path(mirror=mirror)))
    return tuple(areas)


AREAS: Final[tuple[Area, ...]] = _build_areas()


def areas_for(view: View | None = None) -> tuple[Area, ...]:
    """Return the areas drawn in one view, or every area (head to toe) when view is None."""
    if view is None:
        return AREAS
    return tuple(area for area in AREAS if area.view == view)


def outline_for(view: View) -> str:
    """Return the silhouette path data drawn under a view's areas."""
    return OUTLINES[view]


def area_keys(areas: Sequence[Area] = AREAS) -> list[str]:
    """List the distinct keys of some areas, in the order they first appear."""
    return list(dict.fromkeys(area.key for area in areas))


def template_globals() -> dict[str, Callable[..., object]]:
    """Return the Jinja globals the body-map macros call."""
    return {
        "bodymap_areas": areas_for,
        "bodymap_outline": outline_for,
        "region_label": describe_region_key,
    }
