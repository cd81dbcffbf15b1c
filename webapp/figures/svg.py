"""The SVG pieces of a figure: its tones, numbers, paths, props, arrows and frame.

``render`` puts these together into a moving or still picture; the handout (``paper``)
and the list thumbnails (``thumbnail``) draw with the same tones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from webapp.figures.geometry import Capsule, Point, Polygon, Shape, Transform
from webapp.figures.placed import Item, Scene
from webapp.figures.scene import arrow_geometry, scale_of

NEAR_TONE = "#35535b"
FAR_TONE = "#a9bcbf"
HIGHLIGHT = "#c2571a"
HIGHLIGHT_FAR = "#efb58c"
HALO = "#fff"
ARROW = "#c2571a"
PROP_EDGE = "#8c9c9f"
PROP_TONES = {
    "prop": ("#e8eded", "#8c9c9f"),
    "soft": ("#f3efe6", "#a59f90"),
    "towel": ("#bcd5dc", "#6f8d96"),
    "frame": ("#d3dbdb", "#8c9c9f"),
    "ground": ("#eef1f1", "none"),
    "wall": ("#eef1f1", "#b6c1c2"),
    "ball": ("#e4ec9f", "#8f9a45"),
    "putty": ("#f1c9b3", "#b07a5e"),
}
LINE_TONES = {"leg": PROP_EDGE, "edge": PROP_EDGE, "towel": "#7f9ba3", "band": "#3f8f6a"}


def num(v: float) -> str:
    text = f"{v:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    if text.startswith("0."):
        text = text[1:]
    elif text.startswith("-0."):
        text = "-" + text[2:]
    return "0" if text == "-0" else text


def pt(p: Point) -> str:
    return f"{num(p[0])} {num(-p[1])}"


def path_data(points: Sequence[Point], closed: bool = False) -> str:
    d = "M" + "L".join(pt(p) for p in points)
    return d + "Z" if closed else d


def shape_svg(
    shape: Shape, colour: str, halo_trim: float | None, origin: Point, inherited: str = NEAR_TONE
) -> str:
    """Return one body shape; near-side limbs get a thin white gap around them."""
    shape = shape.moved(Transform(0.0, -origin[0], -origin[1]))
    tone = "" if colour == inherited else f' stroke="{colour}"'
    if isinstance(shape, Polygon):
        d = path_data(shape.points, closed=True)
        return f'<path d="{d}" fill="{colour}"{tone} stroke-width="{num(shape.radius * 2)}"/>'
    path = shape.path if isinstance(shape, Capsule) else (shape.centre,)
    d = path_data(path) if len(path) > 1 else f"M{pt(path[0])}h0"
    out = ""
    if halo_trim is not None:
        halo = trimmed(path, halo_trim)
        if halo:
            hd = path_data(halo) if len(halo) > 1 else f"M{pt(halo[0])}h0"
            out = f'<path d="{hd}" stroke="{HALO}" stroke-width="{num(shape.radius * 2 + 2.2)}"/>'
    return out + f'<path d="{d}"{tone} stroke-width="{num(shape.radius * 2)}"/>'


def trimmed(path: Sequence[Point], trim: float) -> list[Point]:
    """Return a path without its first ``trim`` centimetres (so joints show no seam)."""
    if trim <= 0 or len(path) < 2:
        return list(path)
    out = list(path)
    while len(out) > 1:
        (ax, ay), (bx, by) = out[0], out[1]
        length = math.hypot(bx - ax, by - ay)
        if length > trim:
            u = trim / length
            out[0] = (ax + (bx - ax) * u, ay + (by - ay) * u)
            return out
        trim -= length
        out.pop(0)
    return []


def item_svg(item: Item, animate: str = "") -> str:
    """Return one prop element (inside a group that strokes props thinly in grey)."""
    if item.shape == "rect":
        (x0, y0), (x1, y1) = item.points
        fill, stroke = PROP_TONES.get(item.tone, PROP_TONES["prop"])
        sw = "" if stroke == PROP_EDGE else f' stroke="{stroke}"'
        rx = f' rx="{num(item.size)}"' if item.size else ""
        return (
            f'<rect x="{num(min(x0, x1))}" y="{num(-max(y0, y1))}" width="{num(abs(x1 - x0))}"'
            f' height="{num(abs(y1 - y0))}"{rx} fill="{fill}"{sw}/>'
        )
    if item.shape == "circle":
        fill, stroke = PROP_TONES.get(item.tone, PROP_TONES["prop"])
        sw = "" if stroke == PROP_EDGE else f' stroke="{stroke}"'
        c = item.points[0]
        return (
            f'<circle cx="{num(c[0])}" cy="{num(-c[1])}" r="{num(item.size)}" fill="{fill}"{sw}/>'
        )
    colour = LINE_TONES.get(item.tone, PROP_EDGE)
    stroke = "" if colour == PROP_EDGE else f' stroke="{colour}"'
    if animate or item.tone in ("towel", "band"):
        (x1, y1), (x2, y2) = item.points
        return (
            f'<line x1="{num(x1)}" y1="{num(-y1)}" x2="{num(x2)}" y2="{num(-y2)}"{stroke}'
            f' stroke-width="{num(item.size)}">{animate}</line>'
        )
    return f'<path d="{path_data(item.points)}"{stroke} stroke-width="{num(item.size)}"/>'


def arrows_svg(scene: Scene) -> str:
    out = []
    unit = scale_of(scene.box)
    for line, heads in arrow_geometry(scene):
        out.append(f'<path d="{curve_d(line)}"/>')
        for k in range(0, len(heads), 3):
            out.append(f'<path d="{path_data(heads[k : k + 3], closed=True)}" fill="{ARROW}"/>')
    if not out:
        return ""
    return f'<g stroke="{ARROW}" stroke-width="{num(1.5 * unit)}">' + "".join(out) + "</g>"


def curve_d(points: Sequence[Point]) -> str:
    """Return a polyline that lies on a circle as one SVG arc (a line stays a line)."""
    if len(points) < 3:
        return path_data(points)
    a, m, b = points[0], points[len(points) // 2], points[-1]
    # The circle through the first, middle and last point.
    ax, ay = a
    bx, by = m
    cx, cy = b
    d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    if abs(d) < 1e-9:
        return path_data([a, b])
    ux = (
        (ax * ax + ay * ay) * (by - cy)
        + (bx * bx + by * by) * (cy - ay)
        + (cx * cx + cy * cy) * (ay - by)
    ) / d
    uy = (
        (ax * ax + ay * ay) * (cx - bx)
        + (bx * bx + by * by) * (ax - cx)
        + (cx * cx + cy * cy) * (bx - ax)
    ) / d
    r = math.hypot(ax - ux, ay - uy)
    turn = sum(
        (q[0] - p[0]) * (s[1] - q[1]) - (q[1] - p[1]) * (s[0] - q[0])
        for p, q, s in zip(points, points[1:], points[2:], strict=False)
    )
    swept = sum(math.dist(p, q) for p, q in zip(points, points[1:], strict=False)) / r
    large = 1 if swept > math.pi else 0
    # y is flipped in SVG, so a counter-clockwise turn here is clockwise there.
    sweep = 0 if turn > 0 else 1
    if swept > 1.9 * math.pi:
        # A full circle cannot be one arc: draw it as two halves.
        return (
            f"M{pt(a)}A{num(r)} {num(r)} 0 0 {sweep} {pt(m)}A{num(r)} {num(r)} 0 0 {sweep} {pt(b)}"
        )
    return f"M{pt(a)}A{num(r)} {num(r)} 0 {large} {sweep} {pt(b)}"


def open_svg(
    box: tuple[float, float, float, float], title: str, size: int | None, css_class: str
) -> str:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    dims = f' width="{size}" height="{round(size * h / w)}"' if size else ""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg"'
        f' viewBox="{num(x0)} {num(-y1)} {num(w)} {num(h)}"{dims} role="img" class="{css_class}">'
        f"<title>{escape(title)}</title>"
        f'<g fill="none" stroke="{NEAR_TONE}" stroke-linecap="round" stroke-linejoin="round">'
    )


def chevron(
    one: tuple[float, float, float, float], step: Point, i: int, gap: float, stacked: bool
) -> str:
    x0, y0, x1, y1 = one
    s = min(gap * 0.3, 8.0)
    if stacked:
        cx = (x0 + x1) / 2
        cy = y0 + step[1] * i - gap / 2
        pts = [(cx - s, cy + s / 2), (cx, cy - s / 2), (cx + s, cy + s / 2)]
    else:
        cx = x1 + step[0] * i + gap / 2
        cy = (y0 + y1) / 2
        pts = [(cx - s / 2, cy + s), (cx + s / 2, cy), (cx - s / 2, cy - s)]
    return f'<path d="{path_data(pts)}" stroke="#b6c1c2" stroke-width="{num(max(1.2, s / 4))}"/>'
