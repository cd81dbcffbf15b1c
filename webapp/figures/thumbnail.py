"""A tiny still picture of an exercise's start position, for lists (Today, the builder).

Lists show many of them on a phone's first visit, so each is drawn as flat as it can be:
the start frame only, every body shape already placed (no nested joint groups), whole
centimetres, no halos, highlight, arrows or title (the list names the exercise next to
it, so the picture is decorative). About 1 KB, 0.4 KB gzipped.
"""

from __future__ import annotations

from collections import defaultdict

from webapp.figures.geometry import Capsule, Point, Polygon
from webapp.figures.placed import Scene
from webapp.figures.poses import ExercisePoses
from webapp.figures.scene import build_scene
from webapp.figures.skeleton import FAR
from webapp.figures.svg import FAR_TONE, NEAR_TONE, PROP_EDGE

PROP_FILL = "#eef1f1"


def _n(v: float) -> str:
    text = str(round(v))
    return "0" if text == "-0" else text


def _pt(p: Point) -> str:
    return f"{_n(p[0])} {_n(-p[1])}"


def render_thumbnail(poses: ExercisePoses) -> str:
    """Return the start frame as a small flat SVG (it scales to any size)."""
    scene = build_scene(poses)
    frame = scene.frame("start")
    # tone -> stroke width -> subpaths; tone -> filled outlines (the trunk)
    strokes: dict[str, dict[str, list[str]]] = {FAR_TONE: defaultdict(list)}
    strokes[NEAR_TONE] = defaultdict(list)
    fills: dict[str, list[str]] = {FAR_TONE: [], NEAR_TONE: []}
    for part in scene.body_parts():
        tone = FAR_TONE if part.tone == FAR else NEAR_TONE
        for shape in frame.shapes(scene.view, part.name):
            if isinstance(shape, Polygon):
                fills[tone].append("M" + "L".join(_pt(p) for p in shape.points) + "Z")
            elif isinstance(shape, Capsule):
                width = _n(shape.radius * 2)
                strokes[tone][width].append("M" + "L".join(_pt(p) for p in shape.path))
            else:
                strokes[tone][_n(shape.radius * 2)].append(f"M{_pt(shape.centre)}h0")
    body = []
    for tone, by_width in strokes.items():
        body.append(f'<g stroke="{tone}">')
        if fills[tone]:
            body.append(f'<path d="{"".join(fills[tone])}" fill="{tone}" stroke-width="3"/>')
        body += [f'<path d="{"".join(d)}" stroke-width="{w}"/>' for w, d in by_width.items()]
        body.append("</g>")
    x0, y0, x1, y1 = scene.box
    return (
        '<svg xmlns="http://www.w3.org/2000/svg"'
        f' viewBox="{_n(x0)} {_n(-y1)} {_n(x1 - x0)} {_n(y1 - y0)}">'
        + _props(scene)
        + '<g fill="none" stroke-linecap="round" stroke-linejoin="round">'
        + "".join(body)
        + "</g></svg>"
    )


def _props(scene: Scene) -> str:
    """Return the props in one light tone: the chair, bed or ball the body rests on."""
    out = []
    for prop in scene.props:
        for item in prop.items:
            if prop.moving:
                continue  # a towel or band in the hands: too fine to see this small
            if item.shape == "rect":
                (ax, ay), (bx, by) = item.points
                out.append(
                    f'<rect x="{_n(min(ax, bx))}" y="{_n(-max(ay, by))}"'
                    f' width="{_n(abs(bx - ax))}" height="{_n(abs(by - ay))}"/>'
                )
            elif item.shape == "circle":
                c = item.points[0]
                out.append(f'<circle cx="{_n(c[0])}" cy="{_n(-c[1])}" r="{_n(item.size)}"/>')
            else:
                d = "M" + "L".join(_pt(p) for p in item.points)
                out.append(f'<path d="{d}" fill="none" stroke-width="{_n(max(item.size, 1))}"/>')
    if not out:
        return ""
    return f'<g fill="{PROP_FILL}" stroke="{PROP_EDGE}" stroke-width="1">' + "".join(out) + "</g>"
