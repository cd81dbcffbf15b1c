"""Posing a clinic exercise's figure: the editor's choices, its checks, and saving them.

A therapist starts from a base position or from a built-in exercise's pose, moves the
joints with sliders and saves the start and end frames. Each angle is held to the same
normal range of motion as the built-in figures (``webapp.figures.rom``), and the whole
figure to the same checks (``webapp.figures.checks``: nothing through the floor or chair,
start and end far enough apart to see).

What is stored is only what the therapist chose (view, base, the built-in exercise it
started from, and the slider angles); ``figure_table`` turns it into the same table a
built-in exercise has in content/poses, so one drawing code serves both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import select

from webapp import figures
from webapp.figures import rom
from webapp.models import Exercise, ExerciseSource, User
from webapp.services import audit
from webapp.services.db import Db
from webapp.services.errors import ValidationError

FRAMES = {"start": "Start position", "end": "End position"}
VIEWS = {"side": "Seen from the side", "front": "Seen from the front"}
BASES = {
    "standing": "Standing",
    "sitting": "Sitting on a chair",
    "lying_back": "Lying on the back",
    "lying_front": "Lying on the front",
    "lying_side": "Lying on the side",
    "hands_knees": "On hands and knees",
    "kneeling": "Kneeling",
    "half_kneeling": "Half kneeling (one knee down)",
}
SUPPORT = {"sitting": "chair", "standing": "floor"}  # any other base: on a mat
# The joints a therapist moves, in the order of the form (right is the near side).
JOINTS = {
    "neck": "Neck",
    "head": "Head on the neck",
    "thoracic": "Upper back",
    "lumbar": "Lower back",
    "shoulder_r": "Right shoulder",
    "elbow_r": "Right elbow",
    "wrist_r": "Right wrist",
    "hip_r": "Right hip",
    "knee_r": "Right knee",
    "ankle_r": "Right ankle",
    "shoulder_l": "Left shoulder",
    "elbow_l": "Left elbow",
    "wrist_l": "Left wrist",
    "hip_l": "Left hip",
    "knee_l": "Left knee",
    "ankle_l": "Left ankle",
}
# Sliders reach this far past the normal range, so a pose too far can be seen and refused.
SLIDER_MARGIN = 30
# What a built-in exercise's table may lend a clinic pose besides its angles.
BORROWED = (
    "support",
    "anchor",
    "raise",
    "foreshorten",
    "pronated",
    "palm",
    "crop",
    "rest",
    "moves",
)
ALT = "A person doing “{title}”, drawn by the clinic: the start position, then the end position."
NUMBER = "Please give the angle as a number of degrees."
OUT_OF_RANGE = "{value:g}° is outside the normal range of {motion} ({low:g}° to {high:g}°)."
UNKNOWN_SOURCE = "Please choose one of the built-in exercises drawn from the side or front."
BUILTIN_FIGURE = (
    "The figures of built-in exercises are reviewed with the app and cannot be posed here."
)


def field_name(frame: str, joint: str) -> str:
    """Return the form field of one slider."""
    return f"{frame}-{joint}"


def normal_range(view: str, joint: str) -> tuple[str, float, float]:
    """Return a joint's motion in a view and its normal adult range (rom.py's table)."""
    motion = rom.motion_of(view, joint)
    low, high = rom.RANGES[motion]
    return motion, low, high


def slider_range(view: str, joint: str) -> tuple[int, int]:
    """Return how far a joint's slider goes either way."""
    _, low, high = normal_range(view, joint)
    return max(-180, int(low) - SLIDER_MARGIN), min(180, int(high) + SLIDER_MARGIN)


@dataclass
class PoseDraft:
    """A pose in the editor: what was chosen and typed (angles as text), and its problems."""

    view: str = "side"
    base: str = "standing"
    source: str = ""  # the built-in exercise it started from, if any
    angles: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def value(self, frame: str, joint: str) -> str:
        """Return a slider's value as typed (0 when not given)."""
        return self.angles.get(frame, {}).get(joint, "0")

    def stored(self) -> dict[str, Any]:
        """Return what the exercise keeps (call after ``check_draft`` found no errors)."""
        return {
            "from": self.source,
            "view": self.view,
            "base": self.base,
            **{f: {j: float(v) for j, v in self.angles[f].items()} for f in FRAMES},
        }


def _builtin(slug: str) -> figures.ExercisePoses | None:
    found = figures.builtin_poses().get(slug)
    return found if found is not None and found.view_name in VIEWS else None


def builtin_choices(session: Db) -> list[tuple[str, str]]:
    """Return the built-in exercises a pose may start from, as (slug, title)."""
    rows = session.execute(
        select(Exercise.slug, Exercise.title)
        .where(Exercise.source == ExerciseSource.BUILTIN)
        .order_by(Exercise.title)
    )
    return [(slug, title) for slug, title in rows if _builtin(slug)]


def _draft_from_poses(poses: figures.ExercisePoses, source: str) -> PoseDraft:
    angles = {f.name: {j: f"{f.angles.get(j, 0.0):g}" for j in JOINTS} for f in poses.frames}
    return PoseDraft(poses.view_name, poses.frame("start").base, source, angles)


def draft_for_base(view: str, base: str) -> PoseDraft:
    """Return a new pose standing still in a base position."""
    view = view if view in VIEWS else "side"
    base = base if base in BASES else "standing"
    table = {"view": view, "alt": "-", "start": {"base": base}, "end": {}}
    return _draft_from_poses(figures.parse_exercise("draft", table), "")


def draft_from_builtin(slug: str) -> PoseDraft:
    """Return a pose copied from a built-in exercise's figure, or raise ValidationError."""
    poses = _builtin(slug)
    if poses is None:
        raise ValidationError(UNKNOWN_SOURCE, "source")
    return _draft_from_poses(poses, slug)


def draft_of(exercise: Exercise) -> PoseDraft:
    """Return the editor's starting point for an exercise: its saved pose, or standing."""
    saved = exercise.pose
    if not saved:
        return draft_for_base("side", "standing")
    angles = {f: {j: f"{saved.get(f, {}).get(j, 0.0):g}" for j in JOINTS} for f in FRAMES}
    return PoseDraft(saved["view"], saved["base"], saved.get("from", ""), angles)


def draft_from_form(form: Mapping[str, str]) -> PoseDraft:
    """Return the pose the editor's form describes (angles as typed).

    The view and base come from lists; anything else there was not sent by the form, and
    falls back to the first choice rather than drawing something unknown.
    """
    view, base, source = form.get("view", ""), form.get("base", ""), form.get("from", "")
    angles = {f: {j: form.get(field_name(f, j), "0").strip() for j in JOINTS} for f in FRAMES}
    return PoseDraft(
        view if view in VIEWS else "side",
        base if base in BASES else "standing",
        source if _builtin(source) else "",
        angles,
    )


def figure_table(saved: Mapping[str, Any], alt: str) -> dict[str, Any]:
    """Return a saved pose as a figure table, the shape of one in content/poses."""
    view, base = saved["view"], saved["base"]
    table: dict[str, Any] = {"view": view, "alt": alt, "support": SUPPORT.get(base, "mat")}
    frames: dict[str, dict[str, Any]] = {"start": {}, "end": {}}
    source = _builtin(saved.get("from", ""))
    if source is not None and source.view_name == view:
        table.update(_borrowed(source))
        for frame in source.frames:
            if frame.name in frames:
                frames[frame.name] = {"pelvis": frame.pelvis, "shift": frame.shift, **frame.angles}
                if frame.name == "end":
                    frames["end"]["base"] = frame.base
    for name in FRAMES:
        table[name] = {**frames[name], **saved.get(name, {})}
    table["start"]["base"] = base
    return table


def _borrowed(poses: figures.ExercisePoses) -> dict[str, Any]:
    """Return the props and settings of a built-in figure, as table entries."""
    out: dict[str, Any] = {
        "support": poses.support,
        "anchor": poses.anchor,
        "raise": poses.raise_by,
        "foreshorten": dict(poses.foreshorten),
        "pronated": list(poses.pronated),
        "palm": "up" if poses.palm_up else "down",
        "rest": "lowest" if poses.rest_on_lowest else "anchor",
        "moves": list(poses.non_joint),  # breath and shoulder-blade glides count as moving
    }
    if poses.crop:
        out["crop"] = poses.crop
    props = []
    for prop in poses.props:
        entry = {
            k: v
            for k, v in asdict(prop).items()
            if v is not None and v != "" and not (k in ("dx", "dy") and v == 0)
        }
        if prop.solid is not None:
            entry["solid"] = list(prop.solid)
        props.append(entry)
    out["props"] = props
    return {k: v for k, v in out.items() if k in BORROWED or k == "props"}


def check_draft(draft: PoseDraft, title: str) -> figures.ExercisePoses | None:
    """Fill ``draft.errors``; return the figure when every angle is a number in range."""
    draft.errors = {}
    if draft.view not in VIEWS:
        draft.errors["view"] = ["Please choose how the figure is seen."]
    if draft.base not in BASES:
        draft.errors["base"] = ["Please choose a starting position."]
    if draft.errors:
        return None
    for frame in FRAMES:
        for joint in JOINTS:
            message = _angle_problem(draft.view, joint, draft.value(frame, joint))
            if message:
                draft.errors[field_name(frame, joint)] = [message]
    if draft.errors:
        return None
    table = figure_table(draft.stored(), ALT.format(title=title))
    try:
        poses = figures.parse_exercise("clinic-pose", table)
    except figures.PoseDataError as exc:
        draft.errors["pose"] = [str(exc)]
        return None
    problems = figures.check_poses(poses)
    if problems:
        draft.errors["pose"] = problems
    return poses


def _angle_problem(view: str, joint: str, typed: str) -> str:
    try:
        value = float(typed)
    except ValueError:
        return NUMBER
    if value != value or abs(value) > 360:  # NaN, or nothing a joint does
        return NUMBER
    motion, low, high = normal_range(view, joint)
    if not low <= value <= high:
        return OUT_OF_RANGE.format(value=value, motion=motion, low=low, high=high)
    return ""


def save_pose(session: Db, therapist: User, exercise: Exercise, draft: PoseDraft) -> None:
    """Keep a clinic exercise's posed figure, or raise ValidationError with the problems."""
    if exercise.is_builtin:
        raise ValidationError(BUILTIN_FIGURE, "pose")
    check_draft(draft, exercise.title)
    if draft.errors:
        raise ValidationError(draft.errors)
    exercise.pose = draft.stored()
    audit.record(session, therapist, "exercise.pose", detail=exercise.slug)


def poses_of(exercise: Exercise) -> figures.ExercisePoses | None:
    """Return a clinic exercise's posed figure, or None (built-in ones: content/poses)."""
    if not exercise.pose:
        return None
    return _parsed(exercise.slug, json.dumps(exercise.pose, sort_keys=True), exercise.title)


@lru_cache(maxsize=256)
def _parsed(slug: str, saved: str, title: str) -> figures.ExercisePoses | None:
    try:
        return figures.parse_exercise(
            slug, figure_table(json.loads(saved), ALT.format(title=title))
        )
    except figures.PoseDataError:
        return None  # a saved pose that no longer draws: no figure rather than an error
