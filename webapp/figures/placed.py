"""The pieces of a figure's picture: a placed frame, a drawn item, a placed prop, the scene.

``scene`` poses the body and builds the whole picture; ``props`` places the props around
the body. Both work on these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from webapp.figures.geometry import (
    Capsule,
    Disc,
    Point,
    Shape,
    Transform,
)
from webapp.figures.poses import ExercisePoses, Frame, PropSpec
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


def support_below(poses: ExercisePoses, frame: Frame) -> bool:
    """Return True when the support is a surface under the figure (not the picture plane)."""
    if poses.support == "none" or poses.view_name in ("top", "hand_palm", "hand_side"):
        return False
    if poses.view_name == "front" and frame.base in ("lying_back", "lying_front"):
        return False
    return True
