"""The other views of the person (from above) and the close-up hand, and what turns a view.

``skeleton`` draws the person from the side and from the front; this module adds the view
from above, the hand seen from the side and the palm, and ``foreshorten``, which squashes
parts that point towards the viewer. ``VIEWS`` names every view pose data may ask for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace

from webapp.figures.geometry import Capsule, Disc, Point, Polygon, Shape, Transform
from webapp.figures.skeleton import (
    FAR,
    NEAR,
    Part,
    View,
    cap,
    front_view,
    mirror,
    side_view,
)

# --- top view: from above, the person's front towards the bottom of the picture -----------


def top_view() -> View:
    """Return the figure seen from above (thighs forward as when sitting)."""
    leg = [
        Part("thigh_r", "pelvis", "hip_r", (-9, 0), -90, (cap((-9, 0), (-9, -42), r=7),), sign=-1),
        Part(
            "shank_r",
            "thigh_r",
            "knee_r",
            (-9, -42),
            -90,
            (cap((-9, -42), (-9, -84), r=5),),
            sign=1,
        ),
        Part(
            "foot_r",
            "shank_r",
            "ankle_r",
            (-9, -84),
            -90,
            (cap((-9, -84), (-10, -99), r=3.4),),
            sign=1,
        ),
    ]
    arm = [
        Part(
            "upper_arm_r",
            "thoracic",
            "shoulder_r",
            (-19, 0),
            180,
            (cap((-19, 0), (-49, 0), r=4.4),),
            sign=1,
            halo=True,
        ),
        Part(
            "forearm_r",
            "upper_arm_r",
            "elbow_r",
            (-49, 0),
            180,
            (cap((-49, 0), (-75, 0), r=3.8),),
            sign=1,
            halo=True,
        ),
        Part(
            "hand_r",
            "forearm_r",
            "wrist_r",
            (-75, 0),
            180,
            (cap((-75, 0), (-86, 0), r=3.1),),
            sign=1,
            halo=True,
        ),
    ]
    trunk = [
        Part("pelvis", "", "", (0, 0), 90, (Polygon(((-14, -7), (14, -7), (14, 8), (-14, 8)), 3),)),
        Part("lumbar", "pelvis", "lumbar", (0, 0), 90, (), sign=-1),
        Part(
            "thoracic",
            "lumbar",
            "thoracic",
            (0, 0),
            90,
            (Polygon(((-19, -5), (19, -5), (19, 6), (-19, 6)), 5),),
            sign=-1,
        ),
        Part("neck", "thoracic", "neck", (0, 0), 90, (), sign=-1),
        Part("head", "neck", "head", (0, 0), 90, (Disc((0, -1.5), 10.2),), sign=-1),
    ]
    parts = leg + mirror(leg, "_r", "_l", flip_x=True) + trunk[:4] + arm
    parts += mirror(arm, "_r", "_l", flip_x=True) + trunk[4:]
    return View("top", tuple(parts), root_pivot=(0, 0), root_sign=1)


# --- the hand, close up --------------------------------------------------------------------


def _finger(
    prefix: str,
    base: Point,
    lengths: tuple[float, float, float],
    r: float,
    *,
    tone: str,
    sign: int,
    parent: str,
    axis: float = 0,
) -> list[Part]:
    x, y = base
    c, s = math.cos(math.radians(axis)), math.sin(math.radians(axis))
    points = [base]
    for length in lengths:
        x, y = x + c * length, y + s * length
        points.append((x, y))
    names = ("proximal", "middle", "distal")
    joints = ("mcp", "pip", "dip") if prefix != "thumb" else ("cmc", "mcp", "ip")
    out = []
    for i, (name, joint) in enumerate(zip(names, joints, strict=True)):
        out.append(
            Part(
                f"{prefix}_{name}",
                parent if i == 0 else f"{prefix}_{names[i - 1]}",
                f"{prefix}_{joint}",
                points[i],
                axis,
                (cap(points[i], points[i + 1], r=r * (1 - 0.08 * i)),),
                tone=tone,
                sign=sign,
            )
        )
    return out


def hand_side_view() -> View:
    """Return a right hand seen from the thumb side: forearm from the left, palm down."""
    parts = [
        Part("forearm", "", "", (0, 0), 0, (cap((-8, 0.3), (0, 0), r=2.3),)),
        *_finger("fingers", (9, 0.7), (4.9, 3.0, 2.3), 1.15, tone=FAR, sign=-1, parent="palm"),
        Part("palm", "forearm", "wrist", (0, 0), 0, (cap((0.5, 0), (9.3, 0), r=2.1),), sign=-1),
        *_finger("index", (9.3, 0), (4.5, 2.6, 2.0), 1.1, tone=NEAR, sign=-1, parent="palm"),
        *_finger(
            "thumb", (1.2, -1.2), (4.6, 3.2, 2.6), 1.3, tone=NEAR, sign=-1, parent="palm", axis=-18
        ),
    ]
    # Fingers hang from the palm: re-parent them so the palm is drawn before them.
    return View("hand_side", tuple(parts), root_pivot=(0, 0), root_sign=1)


def hand_palm_view() -> View:
    """Return a right hand seen from the back, fingers up, thumb on the left."""
    parts: list[Part] = [
        Part("forearm", "", "", (0, 0), 90, (cap((0, -9), (0, 0), r=2.8),)),
        Part(
            "palm",
            "forearm",
            "wrist",
            (0, 0),
            90,
            (Polygon(((-3.6, 0.5), (3.2, 0.5), (3.9, 8.6), (-3.8, 9.2)), 1.3),),
        ),
    ]
    for name, base, lengths, r in (
        ("index", (-3.4, 9.4), (4.6, 2.8, 2.1), 0.95),
        ("middle", (-1.1, 9.9), (5.1, 3.1, 2.3), 0.95),
        ("ring", (1.2, 9.6), (4.8, 2.9, 2.2), 0.9),
        ("little", (3.3, 8.8), (3.8, 2.2, 1.9), 0.8),
    ):
        fingers = _finger(name, base, lengths, r, tone=NEAR, sign=1, parent="palm", axis=90)
        # In this view only spreading shows: the knuckle turns in the picture's plane.
        fingers[0] = replace(
            fingers[0], joint=f"{name}_abd", sign=1 if name in ("index", "middle") else -1
        )
        out = [fingers[0]] + [replace(f, joint="") for f in fingers[1:]]
        parts += out
    thumb = _finger(
        "thumb", (-3.2, 1.8), (4.6, 3.2, 2.6), 1.2, tone=NEAR, sign=1, parent="palm", axis=128
    )
    thumb[0] = replace(thumb[0], joint="thumb_abd", sign=1)
    parts += [thumb[0]] + [replace(f, joint="") for f in thumb[1:]]
    return View("hand_palm", tuple(parts), root_pivot=(0, 0), root_sign=1)


def palm_up(view: View) -> View:
    """Return the close-up hand turned palm up (mirrored across the forearm)."""
    parts = []

    def fy(pt: Point) -> Point:
        return (pt[0], -pt[1])

    for p in view.parts:
        shapes: list[Shape] = []
        for sh in p.shapes:
            if isinstance(sh, Capsule):
                shapes.append(Capsule(tuple(fy(q) for q in sh.path), sh.radius))
            elif isinstance(sh, Disc):
                shapes.append(Disc(fy(sh.centre), sh.radius))
            else:
                shapes.append(Polygon(tuple(fy(q) for q in sh.points), sh.radius))
        parts.append(
            replace(p, pivot=fy(p.pivot), axis=-p.axis, shapes=tuple(shapes), sign=-p.sign)
        )
    return replace(view, parts=tuple(parts), root_sign=-view.root_sign)


VIEWS: dict[str, Callable[[], View]] = {
    "side": side_view,
    "front": front_view,
    "top": top_view,
    "hand_side": hand_side_view,
    "hand_palm": hand_palm_view,
}


def foreshorten(view: View, factors: Mapping[str, float]) -> View:
    """Return the view with some parts shortened along their axis (seen end-on)."""
    if not factors:
        return view
    shift: dict[str, tuple[float, float]] = {}
    parts: list[Part] = []
    by_name = {p.name: p for p in view.parts}
    # Parents come before children in the part list except far limbs drawn first; settle
    # the order by depth so every parent's shift is known before its children.
    order = sorted(view.parts, key=lambda p: _depth(p, by_name))
    moved: dict[str, Part] = {}
    for p in order:
        dx, dy = shift.get(p.name, (0.0, 0.0))
        f = factors.get(p.name, 1.0)
        t = Transform(0, dx, dy)
        pivot = t.apply(p.pivot)
        squash = _squash(pivot, p.axis, f)
        shapes = tuple(_squash_shape(s.moved(t), squash) for s in p.shapes)
        moved[p.name] = replace(p, pivot=pivot, shapes=shapes)
        # Children move with this part's squashed frame: track the shift of their pivots.
        for child in view.children(p.name):
            start = t.apply(child.pivot)
            end = squash(start)
            shift[child.name] = (end[0] - child.pivot[0], end[1] - child.pivot[1])
    for p in view.parts:
        parts.append(moved[p.name])
    return replace(view, parts=tuple(parts))


def _depth(p: Part, by_name: Mapping[str, Part]) -> int:
    d = 0
    while p.parent:
        p = by_name[p.parent]
        d += 1
    return d


def _squash(pivot: Point, axis: float, f: float) -> Callable[[Point], Point]:
    c, s = math.cos(math.radians(axis)), math.sin(math.radians(axis))

    def apply(p: Point) -> Point:
        vx, vy = p[0] - pivot[0], p[1] - pivot[1]
        along = vx * c + vy * s
        across_x, across_y = vx - along * c, vy - along * s
        return (pivot[0] + across_x + f * along * c, pivot[1] + across_y + f * along * s)

    return apply


def _squash_shape(shape: Shape, squash: Callable[[Point], Point]) -> Shape:
    if isinstance(shape, Capsule):
        return Capsule(tuple(squash(p) for p in shape.path), shape.radius)
    if isinstance(shape, Disc):
        return Disc(squash(shape.centre), shape.radius)
    return Polygon(tuple(squash(p) for p in shape.points), shape.radius)
