"""Props placed around the body of the start frame: floor, mat, bed, chair, wall, stairs ...

A pillow fills the gap under the head, a chair's seat meets the buttocks, a wall stands at
the hands; each prop is drawn from its own few shapes, below or in front of the body.
"""

from __future__ import annotations

from webapp.figures.geometry import (
    Disc,
    Point,
    Polygon,
    bounds,
    lowest_point,
    outline,
    shape_bounds,
    union_bounds,
)
from webapp.figures.placed import RESTING_ON, Item, Placed, PlacedProp, support_below
from webapp.figures.poses import SUPPORTS, ExercisePoses, PropSpec
from webapp.figures.skeleton import View


def _rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), 0.0)


def _lowest_of(frame: Placed, view: View, part: str) -> Point:
    return lowest_point(frame.shapes(view, part))


def _extent(frame: Placed, view: View, part: str) -> tuple[float, float, float, float]:
    return union_bounds(frame.shapes(view, part))


def place_props(poses: ExercisePoses, view: View, frames: list[Placed]) -> list[PlacedProp]:
    """Place every prop from the body in its frame (the start frame unless it says)."""
    by_name = {f.name: f for f in frames}
    body = union_bounds(s for f in frames for part in view.parts for s in f.shapes(view, part.name))
    specs = list(poses.props)
    if poses.support in ("mat", "bed", "chair") and not any(s.kind == poses.support for s in specs):
        under = "pelvis" if poses.support == "chair" else ""
        specs.insert(0, PropSpec(kind=poses.support, name=poses.support, under=under))
    out: list[PlacedProp] = []
    below = any(support_below(poses, f) for f in poses.frames)
    if below and poses.view_name in ("side", "front"):
        out.append(_floor(body))
    for spec in specs:
        frame = by_name.get(spec.frame, frames[0])
        prop = _place(spec, poses, view, frame, frames, body, out)
        if spec.solid is not None:
            prop.solid_for = frozenset(spec.solid)
        elif poses.view_name == "side" and spec.kind in RESTING_ON:
            # Seen from the side, arms and legs pass beside a chair or table: only what
            # sits, leans or rests on it must stay out of it.
            prop.solid_for = RESTING_ON[spec.kind]
        prop.front = prop.front or spec.front
        out.append(prop)
    return out


def _floor(body: tuple[float, float, float, float]) -> PlacedProp:
    x0, _, x1, _ = body
    spec = PropSpec(kind="floor", name="floor")
    return PlacedProp(
        spec,
        [
            Item("rect", ((x0 - 60, -6), (x1 + 60, 0)), 0, "ground"),
            Item("line", ((x0 - 60, 0), (x1 + 60, 0)), 0.8, "edge"),
        ],
        [_rect(x0 - 400, -40, x1 + 400, 0)],
    )


def _top_below(placed: list[PlacedProp], x: float, y: float, on: str = "") -> float:
    """Return the top of the surface under a point: the named prop, or the highest below."""
    best = 0.0
    for prop in placed:
        if on and prop.spec.name == on and prop.solids:
            return shape_bounds(prop.solids[0])[3]
        for solid in prop.solids:
            x0, _, x1, y1 = shape_bounds(solid)
            if not on and x0 - 0.5 <= x <= x1 + 0.5 and y1 <= y + 1.0:
                best = max(best, y1)
    return best


def _reference(
    frame: Placed, view: View, name: str
) -> tuple[Point, tuple[float, float, float, float]]:
    """Return the lowest point of a part (or the body just under a joint) and its extent."""
    if name in view.joints and name not in {p.name for p in view.parts}:
        jx, _ = frame.pivot(view, name)
        part = view.joints[name]
        shapes = frame.shapes(view, part.name) + (
            frame.shapes(view, part.parent) if part.parent else []
        )
        pts = [p for s in shapes for p in outline(s, 16) if abs(p[0] - jx) <= 3.0]
        low = min(y for _, y in pts)
        return (jx, low), bounds(pts)
    return _lowest_of(frame, view, name), _extent(frame, view, name)


def _place(
    spec: PropSpec,
    poses: ExercisePoses,
    view: View,
    frame: Placed,
    frames: list[Placed],
    body: tuple[float, float, float, float],
    placed: list[PlacedProp],
) -> PlacedProp:
    kind = spec.kind
    ref = spec.under or spec.at
    if ref:
        (lx, ly), ex = _reference(frame, view, ref)
    else:
        lx, ly, ex = (body[0] + body[2]) / 2, SUPPORTS[poses.support], body
    if spec.x is not None:
        lx = float(spec.x)
    lx += spec.dx
    if spec.y is not None:
        base = float(spec.y)
    else:
        base = _top_below(placed, lx, ly, spec.on)

    seen_from_above = poses.view_name in ("top", "hand_palm") or (
        poses.view_name == "front" and not any(support_below(poses, f) for f in poses.frames)
    )
    if kind in ("mat", "bed", "table") and seen_from_above and spec.y is None:
        # Seen from above: the mat, bed or table lies behind the whole body.
        x0, y0, x1, y1 = body
        tone = "frame" if kind == "table" else "prop"
        return PlacedProp(
            spec, [Item("rect", ((x0 - 6, y0 - 6), (x1 + 6, y1 + 6)), 4, tone)], [], frozenset()
        )
    if kind in ("mat", "bed"):
        x0, x1 = body[0] - 6, body[2] + 6
        if kind == "mat":
            # A mat given a height in a top view is seen edge-on, from the head end: what a
            # body lying on its side rests on.
            y = float(spec.y) if seen_from_above and spec.y is not None else 0.0
            return PlacedProp(
                spec,
                [Item("rect", ((x0, y), (x1, y + 1.5)), 0.7)],
                [_rect(x0, y - 40, x1, y + 1.5)],
            )
        top = SUPPORTS["bed"]
        return PlacedProp(
            spec,
            [
                Item("line", ((x0 + 6, 30), (x0 + 6, 0)), 3, "leg"),
                Item("line", ((x1 - 6, 30), (x1 - 6, 0)), 3, "leg"),
                Item("rect", ((x0 + 1, 28), (x1 - 1, 37)), 1.5, "frame"),
                Item("rect", ((x0, 36), (x1, top)), 4),
            ],
            [_rect(x0, 28, x1, top)],
        )
    if kind == "chair":
        return _chair(spec, poses, view, frame, ly, ex)
    if kind == "step":
        return _stairs(spec, view, frame, ly, ex)
    if kind in ("wall", "door"):
        return _wall(spec, poses, view, frame, body, ex)
    if kind in ("table", "counter"):
        top = (ly if ref else (spec.y or 75)) + spec.dy
        width = spec.width or (70 if kind == "table" else 60)
        if kind == "counter":
            x0 = lx - 8
            x1 = x0 + width
            return PlacedProp(
                spec,
                [
                    Item("rect", ((x0 + 3, 0), (x1, top - 4)), 1, "frame"),
                    Item("rect", ((x0, top - 4), (x1 + 2, top)), 1),
                ],
                [_rect(x0, 0, x1 + 2, top)],
            )
        x0, x1 = lx - width / 2, lx + width / 2
        if poses.view_name in ("hand_side", "hand_palm"):
            # A hand close-up: only the edge of the table top shows.
            return PlacedProp(
                spec, [Item("rect", ((x0, top - 6), (x1, top)), 1)], [_rect(x0, top - 6, x1, top)]
            )
        return PlacedProp(
            spec,
            [
                Item("line", ((x0 + 4, top - 3.5), (x0 + 4, 0)), 3, "leg"),
                Item("line", ((x1 - 4, top - 3.5), (x1 - 4, 0)), 3, "leg"),
                Item("rect", ((x0, top - 3.5), (x1, top)), 1),
            ],
            [_rect(x0, top - 3.5, x1, top)],
        )
    if kind in ("towel", "band") and spec.to:
        moving = {f.name: (f.tip(view, spec.at), f.tip(view, spec.to)) for f in frames}
        return PlacedProp(
            spec,
            [Item("line", moving[frame.name], 2.4 if kind == "towel" else 1.2, kind)],
            [],
            frozenset(),
            front=True,
            moving=moving,
        )
    if kind == "band" and spec.at:
        # A band tied to a post or a door: from the hand to a fixed point dx/dy away from
        # where the hand starts.
        ax, ay = frame.tip(view, spec.at)
        tied = (ax + spec.dx, ay + spec.dy)
        moving = {f.name: (f.tip(view, spec.at), tied) for f in frames}
        return PlacedProp(
            spec,
            [Item("line", moving[frame.name], 1.2, kind)],
            [],
            frozenset(),
            front=True,
            moving=moving,
        )
    if kind == "towel" and spec.shape == "flat":
        w = spec.width or 30
        return PlacedProp(
            spec,
            [Item("rect", ((lx - w / 2, base), (lx + w / 2, base + 2.2)), 0.8, "towel")],
            [_rect(lx - w / 2, base, lx + w / 2, base + 2.2)],
        )
    if kind in ("towel", "ball", "big_ball", "roller", "putty"):
        r = (
            spec.width / 2
            if spec.width
            else {"towel": 3.5, "ball": 3.3, "big_ball": 32.0, "roller": 7.5, "putty": 2.5}[kind]
        )
        if spec.side in ("back", "front"):
            # Against the side of a part (a ball between the back and a wall).
            x = ex[0] - r if spec.side == "back" else ex[2] + r
            centre = (x + spec.dx, (ex[1] + ex[3]) / 2 + spec.dy)
        else:
            centre = (lx, base + r + spec.dy)
        tone = {"towel": "towel", "ball": "ball", "big_ball": "ball", "putty": "putty"}.get(
            kind, "prop"
        )
        return PlacedProp(spec, [Item("circle", (centre,), r, tone)], [Disc(centre, r)])
    if kind in ("pillow", "cushion"):
        w = spec.width or (40 if kind == "pillow" else 26)
        h = spec.height or max(4.0, ly - base)
        bottom = base + spec.dy
        if spec.under == "head" and spec.x is None:
            # A pillow lies under the head, not under the shoulders: off the body's side.
            pelvis_x = frame.world["pelvis"].apply(view.root_pivot)[0]
            away = 1.0 if lx > pelvis_x else -1.0
            lx += away * (w / 2 - 9)
        return PlacedProp(
            spec,
            [Item("rect", ((lx - w / 2, bottom), (lx + w / 2, bottom + h)), min(h / 2, 5), "soft")],
            [_rect(lx - w / 2, bottom, lx + w / 2, bottom + h)],
        )
    raise ValueError(f"{poses.slug}: cannot place prop {kind!r} ({spec.shape or 'plain'})")


def _chair(
    spec: PropSpec,
    poses: ExercisePoses,
    view: View,
    frame: Placed,
    ly: float,
    ex: tuple[float, float, float, float],
) -> PlacedProp:
    back_h = spec.height or 42
    if poses.view_name == "front":
        half = (spec.width or 46) / 2
        cx = frame.world["pelvis"].apply(view.root_pivot)[0] + spec.dx
        seat = ly
        back = seat + back_h
        return PlacedProp(
            spec,
            [
                Item("rect", ((cx - half + 2, seat), (cx + half - 2, back)), 2, "frame"),
                Item("line", ((cx - half + 3, seat - 4), (cx - half + 3, 0)), 3, "leg"),
                Item("line", ((cx + half - 3, seat - 4), (cx + half - 3, 0)), 3, "leg"),
                Item("rect", ((cx - half, seat - 4), (cx + half, seat)), 1),
            ],
            [_rect(cx - half, seat - 4, cx + half, seat)],
            solid_for=frozenset({"pelvis"}),
        )
    if poses.view_name == "top":
        cx, cy = frame.world["pelvis"].apply(view.root_pivot)
        return PlacedProp(
            spec,
            [
                Item("rect", ((cx - 24, cy - 32), (cx + 24, cy + 13)), 3),
                Item("rect", ((cx - 23, cy + 11), (cx + 23, cy + 17)), 2, "frame"),
            ],
            [],
            frozenset(),
        )
    depth = spec.width or 44
    if spec.at:
        # The backrest under a hand that leans on it (a chair beside the person).
        bx = (ex[0] + ex[2]) / 2 + spec.dx
        seat = ly - back_h
    else:
        bx = _extent(frame, view, "pelvis")[0] - 1.5 + spec.dx
        seat = ly
    return PlacedProp(
        spec,
        [
            Item("line", ((bx + 3, seat - 4), (bx + 3, 0)), 3, "leg"),
            Item("line", ((bx + depth - 3, seat - 4), (bx + depth - 3, 0)), 3, "leg"),
            Item("line", ((bx - 0.5, seat), (bx - 2, seat + back_h)), 3.5, "leg"),
            Item("rect", ((bx - 4, seat + back_h - 18), (bx + 1, seat + back_h)), 1.5),
            Item("rect", ((bx - 1, seat - 4), (bx + depth, seat)), 1),
        ],
        [_rect(bx - 1, seat - 4, bx + depth, seat), _rect(bx - 4, seat, bx + 1, seat + back_h)],
    )


def _stairs(
    spec: PropSpec, view: View, frame: Placed, ly: float, ex: tuple[float, float, float, float]
) -> PlacedProp:
    """Return the bottom two stairs, the first under a foot, and a handrail at a hand."""
    rise = ly
    tread = spec.width or 30
    x0 = ex[0] - 3 + spec.dx  # the nosing just behind the heel: the whole foot is on it
    x1 = x0 + 2 * tread + 12
    items = [
        Item("rect", ((x0, 0), (x1, rise)), 0.5),
        Item("rect", ((x0 + tread, rise), (x1, 2 * rise)), 0.5),
    ]
    if spec.at:
        # The rail climbs with the stairs and passes through the hand that holds it.
        hx, hy = _lowest_of(frame, view, spec.at)

        def rail(x: float) -> float:
            return hy + 1.5 + (x - hx) * rise / tread

        items += [
            Item("line", ((x1 - 4, 2 * rise), (x1 - 4, rail(x1 - 4))), 2.5, "leg"),
            Item("line", ((x0 - 12, rail(x0 - 12)), (x1, rail(x1))), 2.5, "leg"),
        ]
    return PlacedProp(spec, items, [_rect(x0, 0, x1, rise), _rect(x0 + tread, rise, x1, 2 * rise)])


def _wall(
    spec: PropSpec,
    poses: ExercisePoses,
    view: View,
    frame: Placed,
    body: tuple[float, float, float, float],
    ex: tuple[float, float, float, float],
) -> PlacedProp:
    kind = spec.kind
    if poses.view_name == "front":
        if kind == "door":
            lx0, lx1 = ex[0] - spec.dx, ex[2] + spec.dx
            top = spec.height or 205
            return PlacedProp(
                spec,
                [
                    Item("rect", ((lx0 - 9, 0), (lx0, top)), 0.5),
                    Item("rect", ((lx1, 0), (lx1 + 9, top)), 0.5),
                    Item("rect", ((lx0 - 9, top), (lx1 + 9, top + 9)), 0.5),
                ],
                [],
                frozenset(),
            )
        rect = (body[0] - 14, 0, body[2] + 14, body[3] + 10)
        return PlacedProp(
            spec,
            [Item("rect", ((rect[0], rect[1]), (rect[2], rect[3])), 0, "wall")],
            [],
            frozenset(),
        )
    if poses.view_name == "top":
        # A doorway from above: the wall on either side of the opening, at the elbows.
        left = min(_extent(frame, view, "forearm_r")[0], _extent(frame, view, "forearm_l")[0])
        right = max(_extent(frame, view, "forearm_r")[2], _extent(frame, view, "forearm_l")[2])
        y = (ex[1] + ex[3]) / 2 + spec.dy
        return PlacedProp(
            spec,
            [
                Item("rect", ((left - 40, y - 5), (left + 1, y + 5)), 0.5, "wall"),
                Item("rect", ((right - 1, y - 5), (right + 40, y + 5)), 0.5, "wall"),
            ],
            [],
            frozenset(),
        )
    front_side = spec.side != "back"
    x = (ex[2] if front_side else ex[0]) + spec.dx
    thick = 8 if kind == "door" else 6
    x0, x1 = (x, x + thick) if front_side else (x - thick, x)
    top = spec.height or (210 if kind == "door" else max(body[3] + 12, 60))
    return PlacedProp(
        spec, [Item("rect", ((x0, 0), (x1, top)), 0, "wall")], [_rect(x0, 0, x1, top)]
    )
