"""Place an exercise's frames and props in one picture, in centimetres (y up).

The anchor part (the feet when standing, the pelvis when sitting or lying, a knee when
kneeling) rests on the support in the start frame; later frames keep the same point of
it where it was, so a bridge lifts the hips off planted feet and a sit-to-stand rises
over them. Props are placed from the start frame's body: a pillow fills the gap under the
head, a chair's seat meets the buttocks, a wall stands at the hands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from webapp.figures.geometry import (
    Capsule,
    Disc,
    Point,
    Polygon,
    Shape,
    Transform,
    bounds,
    lowest_point,
    outline,
    shape_bounds,
    union_bounds,
)
from webapp.figures.poses import SUPPORTS, ExercisePoses, Frame, PropSpec
from webapp.figures.skeleton import Part, View

LEGS = ("thigh", "shank", "foot", "toes")
RESTING_ON = {
    "chair": frozenset({"pelvis", "thigh_r", "thigh_l", "lumbar", "thoracic"}),
    "table": frozenset({"forearm_r", "hand_r"}),
    "counter": frozenset({"forearm_r", "hand_r"}),
}
SOFT = {"bed", "mat", "pillow", "cushion", "towel"}


@dataclass(frozen=True)
class Placed:
    """One frame of the figure placed in the picture."""

    name: str
    pelvis: float  # counter-clockwise turn of the whole figure about the root pivot
    shift: Point  # root translation
    turns: Mapping[str, float]  # joint -> degrees counter-clockwise, or cm for glides
    world: Mapping[str, Transform]  # part -> rest coordinates to the picture
    slide: float = 0.0  # how far the anchor has moved along the support
    below: bool = True  # whether the support is under the figure (not the picture plane)

    def shapes(self, view: View, part: str) -> list[Shape]:
        """Return one part's shapes in the picture."""
        t = self.world[part]
        return [s.moved(t) for s in view.part(part).shapes]

    def tip(self, view: View, part: str) -> Point:
        """Return the far end of a part (the toes of a foot, the fingertips of a hand)."""
        p = view.part(part)
        for shape in p.shapes:
            if isinstance(shape, Capsule):
                return self.world[part].apply(shape.path[-1])
            if isinstance(shape, Disc):
                return self.world[part].apply(shape.centre)
        return self.world[part].apply(p.pivot)

    def pivot(self, view: View, joint: str) -> Point:
        """Return where a joint is in the picture."""
        part = view.joints[joint]
        return self.world[part.parent].apply(part.pivot) if part.parent else part.pivot


@dataclass(frozen=True)
class Item:
    """One drawn element of a prop, in picture coordinates."""

    shape: str  # "rect", "line", "circle"
    points: tuple[Point, ...]
    size: float = 0.0  # corner radius, line width or circle radius
    tone: str = "prop"


@dataclass
class PlacedProp:
    """A prop in the picture: what to draw, and the solid shapes a body may not enter."""

    spec: PropSpec
    items: list[Item]
    solids: list[Shape]
    solid_for: frozenset[str] | None = None  # None: solid for every part
    front: bool = False
    moving: dict[str, tuple[Point, Point]] = field(default_factory=dict)  # frame -> line ends

    @property
    def soft(self) -> bool:
        """Return True for props a body sinks into a little (bed, pillow, towel)."""
        return self.spec.kind in SOFT


@dataclass
class Scene:
    """The frames, props and picture bounds of one exercise's figure."""

    poses: ExercisePoses
    view: View
    frames: list[Placed]
    props: list[PlacedProp]
    box: tuple[float, float, float, float]
    anchor: Point = (0.0, 0.0)  # the anchor part's resting point, in its rest coordinates

    def frame(self, name: str) -> Placed:
        """Return one placed frame."""
        for f in self.frames:
            if f.name == name:
                return f
        raise KeyError(name)

    def body_parts(self) -> list[Part]:
        """Return the parts that are drawn, in drawing order."""
        return [p for p in self.view.parts if p.shapes]

    def framed_parts(self) -> list[Part]:
        """Return the parts the picture must hold (all, or above the hips when cropped)."""
        parts = self.body_parts()
        if self.poses.crop == "upper":
            parts = [p for p in parts if not p.name.startswith(LEGS) and p.name != "pelvis"]
        return parts


def turns(poses: ExercisePoses, view: View, frame: Frame) -> dict[str, float]:
    """Return each joint's turn in the picture for a frame's clinical angles."""
    out = {}
    for joint, part in view.joints.items():
        value = frame.angles.get(joint, 0.0)
        sign = part.sign
        if joint.startswith("wrist") and joint[-1:] in poses.pronated:
            sign = -sign
        out[joint] = sign * value if part.kind == "rotate" else value
    return out


def joint_transform(part: Part, value: float) -> Transform:
    """Return the motion one joint applies to its part (rest coordinates)."""
    if part.kind == "rotate":
        return Transform.rotation(value, part.pivot)
    if part.kind == "lift":
        return Transform(0.0, 0.0, value)
    if part.kind == "glide":
        return Transform(0.0, value, 0.0)
    return Transform()


def pose(
    view: View, pelvis: float, shift: Point, joint_turns: Mapping[str, float]
) -> dict[str, Transform]:
    """Return every part's transform for a pose."""
    root = Transform.rotation(pelvis, view.root_pivot).then(Transform(0.0, *shift))
    world: dict[str, Transform] = {}
    by_name = {p.name: p for p in view.parts}

    def resolve(name: str) -> Transform:
        if name in world:
            return world[name]
        p = by_name[name]
        if not p.parent:
            world[name] = root
        else:
            own = joint_transform(p, joint_turns.get(p.joint, 0.0)) if p.joint else Transform()
            world[name] = own.then(resolve(p.parent))
        return world[name]

    for name in by_name:
        resolve(name)
    return world


def _lowest(shapes: Iterable[Shape]) -> Point:
    return lowest_point(shapes)


def support_below(poses: ExercisePoses, frame: Frame) -> bool:
    """Return True when the support is a surface under the figure (not the picture plane)."""
    if poses.support == "none" or poses.view_name in ("top", "hand_palm", "hand_side"):
        return False
    if poses.view_name == "front" and frame.base in ("lying_back", "lying_front"):
        return False
    return True


def place_frames(poses: ExercisePoses, view: View) -> list[Placed]:
    """Place every frame so the anchor rests on the support and stays where it was."""
    placed: list[Placed] = []
    local: Point | None = None
    for frame in poses.frames:
        joint_turns = turns(poses, view, frame)
        pelvis = view.root_sign * frame.pelvis
        below = support_below(poses, frame)
        if local is None:
            local = anchor_point(poses, view, pelvis, joint_turns, below)
        shift = settle(poses, view, pelvis, joint_turns, frame.shift, below, local)
        world = pose(view, pelvis, shift, joint_turns)
        placed.append(Placed(frame.name, pelvis, shift, joint_turns, world, frame.shift, below))
    return placed


def anchor_point(
    poses: ExercisePoses, view: View, pelvis: float, joint_turns: Mapping[str, float], below: bool
) -> Point:
    """Return the point of the anchor part that rests on the support in the start frame."""
    anchor = view.part(poses.anchor)
    if not below:
        return anchor.pivot
    world = pose(view, pelvis, (0.0, 0.0), joint_turns)
    low = _lowest(s.moved(world[anchor.name]) for s in anchor.shapes)
    return _inverse(world[anchor.name], low)


def settle(
    poses: ExercisePoses,
    view: View,
    pelvis: float,
    joint_turns: Mapping[str, float],
    slide: float,
    below: bool,
    local: Point,
) -> Point:
    """Return the figure's shift that keeps the anchor where it rests (the feet stay put)."""
    anchor = view.part(poses.anchor)
    world = pose(view, pelvis, (0.0, 0.0), joint_turns)
    qx, qy = world[anchor.name].apply(local)
    if not below:
        return (slide - qx, -qy)
    if poses.rest_on_lowest:
        low_y = _lowest(s.moved(world[p.name]) for p in view.parts for s in p.shapes)[1]
    else:
        low_y = _lowest(s.moved(world[anchor.name]) for s in anchor.shapes)[1]
    height = SUPPORTS[poses.support] + poses.raise_by
    return (slide - qx, height - low_y)


def _inverse(t: Transform, p: Point) -> Point:
    back = Transform(-t.angle)
    return back.apply((p[0] - t.dx, p[1] - t.dy))


def blend(a: Placed, b: Placed, u: float, scene: Scene) -> Placed:
    """Return the pose a fraction ``u`` of the way from ``a`` to ``b``, anchor kept down."""
    view = scene.view
    joint_turns = {j: a.turns[j] + (b.turns[j] - a.turns[j]) * u for j in a.turns}
    pelvis = a.pelvis + (b.pelvis - a.pelvis) * u
    slide = a.slide + (b.slide - a.slide) * u
    shift = settle(scene.poses, view, pelvis, joint_turns, slide, a.below, scene.anchor)
    world = pose(view, pelvis, shift, joint_turns)
    return Placed(f"{a.name}-{b.name}@{u:g}", pelvis, shift, joint_turns, world, slide, a.below)


def in_between(scene: Scene, steps: int = 4) -> Iterator[Placed]:
    """Yield the poses the animation passes through between keyframes."""
    frames = scene.frames
    chain = [*frames, frames[0]]
    for a, b in zip(chain, chain[1:], strict=False):
        for k in range(1, steps):
            yield blend(a, b, k / steps, scene)


# --- props -------------------------------------------------------------------------------


def _rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), 0.0)


def _lowest_of(frame: Placed, view: View, part: str) -> Point:
    return _lowest(frame.shapes(view, part))


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
    if kind in ("mat", "bed", "table") and seen_from_above:
        # Seen from above: the mat, bed or table lies behind the whole body.
        x0, y0, x1, y1 = body
        tone = "frame" if kind == "table" else "prop"
        return PlacedProp(
            spec, [Item("rect", ((x0 - 6, y0 - 6), (x1 + 6, y1 + 6)), 4, tone)], [], frozenset()
        )
    if kind in ("mat", "bed"):
        x0, x1 = body[0] - 6, body[2] + 6
        if kind == "mat":
            return PlacedProp(
                spec, [Item("rect", ((x0, 0), (x1, 1.5)), 0.7)], [_rect(x0, -40, x1, 1.5)]
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
        if poses.view_name == "hand_side":
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
    if kind == "towel" and spec.shape == "flat":
        w = spec.width or 30
        return PlacedProp(
            spec,
            [Item("rect", ((lx - w / 2, base), (lx + w / 2, base + 2.2)), 0.8, "towel")],
            [_rect(lx - w / 2, base, lx + w / 2, base + 2.2)],
        )
    if kind in ("towel", "ball", "big_ball", "roller"):
        r = (
            spec.width / 2
            if spec.width
            else {"towel": 3.5, "ball": 3.3, "big_ball": 32.0, "roller": 7.5}[kind]
        )
        if spec.side in ("back", "front"):
            # Against the side of a part (a ball between the back and a wall).
            x = ex[0] - r if spec.side == "back" else ex[2] + r
            centre = (x + spec.dx, (ex[1] + ex[3]) / 2 + spec.dy)
        else:
            centre = (lx, base + r + spec.dy)
        tone = {"towel": "towel", "ball": "ball", "big_ball": "ball"}.get(kind, "prop")
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


# --- the whole picture -------------------------------------------------------------------


def build_scene(poses: ExercisePoses) -> Scene:
    """Place an exercise's frames and props and work out the picture's bounds."""
    view = poses.view
    frames = place_frames(poses, view)
    props = place_props(poses, view, frames)
    first = frames[0]
    scene = Scene(
        poses,
        view,
        frames,
        props,
        (0.0, 0.0, 0.0, 0.0),
        anchor_point(poses, view, first.pelvis, first.turns, first.below),
    )
    pts: list[Point] = []
    for f in [*frames, *in_between(scene)]:
        for part in scene.framed_parts():
            for s in f.shapes(view, part.name):
                x0, y0, x1, y1 = shape_bounds(s)
                pts += [(x0, y0), (x1, y1)]
    floor_line = -math.inf
    margin = 4.0
    if poses.crop == "upper":
        # A waist-up picture: the legs and the lower props run out of its bottom edge.
        # A little above the lumbar's lowest point, so the hips' joints stay out of sight.
        floor_line = 4 + union_bounds(s for f in frames for s in f.shapes(view, "lumbar"))[1]
        margin = 3.0
    for prop in props:
        if prop.spec.kind in ("floor", "wall", "door") and poses.view_name in ("side", "front"):
            continue
        for item in prop.items:
            if item.shape == "circle":
                x0, y0, x1, y1 = shape_bounds(Disc(item.points[0], item.size))
                found = [(x0, y0), (x1, y1)]
            else:
                found = list(item.points)
            pts += [p for p in found if p[1] >= floor_line]
    x0, y0, x1, y1 = bounds(pts)
    if poses.crop == "upper":
        y0 = floor_line
    if any(p.spec.kind == "floor" for p in props) and poses.crop != "upper":
        y0 = min(y0, -3.0)
    # A waist-up picture ends exactly at its cut.
    bottom = y0 if poses.crop == "upper" else y0 - margin
    scene.box = (x0 - margin, bottom, x1 + margin, y1 + margin)
    arrow_points = [p for line, heads in arrow_geometry(scene) for p in line + heads]
    if arrow_points:
        ax0, ay0, ax1, ay1 = bounds(arrow_points)
        bx0, by0, bx1, by1 = scene.box
        pad = 2.0 * scale_of(scene.box)
        scene.box = (
            min(bx0, ax0 - pad),
            min(by0, ay0 - pad),
            max(bx1, ax1 + pad),
            max(by1, ay1 + pad),
        )
    return scene


def scale_of(box: tuple[float, float, float, float]) -> float:
    """Return how big arrows and lines are drawn, relative to a whole standing person."""
    x0, y0, x1, y1 = box
    return min(1.0, max(x1 - x0, y1 - y0) / 190)


def arrow_geometry(scene: Scene) -> list[tuple[list[Point], list[Point]]]:
    """Return each arrow as a polyline and its arrowheads (triangles), in the picture."""
    out = []
    view = scene.view
    start = scene.frames[0]
    unit = scale_of(scene.box)
    for spec in scene.poses.arrows:
        end = (
            scene.frame(spec.to) if spec.to in {f.name for f in scene.frames} else scene.frames[-1]
        )
        p0, p1 = start.tip(view, spec.at), end.tip(view, spec.at)
        if spec.towards:
            p1 = start.tip(view, spec.towards)
        if spec.angle is not None:
            rad = math.radians(spec.angle)
            p1 = (p0[0] + math.cos(rad) * 0.01, p0[1] + math.sin(rad) * 0.01)
        if spec.kind == "arc":
            c = start.pivot(view, spec.around)
            r = max(math.dist(p0, c), math.dist(p1, c)) + spec.offset
            a0 = math.atan2(p0[1] - c[1], p0[0] - c[0])
            a1 = math.atan2(p1[1] - c[1], p1[0] - c[0])
            sweep = (a1 - a0 + math.pi) % (2 * math.pi) - math.pi
            n = max(4, int(abs(sweep) * r / 3))
            line = [
                (c[0] + r * math.cos(a0 + sweep * k / n), c[1] + r * math.sin(a0 + sweep * k / n))
                for k in range(n + 1)
            ]
        elif spec.kind == "line":
            dx, dy = p1[0] - p0[0], p1[1] - p0[1]
            length = math.hypot(dx, dy)
            if length < 1e-6:
                dx, dy, length = 0.0, 1e-3, 1e-3
            nx, ny = -dy / length * spec.offset, dx / length * spec.offset
            grow = max(0.0, spec.length - length) / 2 / length
            a = (p0[0] - dx * grow, p0[1] - dy * grow)
            b = (p1[0] + dx * grow, p1[1] + dy * grow)
            line = [(a[0] + nx, a[1] + ny), (b[0] + nx, b[1] + ny)]
        else:
            c = (p0[0], p0[1] + spec.offset)
            n = 16
            line = [
                (
                    c[0] + spec.radius * math.cos(math.radians(-60 + 300 * k / n)),
                    c[1] + spec.radius * math.sin(math.radians(-60 + 300 * k / n)),
                )
                for k in range(n + 1)
            ]
        line = [(x + spec.dx, y + spec.dy) for x, y in line]
        heads = [_head(line[-2], line[-1], 4.2 * unit, 3.4 * unit)]
        if spec.both:
            heads.append(_head(line[1], line[0], 4.2 * unit, 3.4 * unit))
        out.append((line, [p for h in heads for p in h]))
    return out


def _head(before: Point, tip: Point, length: float = 4.2, width: float = 3.4) -> list[Point]:
    dx, dy = tip[0] - before[0], tip[1] - before[1]
    d = math.hypot(dx, dy) or 1.0
    ux, uy = dx / d, dy / d
    bx, by = tip[0] - ux * length, tip[1] - uy * length
    lead = length * 0.3
    return [
        (tip[0] + ux * lead, tip[1] + uy * lead),
        (bx - uy * width / 2, by + ux * width / 2),
        (bx + uy * width / 2, by - ux * width / 2),
    ]
