"""The articulated person (and the close-up hand) as rigid parts joined at pivots.

Every part is drawn once, in the rest pose (standing, arms by the sides, seen from the
view's side); a pose turns each joint about its rest pivot. In SVG that is a nest of
``<g transform="rotate(a x y)">`` groups, one per joint, so SMIL can animate each joint
on its own while the parents carry the children along.

Angles in pose data are clinical: flexion, abduction, side bend ... in degrees. ``sign``
turns such an angle into a counter-clockwise turn of the part in the picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from webapp.figures.geometry import Capsule, Disc, Point, Polygon, Shape, Transform

# Tones: near-side limbs are dark, far-side limbs lighter (the printed-sheet convention).
NEAR = "near"
FAR = "far"


@dataclass(frozen=True)
class Part:
    """One rigid piece of the figure, turned by one joint."""

    name: str
    parent: str  # "" for the root
    joint: str  # the pose angle that turns this part ("" for parts fixed to their parent)
    pivot: Point  # rest position of the joint
    axis: float  # rest direction of the part (for foreshortening), degrees
    shapes: tuple[Shape, ...]
    tone: str = NEAR
    sign: int = 1  # clinical angle -> counter-clockwise turn
    # "rotate" turns about the pivot; "lift"/"glide" shift along the parent's up/forward
    # directions (shoulder blades); "swell" widens the shapes away from the pivot (breath).
    kind: str = "rotate"
    halo: bool = False  # draw a thin gap around it where it crosses the body
    behind: bool = False  # drawn before its parent's own shapes (far-side limbs)


@dataclass(frozen=True)
class View:
    """A way of looking at the figure: its parts in drawing order and its named joints."""

    name: str
    parts: tuple[Part, ...]
    root_pivot: Point
    root_sign: int  # positive ``pelvis`` tilt -> counter-clockwise turn of the whole figure
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Looked up thousands of times per figure: index once (the view is frozen).
        object.__setattr__(self, "_by_name", {p.name: p for p in self.parts})
        object.__setattr__(self, "_by_joint", {p.joint: p for p in self.parts if p.joint})

    def part(self, name: str) -> Part:
        """Return one part by name."""
        found: dict[str, Part] = self.__dict__["_by_name"]
        return found[name]

    @property
    def joints(self) -> dict[str, Part]:
        """Return the parts by the joint that moves them."""
        found: dict[str, Part] = self.__dict__["_by_joint"]
        return found

    def children(self, name: str) -> list[Part]:
        """Return the parts hanging from a part, in drawing order."""
        return [p for p in self.parts if p.parent == name]


def _cap(*points: Point, r: float) -> Capsule:
    return Capsule(tuple(points), r)


def _mirror(parts: list[Part], from_side: str, to_side: str, *, flip_x: bool) -> list[Part]:
    """Return copies of one side's limbs for the other side (mirrored in x for front views)."""
    out = []
    for p in parts:

        def fx(pt: Point) -> Point:
            return (-pt[0], pt[1]) if flip_x else pt

        shapes: list[Shape] = []
        for s in p.shapes:
            if isinstance(s, Capsule):
                shapes.append(Capsule(tuple(fx(q) for q in s.path), s.radius))
            elif isinstance(s, Disc):
                shapes.append(Disc(fx(s.centre), s.radius))
            else:
                shapes.append(Polygon(tuple(fx(q) for q in s.points), s.radius))
        out.append(
            replace(
                p,
                name=p.name.replace(from_side, to_side),
                parent=p.parent.replace(from_side, to_side),
                joint=p.joint.replace(from_side, to_side),
                pivot=fx(p.pivot),
                axis=(180 - p.axis) if flip_x else p.axis,
                shapes=tuple(shapes),
                sign=-p.sign if flip_x and p.kind == "rotate" else p.sign,
            )
        )
    return out


# --- side view: facing right, the person's right side towards us -------------------------


def _side_arm(side: str) -> list[Part]:
    return [
        Part(f"scapula{side}", "thoracic", f"scapula_up{side}", (0, 137), 90, (), kind="lift"),
        Part(f"blade{side}", f"scapula{side}", f"scapula_fwd{side}", (0, 137), 0, (), kind="glide"),
        Part(
            f"upper_arm{side}",
            f"blade{side}",
            f"shoulder{side}",
            (0, 137),
            -90,
            (_cap((0, 137), (0, 109), r=4.4),),
            halo=True,
        ),
        Part(
            f"forearm{side}",
            f"upper_arm{side}",
            f"elbow{side}",
            (0, 109),
            -90,
            (_cap((0, 109), (0, 84), r=3.7),),
            halo=True,
        ),
        Part(
            f"hand{side}",
            f"forearm{side}",
            f"wrist{side}",
            (0, 84),
            -90,
            (_cap((0, 84), (0.3, 73), r=3.0),),
            halo=True,
        ),
    ]


def _side_leg(side: str) -> list[Part]:
    return [
        Part(
            f"thigh{side}",
            "pelvis",
            f"hip{side}",
            (0, 91),
            -90,
            (_cap((0, 91), (0, 51.5), r=6.6),),
            halo=True,
        ),
        Part(
            f"shank{side}",
            f"thigh{side}",
            f"knee{side}",
            (0, 49),
            -90,
            (_cap((0, 49), (-0.5, 30), (0, 8), r=4.8),),
            sign=-1,
            halo=True,
        ),
        Part(
            f"foot{side}",
            f"shank{side}",
            f"ankle{side}",
            (0, 7),
            0,
            (_cap((0, 6.5), (-3.4, 2.8), (13, 2.8), r=2.8),),
            halo=True,
        ),
        Part(
            f"toes{side}",
            f"foot{side}",
            f"toes{side}",
            (13, 2.8),
            0,
            (_cap((13, 2.8), (18, 2.6), r=2.4),),
            sign=-1,
            halo=True,
        ),
    ]


def _far(parts: list[Part]) -> list[Part]:
    return [
        replace(p, tone=FAR, halo=False, behind=p.parent in ("pelvis", "thoracic")) for p in parts
    ]


def side_view() -> View:
    """Return the figure seen from its right side, facing right."""
    trunk = [
        Part(
            "pelvis",
            "",
            "",
            (0, 91),
            90,
            (_cap((-2, 92), (-1.5, 99), r=10),),
        ),
        Part(
            "lumbar",
            "pelvis",
            "lumbar",
            (-1, 99),
            90,
            (Polygon(((-10, 97), (6.5, 97), (6.5, 117), (-8.5, 117)), 1.5),),
            sign=-1,
        ),
        Part("belly", "lumbar", "breath", (5, 107), 0, (Disc((3.5, 107), 5.5),), kind="swell"),
        Part(
            "thoracic",
            "lumbar",
            "thoracic",
            (-1, 117),
            90,
            (
                Disc((-1, 117), 8.6),
                Polygon(
                    (
                        (-8.5, 117),
                        (6.5, 117),
                        (9.5, 129),
                        (8.5, 139),
                        (3, 145),
                        (-5, 145),
                        (-9, 138),
                        (-10, 127),
                    ),
                    1.5,
                ),
            ),
            sign=-1,
        ),
        Part(
            "neck", "thoracic", "neck", (-2, 142), 80, (_cap((-2, 141), (0, 153), r=4.6),), sign=-1
        ),
        Part(
            "head",
            "neck",
            "head",
            (0, 153),
            90,
            (Disc((1.5, 161), 10.5), _cap((5.5, 155.5), (8, 153.5), r=4.2)),
            sign=-1,
        ),
    ]
    parts = (
        _far(_side_leg("_l"))
        + trunk[:1]
        + trunk[1:4]
        + _far(_side_arm("_l"))
        + trunk[4:]
        + _side_arm("_r")
        + _side_leg("_r")
    )
    return View("side", tuple(parts), root_pivot=(0, 91), root_sign=-1)


# --- front view: facing us, the person's right on the picture's left ----------------------


def _front_right_arm() -> list[Part]:
    return [
        Part("scapula_r", "thoracic", "scapula_up_r", (-19, 139), 90, (), kind="lift"),
        Part(
            "upper_arm_r",
            "scapula_r",
            "shoulder_r",
            (-19, 139),
            -90,
            (_cap((-19, 139), (-20, 111), r=4.4),),
            sign=-1,
            halo=True,
        ),
        Part(
            "forearm_r",
            "upper_arm_r",
            "elbow_r",
            (-20, 111),
            -90,
            (_cap((-20, 111), (-20.5, 86), r=3.7),),
            sign=1,
            halo=True,
        ),
        Part(
            "hand_r",
            "forearm_r",
            "wrist_r",
            (-20.5, 86),
            -90,
            (_cap((-20.5, 86), (-21, 75), r=3.1),),
            sign=1,
            halo=True,
        ),
    ]


def _front_right_leg() -> list[Part]:
    return [
        Part(
            "thigh_r",
            "pelvis",
            "hip_r",
            (-9, 91),
            -90,
            (_cap((-9, 91), (-9.5, 49), r=7),),
            sign=-1,
        ),
        Part(
            "shank_r",
            "thigh_r",
            "knee_r",
            (-9.5, 49),
            -90,
            (_cap((-9.5, 49), (-9.5, 8), r=4.8),),
            sign=1,
        ),
        Part(
            "foot_r",
            "shank_r",
            "ankle_r",
            (-9.5, 7),
            -90,
            (_cap((-9.5, 6), (-11.5, 2.7), r=2.7),),
            sign=1,
        ),
    ]


def front_view() -> View:
    """Return the figure seen from the front."""
    legs = _front_right_leg()
    arms = _front_right_arm()
    trunk = [
        Part(
            "pelvis",
            "",
            "",
            (0, 91),
            90,
            (Polygon(((-15, 86), (15, 86), (14, 99), (-14, 99)), 2.5),),
        ),
        Part(
            "lumbar",
            "pelvis",
            "lumbar",
            (0, 99),
            90,
            (Polygon(((-14, 98), (14, 98), (12.5, 117), (-12.5, 117)), 1.5),),
        ),
        Part(
            "thoracic",
            "lumbar",
            "thoracic",
            (0, 117),
            90,
            (
                Disc((0, 117), 12.5),
                Polygon(
                    (
                        (-12.5, 117),
                        (12.5, 117),
                        (15, 130),
                        (17, 138),
                        (14.5, 143),
                        (-14.5, 143),
                        (-17, 138),
                        (-15, 130),
                    ),
                    2,
                ),
            ),
        ),
        Part("neck", "thoracic", "neck", (0, 143), 90, (_cap((0, 141), (0, 152), r=5),)),
        Part("head", "neck", "head", (0, 152), 90, (_cap((0, 159.5), (0, 163), r=10.2),)),
    ]
    parts = (
        legs
        + _mirror(legs, "_r", "_l", flip_x=True)
        + trunk
        + arms
        + _mirror(arms, "_r", "_l", flip_x=True)
    )
    return View("front", tuple(parts), root_pivot=(0, 91), root_sign=1)


# --- top view: from above, the person's front towards the bottom of the picture -----------


def top_view() -> View:
    """Return the figure seen from above (thighs forward as when sitting)."""
    leg = [
        Part("thigh_r", "pelvis", "hip_r", (-9, 0), -90, (_cap((-9, 0), (-9, -42), r=7),), sign=-1),
        Part(
            "shank_r",
            "thigh_r",
            "knee_r",
            (-9, -42),
            -90,
            (_cap((-9, -42), (-9, -84), r=5),),
            sign=1,
        ),
        Part(
            "foot_r",
            "shank_r",
            "ankle_r",
            (-9, -84),
            -90,
            (_cap((-9, -84), (-10, -99), r=3.4),),
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
            (_cap((-19, 0), (-49, 0), r=4.4),),
            sign=1,
            halo=True,
        ),
        Part(
            "forearm_r",
            "upper_arm_r",
            "elbow_r",
            (-49, 0),
            180,
            (_cap((-49, 0), (-75, 0), r=3.8),),
            sign=1,
            halo=True,
        ),
        Part(
            "hand_r",
            "forearm_r",
            "wrist_r",
            (-75, 0),
            180,
            (_cap((-75, 0), (-86, 0), r=3.1),),
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
        # The nose shows which way the face turns (the front is the bottom of the picture).
        Part(
            "head",
            "neck",
            "head",
            (0, 0),
            90,
            (Disc((0, -1.5), 10.2), _cap((0, -8), (0, -11.5), r=3.5)),
            sign=-1,
        ),
    ]
    parts = leg + _mirror(leg, "_r", "_l", flip_x=True) + trunk[:4] + arm
    parts += _mirror(arm, "_r", "_l", flip_x=True) + trunk[4:]
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
                (_cap(points[i], points[i + 1], r=r * (1 - 0.08 * i)),),
                tone=tone,
                sign=sign,
            )
        )
    return out


def hand_side_view() -> View:
    """Return a right hand seen from the thumb side: forearm from the left, palm down."""
    parts = [
        Part("forearm", "", "", (0, 0), 0, (_cap((-8, 0.3), (0, 0), r=2.3),)),
        *_finger("fingers", (9, 0.7), (4.9, 3.0, 2.3), 1.15, tone=FAR, sign=-1, parent="palm"),
        Part("palm", "forearm", "wrist", (0, 0), 0, (_cap((0.5, 0), (9.3, 0), r=2.1),), sign=-1),
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
        Part("forearm", "", "", (0, 0), 90, (_cap((0, -9), (0, 0), r=2.8),)),
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
