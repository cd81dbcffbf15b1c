"""The articulated person (and the close-up hand) as rigid parts joined at pivots.

Every part is drawn once, in the rest pose (standing, arms by the sides, seen from the
view's side); a pose turns each joint about its rest pivot. In SVG that is a nest of
``<g transform="rotate(a x y)">`` groups, one per joint, so SMIL can animate each joint
on its own while the parents carry the children along.

Angles in pose data are clinical: flexion, abduction, side bend ... in degrees. ``sign``
turns such an angle into a counter-clockwise turn of the part in the picture.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from webapp.figures.geometry import Capsule, Disc, Point, Polygon, Shape

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


def cap(*points: Point, r: float) -> Capsule:
    return Capsule(tuple(points), r)


def mirror(parts: list[Part], from_side: str, to_side: str, *, flip_x: bool) -> list[Part]:
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
            (cap((0, 137), (0, 109), r=4.4),),
            halo=True,
        ),
        Part(
            f"forearm{side}",
            f"upper_arm{side}",
            f"elbow{side}",
            (0, 109),
            -90,
            (cap((0, 109), (0, 84), r=3.7),),
            halo=True,
        ),
        Part(
            f"hand{side}",
            f"forearm{side}",
            f"wrist{side}",
            (0, 84),
            -90,
            (cap((0, 84), (0.3, 73), r=3.0),),
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
            (cap((0, 91), (0, 51.5), r=6.6),),
            halo=True,
        ),
        Part(
            f"shank{side}",
            f"thigh{side}",
            f"knee{side}",
            (0, 49),
            -90,
            (cap((0, 49), (-0.5, 30), (0, 8), r=4.8),),
            sign=-1,
            halo=True,
        ),
        Part(
            f"foot{side}",
            f"shank{side}",
            f"ankle{side}",
            (0, 7),
            0,
            (cap((0, 6.5), (-3.4, 2.8), (13, 2.8), r=2.8),),
            halo=True,
        ),
        Part(
            f"toes{side}",
            f"foot{side}",
            f"toes{side}",
            (13, 2.8),
            0,
            (cap((13, 2.8), (18, 2.6), r=2.4),),
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
            (cap((-2, 92), (-1.5, 99), r=10),),
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
            "neck", "thoracic", "neck", (-2, 142), 80, (cap((-2, 141), (0, 153), r=4.6),), sign=-1
        ),
        Part(
            "head",
            "neck",
            "head",
            (0, 153),
            90,
            (Disc((1.5, 161), 10.5), cap((5.5, 155.5), (8, 153.5), r=4.2)),
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
            (cap((-19, 139), (-20, 111), r=4.4),),
            sign=-1,
            halo=True,
        ),
        Part(
            "forearm_r",
            "upper_arm_r",
            "elbow_r",
            (-20, 111),
            -90,
            (cap((-20, 111), (-20.5, 86), r=3.7),),
            sign=1,
            halo=True,
        ),
        Part(
            "hand_r",
            "forearm_r",
            "wrist_r",
            (-20.5, 86),
            -90,
            (cap((-20.5, 86), (-21, 75), r=3.1),),
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
            (cap((-9, 91), (-9.5, 49), r=7),),
            sign=-1,
        ),
        Part(
            "shank_r",
            "thigh_r",
            "knee_r",
            (-9.5, 49),
            -90,
            (cap((-9.5, 49), (-9.5, 8), r=4.8),),
            sign=1,
        ),
        Part(
            "foot_r",
            "shank_r",
            "ankle_r",
            (-9.5, 7),
            -90,
            (cap((-9.5, 6), (-11.5, 2.7), r=2.7),),
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
        Part("neck", "thoracic", "neck", (0, 143), 90, (cap((0, 141), (0, 152), r=5),)),
        Part("head", "neck", "head", (0, 152), 90, (cap((0, 159.5), (0, 163), r=10.2),)),
    ]
    parts = (
        legs
        + mirror(legs, "_r", "_l", flip_x=True)
        + trunk
        + arms
        + mirror(arms, "_r", "_l", flip_x=True)
    )
    return View("front", tuple(parts), root_pivot=(0, 91), root_sign=1)
