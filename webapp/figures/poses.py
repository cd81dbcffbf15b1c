"""Pose data: the reviewed keyframes of every exercise figure, read from TOML.

One file per library file (``content/poses/low_back.toml`` goes with
``content/library/low_back.toml``), one table per exercise slug. A frame names a base
position and the joint angles that differ from it; ``end`` starts from ``start`` and
``hold`` from ``end``, so each frame lists only what changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from webapp.figures.skeleton import View
from webapp.figures.views import VIEWS, foreshorten, palm_up

FRAME_NAMES = ("start", "end", "hold")
# The figure's description (its accessible name): ``alt`` in English, ``alt_<language>``
# in another language (e.g. ``alt_es``), each one or two sentences.
ALT_MAX_CHARS = 400
ALT_KEY = re.compile(r"alt_([a-z]{2})")
SUPPORTS = {"floor": 0.0, "mat": 1.5, "bed": 50.0, "chair": 45.0, "none": 0.0}
PROP_KINDS = (
    "floor",
    "mat",
    "bed",
    "chair",
    "wall",
    "door",
    "table",
    "counter",
    "towel",
    "band",
    "ball",
    "big_ball",
    "putty",
    "roller",
    "pillow",
    "cushion",
    "step",
)


@dataclass(frozen=True)
class Base:
    """A starting position: how the whole body is turned and what rests on the support."""

    pelvis: float
    rests_on: str
    angles: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # view -> angles
    foreshorten: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    turned: Mapping[str, float] = field(default_factory=dict)  # view -> pelvis, if not default


def _both(**angles: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, value in angles.items():
        out[f"{name}_r"] = value
        out[f"{name}_l"] = value
    return out


BASES: dict[str, Base] = {
    "standing": Base(
        0, "foot_r", foreshorten={"top": {"thigh_r": 0, "thigh_l": 0, "shank_r": 0, "shank_l": 0}}
    ),
    "sitting": Base(
        0,
        "pelvis",
        # From the front the thighs point at us: knees a little apart read as sitting.
        angles={"side": _both(hip=90, knee=90), "front": _both(hip=6, knee=6)},
        foreshorten={
            "front": {"thigh_r": 0.08, "thigh_l": 0.08},
            "top": {"shank_r": 0.05, "shank_l": 0.05},
        },
    ),
    "lying_back": Base(-90, "pelvis", turned={"front": 90}),
    "lying_front": Base(90, "pelvis"),
    "lying_side": Base(90, "pelvis"),
    "hands_knees": Base(
        90, "shank_r", angles={"side": _both(hip=90, knee=90, shoulder=90, ankle=-40)}
    ),
    "kneeling": Base(0, "shank_r", angles={"side": _both(knee=90, ankle=-40)}),
    "half_kneeling": Base(
        0, "shank_r", angles={"side": {"knee_r": 90, "ankle_r": -40, "hip_l": 90, "knee_l": 90}}
    ),
    "hand": Base(0, "forearm"),
}


@dataclass(frozen=True)
class Frame:
    """One keyframe: a base position and every joint angle of the view."""

    name: str
    base: str
    pelvis: float
    angles: Mapping[str, float]
    touch: tuple[tuple[str, str], ...]  # (part, prop) pairs that must touch
    shift: float = 0.0  # the anchor moves this far along the support (cm)


@dataclass(frozen=True)
class PropSpec:
    """A prop and where it goes: under a body part, at one of its sides, or at x/y."""

    kind: str
    name: str
    under: str = ""
    at: str = ""
    side: str = ""
    to: str = ""  # the second part a towel loop or band runs to
    on: str = ""  # the prop it stands on (default: whatever surface is below)
    # The parts it is solid for, when the rest pass beside it (a pillow between the knees,
    # a table beside the body); None: solid for the whole body.
    solid: tuple[str, ...] | None = None
    frame: str = "start"
    dx: float = 0.0
    dy: float = 0.0
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    shape: str = ""
    front: bool = False  # on the near side of the body: drawn in front of it


@dataclass(frozen=True)
class ArrowSpec:
    """A direction-of-movement arrow: an arc about a joint, a line, or a small circle."""

    kind: str
    at: str  # the part whose tip the arrow follows
    around: str = ""  # the joint an arc turns about
    offset: float = 6.0
    radius: float = 6.0
    both: bool = False
    to: str = "end"
    length: float = 0.0  # draw a line arrow at least this long (small movements)
    dx: float = 0.0  # move the whole arrow off the body
    dy: float = 0.0
    towards: str = ""  # a line from ``at`` towards this part (attention moving, not a limb)
    angle: float | None = None  # a line in this direction (a press that barely moves)


@dataclass(frozen=True)
class Timing:
    """How long each phase of one repetition takes, in seconds."""

    move: float = 2.0
    back: float | None = None
    hold: float | None = None  # None: the dose's hold
    rest: float = 1.0


@dataclass(frozen=True)
class ExercisePoses:
    """Everything needed to draw one exercise's figure."""

    slug: str
    source: str  # the TOML file it came from
    view_name: str
    support: str
    anchor: str
    raise_by: float
    alt: str
    frames: tuple[Frame, ...]
    props: tuple[PropSpec, ...]
    arrows: tuple[ArrowSpec, ...]
    highlight: tuple[str, ...]
    foreshorten: Mapping[str, float]
    pronated: tuple[str, ...]
    timing: Timing
    crop: str
    non_joint: tuple[str, ...]
    rest_on_lowest: bool
    palm_up: bool
    digest: str
    alts: Mapping[str, str] = field(default_factory=dict)  # language -> its own description

    def alt_in(self, language: str) -> str | None:
        """Return the figure's description in a language, or None when it has none.

        English is ``alt``; another language's is ``alt_<language>`` in the pose data.
        """
        return self.alt if language == "en" else self.alts.get(language)

    @property
    def view(self) -> View:
        """Return the view with this exercise's foreshortened parts."""
        return _view(self.view_name, tuple(sorted(self.foreshorten.items())), self.palm_up)

    def frame(self, name: str) -> Frame:
        """Return one frame by name."""
        for f in self.frames:
            if f.name == name:
                return f
        raise KeyError(name)


@cache
def _view(name: str, factors: tuple[tuple[str, float], ...], turned_up: bool = False) -> View:
    view = foreshorten(VIEWS[name](), dict(factors))
    return palm_up(view) if turned_up else view


class PoseDataError(ValueError):
    """Pose data that cannot be drawn: an unknown joint, prop or frame."""


def _fail(slug: str, message: str) -> PoseDataError:
    return PoseDataError(f"{slug}: {message}")


def parse_exercise(slug: str, data: Mapping[str, Any], source: str = "") -> ExercisePoses:
    """Check and resolve one exercise's pose table."""
    view_name = data.get("view", "side")
    if view_name not in VIEWS:
        raise _fail(slug, f"unknown view {view_name!r}")
    known = {
        "view",
        "support",
        "anchor",
        "raise",
        "alt",
        "props",
        "arrows",
        "highlight",
        "foreshorten",
        "pronated",
        "timing",
        "crop",
        "moves",
        "rest",
        "palm",
        *FRAME_NAMES,
    }
    unknown = {key for key in set(data) - known if not ALT_KEY.fullmatch(key)}
    if unknown:
        raise _fail(slug, f"unknown keys {sorted(unknown)}")
    if "start" not in data or "end" not in data:
        raise _fail(slug, "needs a start and an end frame")
    start_base = data["start"].get("base")
    if start_base not in BASES:
        raise _fail(slug, f"start needs a base position, one of {sorted(BASES)}")
    base = BASES[start_base]
    factors = {**base.foreshorten.get(view_name, {}), **data.get("foreshorten", {})}
    view = _view(view_name, tuple(sorted(factors.items())), data.get("palm", "down") == "up")
    joints = set(view.joints)
    parts = {p.name for p in view.parts}

    frames: list[Frame] = []
    previous: Frame | None = None
    for name in FRAME_NAMES:
        if name not in data:
            continue
        frames.append(_frame(slug, name, data[name], previous, view_name, joints, parts))
        previous = frames[-1]

    props = tuple(_prop(slug, p, parts, joints) for p in data.get("props", []))
    arrows = tuple(_arrow(slug, a, parts, joints) for a in data.get("arrows", []))
    highlight = tuple(data.get("highlight", []))
    for part in highlight:
        if part not in parts:
            raise _fail(slug, f"highlight names unknown part {part!r}")
    anchor = data.get("anchor", base.rests_on)
    if anchor not in parts:
        raise _fail(slug, f"anchor names unknown part {anchor!r}")
    support = data.get("support", "none" if view_name.startswith("hand") else "floor")
    if support not in SUPPORTS:
        raise _fail(slug, f"unknown support {support!r}")
    timing = Timing(**data.get("timing", {}))
    alt = " ".join(str(data.get("alt", "")).split())
    if not alt:
        raise _fail(slug, "needs an alt text (what the figure shows, in one or two sentences)")
    alts = _alts(slug, data)
    for key, text in (("alt", alt), *((f"alt_{k}", v) for k, v in alts.items())):
        if len(text) > ALT_MAX_CHARS:
            raise _fail(slug, f"{key} is {len(text)} characters, at most {ALT_MAX_CHARS}")
    canonical = json.dumps({"slug": slug, **data}, sort_keys=True, default=str)
    return ExercisePoses(
        slug=slug,
        source=source,
        view_name=view_name,
        support=support,
        anchor=anchor,
        raise_by=float(data.get("raise", 0.0)),
        alt=alt,
        frames=tuple(frames),
        props=props,
        arrows=arrows,
        highlight=highlight,
        foreshorten=factors,
        pronated=tuple(data.get("pronated", [])),
        timing=timing,
        crop=data.get("crop", ""),
        non_joint=tuple(data.get("moves", [])),
        rest_on_lowest=data.get("rest", "anchor") == "lowest",
        palm_up=data.get("palm", "down") == "up",
        digest=hashlib.sha256(canonical.encode()).hexdigest()[:16],
        alts=alts,
    )


def _alts(slug: str, data: Mapping[str, Any]) -> dict[str, str]:
    """Return the descriptions in other languages (``alt_es`` ...), keyed by language."""
    out: dict[str, str] = {}
    for key in sorted(data):
        found = ALT_KEY.fullmatch(key)
        if found is None:
            continue
        language = found.group(1)
        text = " ".join(str(data[key]).split())
        if language == "en":
            raise _fail(slug, "the English description is alt, not alt_en")
        if not text:
            raise _fail(slug, f"{key} is empty: give the description or leave the key out")
        out[language] = text
    return out


def _frame(
    slug: str,
    name: str,
    data: Mapping[str, Any],
    previous: Frame | None,
    view_name: str,
    joints: set[str],
    parts: set[str],
) -> Frame:
    base_name = data.get("base", previous.base if previous else "")
    if base_name not in BASES:
        raise _fail(slug, f"{name}: unknown base position {base_name!r}")
    base = BASES[base_name]
    if previous is not None and base_name == previous.base:
        angles = dict(previous.angles)
        pelvis = previous.pelvis
    else:
        angles = {j: 0.0 for j in joints}
        angles.update(base.angles.get(view_name, {}))
        pelvis = base.turned.get(view_name, base.pelvis)
    for key, value in data.items():
        if key in ("base", "touch", "shift"):
            continue
        if key == "pelvis":
            pelvis = float(value)
        elif key in joints:
            angles[key] = float(value)
        else:
            raise _fail(slug, f"{name}: unknown joint {key!r}")
    touch: list[tuple[str, str]] = []
    inherited = [f"{part}:{prop}" for part, prop in previous.touch] if previous else []
    for item in data.get("touch", inherited):
        part, _, prop = str(item).partition(":")
        if part not in parts or not prop:
            raise _fail(slug, f"{name}: touch {item!r} must be part:prop (or part:part)")
        touch.append((part, prop))
    return Frame(
        name=name,
        base=base_name,
        pelvis=pelvis,
        angles=angles,
        touch=tuple(touch),
        shift=float(data.get("shift", previous.shift if previous else 0.0)),
    )


def _prop(slug: str, data: Mapping[str, Any], parts: set[str], joints: set[str]) -> PropSpec:
    kind = data.get("kind", "")
    if kind not in PROP_KINDS:
        raise _fail(slug, f"unknown prop {kind!r}; one of {', '.join(PROP_KINDS)}")
    for key in ("under", "at", "to"):
        if data.get(key) and data[key] not in parts | joints:
            raise _fail(slug, f"prop {kind}: {key} names unknown part {data[key]!r}")
    for part in data.get("solid", []):
        if part not in parts:
            raise _fail(slug, f"prop {kind}: solid names unknown part {part!r}")
    if data.get("frame", "start") not in FRAME_NAMES:
        raise _fail(slug, f"prop {kind}: unknown frame {data['frame']!r}")
    return PropSpec(
        kind=kind,
        name=data.get("name", kind),
        under=data.get("under", ""),
        at=data.get("at", ""),
        side=data.get("side", ""),
        to=data.get("to", ""),
        on=data.get("on", ""),
        solid=tuple(data["solid"]) if "solid" in data else None,
        frame=data.get("frame", "start"),
        dx=float(data.get("dx", 0.0)),
        dy=float(data.get("dy", 0.0)),
        x=data.get("x"),
        y=data.get("y"),
        width=data.get("width"),
        height=data.get("height"),
        shape=data.get("shape", ""),
        front=bool(data.get("front", False)),
    )


def _arrow(slug: str, data: Mapping[str, Any], parts: set[str], joints: set[str]) -> ArrowSpec:
    kind = data.get("kind", "arc")
    if kind not in ("arc", "line", "circle"):
        raise _fail(slug, f"unknown arrow kind {kind!r}")
    if data.get("at") not in parts or data.get("towards", data["at"]) not in parts:
        raise _fail(slug, f"arrow: at/towards name unknown parts {data.get('at')!r}")
    if kind == "arc" and data.get("around") not in joints:
        raise _fail(slug, f"arrow: an arc needs around = a joint, not {data.get('around')!r}")
    return ArrowSpec(
        kind=kind,
        at=data["at"],
        around=data.get("around", ""),
        offset=float(data.get("offset", 6.0)),
        radius=float(data.get("radius", 6.0)),
        both=bool(data.get("both", False)),
        to=data.get("to", "end"),
        length=float(data.get("length", 0.0)),
        dx=float(data.get("dx", 0.0)),
        dy=float(data.get("dy", 0.0)),
        towards=data.get("towards", ""),
        angle=float(data["angle"]) if "angle" in data else None,
    )


@cache
def builtin_poses() -> dict[str, ExercisePoses]:
    """Return the shipped figures by exercise slug."""
    folder = resources.files("webapp.content").joinpath("poses")
    found: dict[str, ExercisePoses] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        for slug, data in tomllib.loads(entry.read_text()).items():
            if slug in found:
                raise _fail(slug, f"defined twice ({found[slug].source} and {entry.name})")
            found[slug] = parse_exercise(slug, data, entry.name)
    return found
