"""Place an exercise's frames and props in one picture, in centimetres (y up).

The anchor part (the feet when standing, the pelvis when sitting or lying, a knee when
kneeling) rests on the support in the start frame; later frames keep the same point of
it where it was, so a bridge lifts the hips off planted feet and a sit-to-stand rises
over them. Props are placed from the start frame's body: a pillow fills the gap under the
head, a chair's seat meets the buttocks, a wall stands at the hands.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

from webapp.figures.geometry import (
    Disc,
    Point,
    Transform,
    bounds,
    lowest_point,
    shape_bounds,
    union_bounds,
)
from webapp.figures.placed import Placed, Scene, support_below
from webapp.figures.poses import SUPPORTS, ExercisePoses, Frame
from webapp.figures.props import place_props
from webapp.figures.skeleton import Part, View


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
    low = lowest_point(s.moved(world[anchor.name]) for s in anchor.shapes)
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
        low_y = lowest_point(s.moved(world[p.name]) for p in view.parts for s in p.shapes)[1]
    else:
        low_y = lowest_point(s.moved(world[anchor.name]) for s in anchor.shapes)[1]
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
