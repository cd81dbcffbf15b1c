"""Write a figure as SVG: animated with SMIL, or its frames side by side, still.

The SVG obeys the app's Content-Security-Policy: no script, no ``style`` attribute, no
reference outside itself; colours are presentation attributes and the only animations
are ``animateTransform`` of joint groups (Firefox refuses SMIL on CSS properties under a
strict policy, transforms are fine) and ``animate`` of a towel's line ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from webapp.figures.geometry import Point
from webapp.figures.pace import EASE, Pace, ease_x, solve_ease
from webapp.figures.placed import Item, Placed, Scene
from webapp.figures.poses import ExercisePoses
from webapp.figures.scene import blend, build_scene
from webapp.figures.skeleton import FAR, Part
from webapp.figures.svg import (
    FAR_TONE,
    HIGHLIGHT,
    HIGHLIGHT_FAR,
    NEAR_TONE,
    PROP_EDGE,
    arrows_svg,
    chevron,
    item_svg,
    num,
    open_svg,
    pt,
    shape_svg,
)

# Whole sentences for people who cannot see the picture (one place, for translation).
STILL_SIDE_BY_SIDE = "{alt} Left: the starting position. Right: the end position."
STILL_ONE_ABOVE = "{alt} Top: the starting position. Bottom: the end position."


_MOTIONS: dict[str, tuple[str, Callable[[float], str]]] = {
    "rotate": ("rotate", lambda v: num(-v)),
    "lift": ("translate", lambda v: f"0 {num(-v)}"),
    "glide": ("translate", lambda v: f"{num(v)} 0"),
    # The breath widens the belly forward from its pivot.
    "swell": ("scale", lambda v: f"{num(1 + 0.35 * v)} 1"),
}


class _Writer:
    """Builds the body's nest of joint groups for one frame (still) or all (animated).

    Each joint's group is moved to its pivot, so the part's shapes are written relative
    to it and the animation only carries angles (``additive="sum"`` onto the move).
    """

    def __init__(self, scene: Scene, frames: Sequence[Placed], pace: Pace | None) -> None:
        self.scene = scene
        self.view = scene.view
        self.frames = frames
        self.pace = pace
        self.parts = {p.name: p for p in self.view.parts}
        self.total = 0.0
        self.sequence = self._sequence() if pace else []

    def _sequence(self) -> list[tuple[Placed, float]]:
        """Return (pose, time) keyframes of one repetition, times from 0 to 1."""
        assert self.pace is not None
        by_name = {f.name: f for f in self.frames}
        start, end = by_name["start"], by_name["end"]
        hold = by_name.get("hold")
        p = self.pace
        steps: list[tuple[Placed, float]] = [(start, 0.0), (end, p.move)]
        if hold is not None:
            steps.append((hold, p.move))
        last = steps[-1][0]
        if p.hold > 0:
            steps.append((last, p.hold))
        steps.append((start, p.back))
        if p.rest > 0:
            steps.append((start, p.rest))
        total = sum(t for _, t in steps)
        out, t = [], 0.0
        for frame, length in steps:
            t += length
            out.append((frame, t / total))
        self.total = total
        return out

    def _values(self, joint: str) -> list[float]:
        if self.sequence:
            return [f.turns.get(joint, 0.0) for f, _ in self.sequence]
        return [self.frames[0].turns.get(joint, 0.0)]

    def _timing(self) -> str:
        times = ";".join(num(t) if 0 < t < 1 else str(int(t)) for _, t in self.sequence)
        splines = ";".join([EASE] * (len(self.sequence) - 1))
        return (
            f'keyTimes="{times}" dur="{num(self.total)}s" repeatCount="indefinite"'
            f' calcMode="spline" keySplines="{splines}"'
        )

    def _animate(self, kind: str, values: Sequence[str]) -> str:
        return (
            f'<animateTransform attributeName="transform" type="{kind}" additive="sum"'
            f' values="{";".join(values)}" {self._timing()}/>'
        )

    def _moves(self, part: Part) -> bool:
        return any(abs(v) > 1e-6 for v in self._values(part.joint))

    def open_group(self, part: Part, origin: Point) -> str:
        tone = f' stroke="{FAR_TONE}"' if self._far_root(part) else ""
        if not (part.joint and self._moves(part)):
            return f"<g{tone}>"
        values = self._values(part.joint)
        animated = len({round(v, 1) for v in values}) > 1
        offset = (part.pivot[0] - origin[0], part.pivot[1] - origin[1])
        move = f"translate({pt(offset)})" if any(abs(v) >= 0.05 for v in offset) else ""
        kind, fmt = _MOTIONS[part.kind]
        if animated:
            moved = f' transform="{move}"' if move else ""
            return f"<g{moved}{tone}>" + self._animate(kind, [fmt(v) for v in values])
        return f'<g transform="{f"{move} {kind}({fmt(values[0])})".strip()}"{tone}>'

    def _far_root(self, part: Part) -> bool:
        """Return True for the first part of a far-side limb (its group carries the tone)."""
        parent = self.parts.get(part.parent)
        return part.tone == FAR and parent is not None and parent.tone != FAR

    def chain(self, part: Part) -> list[Part]:
        out = []
        p: Part | None = part
        while p is not None and p.parent:
            if (p.joint and self._moves(p)) or self._far_root(p):
                out.append(p)
            p = self.parts.get(p.parent)
        return out[::-1]

    def _halo(self, part: Part) -> float | None:
        """Return how much of a limb's gap to leave out at its joint, or None for no gap."""
        if not part.halo:
            return None
        parent = self.parts.get(part.parent)
        if parent is None or not parent.halo:
            return 0.0
        r_parent = max((getattr(sh, "radius", 0.0) for sh in parent.shapes), default=0.0)
        r_own = max((getattr(sh, "radius", 0.0) for sh in part.shapes), default=0.0)
        return r_parent + r_own + 1.2

    def _origin(self, stack: list[Part], root: Point) -> Point:
        """Return the pivot the innermost moved group sits at (shapes are drawn from it)."""
        for p in reversed(stack):
            if p.joint and self._moves(p):
                return p.pivot
        return root

    def hidden(self) -> set[str]:
        """Return far-side parts that sit exactly behind their near-side twin in every frame."""
        if self.view.name != "side":
            return set()
        frames = [f for f, _ in self.sequence] if self.sequence else list(self.frames)
        poses = self.scene.poses
        out: set[str] = set()
        for limb in (("thigh", "shank", "foot", "toes"), ("upper_arm", "forearm", "hand")):
            far = [self.view.part(f"{p}_l") for p in limb]
            joints = [p.joint for p in far] + (
                ["scapula_up_l", "scapula_fwd_l"] if limb[0] == "upper_arm" else []
            )
            same = all(
                abs(f.turns.get(j, 0.0) - f.turns.get(j[:-1] + "r", 0.0)) < 0.05
                for f in frames
                for j in joints
            )
            lit = {p.name[:-1] for p in far if p.name in poses.highlight}
            near_lit = {p[:-1] for p in poses.highlight if p.endswith("_r")}
            if same and lit <= near_lit:
                out.update(p.name for p in far)
        return out

    def body(self) -> str:
        highlight = set(self.scene.poses.highlight)
        root = self.view.root_pivot
        out: list[str] = []
        stack: list[Part] = []
        hidden = self.hidden()
        for part in self.scene.body_parts():
            if part.name in hidden:
                continue
            chain = self.chain(part)
            keep = 0
            while keep < min(len(stack), len(chain)) and stack[keep] is chain[keep]:
                keep += 1
            while len(stack) > keep:
                stack.pop()
                out.append("</g>")
            for p in chain[keep:]:
                out.append(self.open_group(p, self._origin(stack, root)))
                stack.append(p)
            origin = self._origin(stack, root)
            inherited = FAR_TONE if any(self._far_root(p) for p in stack) else NEAR_TONE
            lit = part.name in highlight or (part.kind == "swell" and part.parent in highlight)
            if lit:
                colour = HIGHLIGHT_FAR if part.tone == FAR else HIGHLIGHT
            else:
                colour = FAR_TONE if part.tone == FAR else NEAR_TONE
            out += [shape_svg(s, colour, self._halo(part), origin, inherited) for s in part.shapes]
        out += ["</g>"] * len(stack)
        return "".join(out)

    def root(self, inner: str) -> str:
        """Wrap the body in the whole figure's move and turn about the root pivot."""
        if self.sequence:
            frames = [f for f, _ in self.sequence]
        else:
            frames = [self.frames[0]]
        px, py = self.view.root_pivot
        sx, sy = frames[0].shift
        out = [f'<g transform="translate({pt((sx + px, sy + py))})">']
        deltas = [(f.shift[0] - sx, f.shift[1] - sy) for f in frames]
        if len({(round(x, 1), round(y, 1)) for x, y in deltas}) > 1:
            out.append(self._root_path((sx, sy)))
        turns = [num(-f.pelvis) for f in frames]
        if len(set(turns)) > 1:
            out.append(self._animate("rotate", turns))
            out.append(inner + "</g>")
        elif turns[0] == "0":
            out.append(inner + "</g>")
        else:
            out.append(f'<g transform="rotate({turns[0]})">{inner}</g></g>')
        return "".join(out)

    def _root_path(self, origin: Point) -> str:
        """Animate the whole figure's move, sampled so the anchor stays on its support.

        The joints turn evenly between keyframes, but where the feet (or the pelvis) land
        is not a straight line between the keyframes' moves: sample it along the way.
        """
        times: list[float] = []
        values: list[str] = []

        def add(t: float, shift: Point) -> None:
            times.append(t)
            values.append(pt((shift[0] - origin[0], shift[1] - origin[1])))

        first = self.sequence[0][0]
        add(0.0, first.shift)
        previous, t0 = first, 0.0
        for frame, t1 in self.sequence[1:]:
            if frame is not previous:
                for u in (0.25, 0.5, 0.75):
                    s = solve_ease(u)
                    add(t0 + (t1 - t0) * ease_x(s), blend(previous, frame, u, self.scene).shift)
            add(t1, frame.shift)
            previous, t0 = frame, t1
        keys = ";".join(num(t) if 0 < t < 1 else str(int(t)) for t in times)
        return (
            f'<animateTransform attributeName="transform" type="translate" additive="sum"'
            f' values="{";".join(values)}" keyTimes="{keys}" dur="{num(self.total)}s"'
            ' repeatCount="indefinite"/>'
        )

    def line_ends(self, ends: dict[str, tuple[Point, Point]]) -> str:
        """Animate a towel's line so its ends follow the hands and the foot."""
        anims = []
        for i, attr in enumerate(("x1", "y1", "x2", "y2")):
            end, axis = divmod(i, 2)
            values = [ends[f.name][end][axis] * (1 if axis == 0 else -1) for f, _ in self.sequence]
            anims.append(
                f'<animate attributeName="{attr}" values="{";".join(num(v) for v in values)}"'
                f" {self._timing()}/>"
            )
        return "".join(anims)


def props_svg(
    scene: Scene, writer: _Writer | None, frame: Placed, front: bool, floor: bool = True
) -> str:
    out = [f'<g stroke="{PROP_EDGE}" stroke-width=".6">']
    for prop in scene.props:
        if prop.front != front or (prop.spec.kind == "floor" and not floor):
            continue
        for item in prop.items:
            if prop.moving:
                a, b = prop.moving[frame.name]
                item = Item(item.shape, (a, b), item.size, item.tone)
                anim = (
                    writer.line_ends(prop.moving) if writer is not None and writer.sequence else ""
                )
                out.append(item_svg(item, anim))
            else:
                out.append(item_svg(item))
    if len(out) == 1:
        return ""
    out.append("</g>")
    return "".join(out)


def render_scene(
    scene: Scene,
    *,
    pace: Pace | None = None,
    animate: bool = True,
    frames: Sequence[str] = ("start", "end"),
    size: int | None = None,
    title: str | None = None,
) -> str:
    """Return the SVG of a placed scene (see ``render_figure``)."""
    poses = scene.poses
    if animate:
        writer = _Writer(scene, scene.frames, pace or Pace())
        first = scene.frames[0]
        body = writer.root(writer.body())
        svg = [
            open_svg(scene.box, title or poses.alt, size, "figure figure--moving"),
            props_svg(scene, writer, first, front=False),
            body,
            props_svg(scene, writer, first, front=True),
            arrows_svg(scene),
            "</g></svg>",
        ]
        return "".join(svg)
    chosen = [scene.frame(name) for name in frames]
    x0, y0, x1, y1 = scene.box
    w, h = x1 - x0, y1 - y0
    stacked = still_stacked(scene, len(chosen))
    gap = 0.14 * (h if stacked else w)
    step = (0.0, -(h + gap)) if stacked else (w + gap, 0.0)
    count = len(chosen)
    box = (x0, y0 + step[1] * (count - 1), x1 + step[0] * (count - 1), y1)
    template = STILL_ONE_ABOVE if stacked else STILL_SIDE_BY_SIDE
    text = title or (template.format(alt=poses.alt) if count == 2 else poses.alt)
    parts = [open_svg(box, text, size, "figure figure--still")]
    shared_floor = not stacked and any(p.spec.kind == "floor" for p in scene.props)
    if shared_floor:
        # One floor under frames that stand side by side.
        parts.append(
            f'<g stroke="{PROP_EDGE}" stroke-width=".8">'
            f'<rect x="{num(box[0])}" y="0" width="{num(box[2] - box[0])}" height="6"'
            ' fill="#eef1f1" stroke="none"/>'
            f'<path d="M{num(box[0])} 0H{num(box[2])}"/></g>'
        )
    for i, frame in enumerate(chosen):
        dx, dy = step[0] * i, step[1] * i
        writer = _Writer(scene, [frame], None)
        # Each frame is its own small picture, so a cropped figure is cut at its own edge.
        parts.append(
            f'<svg x="{num(x0 + dx)}" y="{num(-(y1 + dy))}" width="{num(w)}" height="{num(h)}"'
            f' viewBox="{num(x0)} {num(-y1)} {num(w)} {num(h)}">'
        )
        parts.append(props_svg(scene, None, frame, front=False, floor=not shared_floor))
        parts.append(writer.root(writer.body()))
        parts.append(props_svg(scene, None, frame, front=True))
        if i == 0:
            parts.append(arrows_svg(scene))
        parts.append("</svg>")
        if i < count - 1:
            parts.append(chevron((x0, y0, x1, y1), step, i, gap, stacked))
    parts.append("</g></svg>")
    return "".join(parts)


def render_figure(
    poses: ExercisePoses,
    *,
    pace: Pace | None = None,
    animate: bool = True,
    frames: Sequence[str] = ("start", "end"),
    size: int | None = None,
    title: str | None = None,
) -> str:
    """Return an exercise's figure as SVG.

    ``animate``: one repetition, start -> end (-> hold) -> start, looping, at ``pace``.
    Otherwise the named ``frames`` stand side by side (or one above the other when the
    figure is wide), with the arrows on the first. ``size`` sets a pixel width; without
    it the SVG fills its box. ``title`` replaces the pose's own accessible text.
    """
    return render_scene(
        build_scene(poses), pace=pace, animate=animate, frames=frames, size=size, title=title
    )


def still_stacked(scene: Scene, count: int = 2) -> bool:
    """Return whether still frames stand one above the other (a wide figure), not side by side."""
    x0, y0, x1, y1 = scene.box
    return (x1 - x0) / (y1 - y0) > 1.3 and count > 1


def render_pair(poses: ExercisePoses, *, pace: Pace) -> tuple[str, str]:
    """Return the moving and the still SVG of one figure, placing it only once."""
    scene = build_scene(poses)
    return render_scene(scene, pace=pace, animate=True), render_scene(scene, animate=False)


def iter_all(poses: dict[str, ExercisePoses]) -> Iterator[tuple[str, Scene]]:
    """Yield every exercise's placed scene (for checks and the review sheet)."""
    for slug, p in sorted(poses.items()):
        yield slug, build_scene(p)
