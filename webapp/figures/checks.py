"""Checks a figure must pass before a clinician reviews it (the tests run them all).

Each answers a sentence per problem: an angle outside normal range of motion, a body
part inside the floor, bed, chair or wall, a hand that should hold a prop and does not,
a figure that leaves its picture, a movement too small to see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from webapp.figures.geometry import Shape, gap, union_bounds
from webapp.figures.placed import Placed, Scene
from webapp.figures.poses import ExercisePoses
from webapp.figures.rom import out_of_range
from webapp.figures.scene import blend, build_scene

# How far a body may press into a prop: a mattress or pillow gives, a chair does not.
SOFT_SINK = 3.0
HARD_SINK = 1.0
# Between keyframes the drawing only interpolates angles; allow a little more there.
PASSING_SINK = 3.0
# How far a part that should touch a prop may hover above it.
TOUCH_GAP = 1.5
MIN_TURN = 10.0  # degrees
MIN_GLIDE = 2.0  # centimetres, for the shoulder blades
MIN_BREATH = 0.5

Box = tuple[float, float, float, float]


def check_poses(poses: ExercisePoses, scene: Scene | None = None) -> list[str]:
    """Return every problem with one exercise's figure (empty when it is fine)."""
    scene = scene or build_scene(poses)
    problems: list[str] = []
    for frame in poses.frames:
        problems += [f"{frame.name}: {p}" for p in out_of_range(poses.view_name, frame.angles)]
    problems += _movement(poses)
    passing = list(_between(scene, 6))
    problems += _collisions(scene, scene.frames, passing)
    for placed, frame in zip(scene.frames, poses.frames, strict=True):
        problems += _contacts(scene, placed, frame.touch)
    problems += _inside(scene, [*scene.frames, *passing])
    return problems


def _between(scene: Scene, steps: int) -> Iterator[Placed]:
    frames = scene.frames
    chain = [*frames, frames[0]]
    for a, b in zip(chain, chain[1:], strict=False):
        for k in range(1, steps):
            yield blend(a, b, k / steps, scene)


def _movement(poses: ExercisePoses) -> list[str]:
    start, end = poses.frame("start"), poses.frame("end")
    view = poses.view
    turned = max(
        (
            abs(end.angles[j] - start.angles[j])
            for j, p in view.joints.items()
            if p.kind == "rotate"
        ),
        default=0.0,
    )
    if turned >= MIN_TURN:
        return []
    for joint in poses.non_joint:
        change = abs(end.angles.get(joint, 0.0) - start.angles.get(joint, 0.0))
        limit = MIN_BREATH if joint == "breath" else MIN_GLIDE
        if change >= limit:
            return []
    return [
        f"start and end differ by only {turned:.0f} degrees in any joint (at least {MIN_TURN:g})"
    ]


def _box(shapes: Iterable[Shape]) -> Box:
    return union_bounds(shapes)


def _apart(a: Box, b: Box, by: float) -> bool:
    return a[2] + by < b[0] or b[2] + by < a[0] or a[3] + by < b[1] or b[3] + by < a[1]


def _collisions(scene: Scene, keyframes: list[Placed], passing: list[Placed]) -> list[str]:
    """Return, once per part and prop, the deepest a body part goes into a solid prop."""
    worst: dict[tuple[str, str], tuple[float, str]] = {}
    solids = [(prop, solid, _box([solid])) for prop in scene.props for solid in prop.solids]
    for placed in [*keyframes, *passing]:
        is_key = placed in keyframes
        for part in scene.body_parts():
            shapes = placed.shapes(scene.view, part.name)
            box = _box(shapes)
            for prop, solid, solid_box in solids:
                if prop.solid_for is not None and part.name not in prop.solid_for:
                    continue
                if _apart(box, solid_box, 0.0):
                    continue
                depth = -min(gap(a, solid) for a in shapes)
                allowed = (SOFT_SINK if prop.soft else HARD_SINK) if is_key else PASSING_SINK
                key = (part.name, prop.spec.name)
                if depth > allowed and depth > worst.get(key, (0.0, ""))[0]:
                    worst[key] = (depth, placed.name)
    return [
        f"{_when(where)}: {part} is {depth:.1f} cm inside the {prop}"
        for (part, prop), (depth, where) in sorted(worst.items())
    ]


def _when(name: str) -> str:
    if "@" not in name:
        return name
    pair = name.split("@")[0].replace("-", " and ")
    return f"between {pair}"


def _part_shapes(scene: Scene, placed: Placed, part: str) -> list[Shape]:
    return placed.shapes(scene.view, part)


def _contacts(scene: Scene, placed: Placed, touch: Iterable[tuple[str, str]]) -> list[str]:
    problems = []
    parts = {p.name for p in scene.view.parts}
    for part, name in touch:
        mine = _part_shapes(scene, placed, part)
        if name in parts:
            # A hand on a thigh: seen from the side they overlap, so only a gap counts.
            theirs = _part_shapes(scene, placed, name)
        else:
            props = [p for p in scene.props if p.spec.name == name]
            if not props:
                problems.append(f"{placed.name}: {part} should touch a {name}, and there is none")
                continue
            theirs = [s for p in props for s in p.solids]
            if not theirs:
                continue
        nearest = min(gap(a, b) for a in mine for b in theirs)
        if nearest > TOUCH_GAP:
            problems.append(
                f"{placed.name}: {part} should touch the {name} but is {nearest:.1f} cm away"
            )
    return problems


def _inside(scene: Scene, seen: Iterable[Placed]) -> list[str]:
    x0, y0, x1, y1 = scene.box
    cropped = scene.poses.crop == "upper"
    for placed in seen:
        bx0, by0, bx1, by1 = _box(
            s for part in scene.framed_parts() for s in placed.shapes(scene.view, part.name)
        )
        # A waist-up picture cuts the body at its bottom edge on purpose.
        low = by0 < y0 - 0.5 and not cropped
        if bx0 < x0 - 0.5 or low or bx1 > x1 + 0.5 or by1 > y1 + 0.5:
            return [f"{_when(placed.name)}: the figure leaves its picture"]
    return []
