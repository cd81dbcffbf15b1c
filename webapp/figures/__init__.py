"""Exercise figures: a line-drawn person posed from reviewed data, rendered as SVG.

The drawing is ours, made from joint angles (``content/poses/*.toml``), never from
someone else's pictures. Pure Python: no Flask, no browser.

    fig = exercise_figure("bridge", hold_seconds=3)
    fig.moving   # SVG that loops one repetition at the dose's pace (SMIL, no script)
    fig.still    # SVG of the start and end frames side by side, still
    exercise_figure("bridge", hold_seconds=5, follow_timer=True)  # the player's pace
    exercise_thumbnail("bridge").svg   # a tiny start frame for lists
    render_figure(poses, pace=Pace(...), animate=False, frames=("start",), size=96)
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from threading import Lock

from webapp.figures.checks import check_poses
from webapp.figures.pace import Pace, timeline
from webapp.figures.paper import black_and_white
from webapp.figures.poses import ExercisePoses, PoseDataError, builtin_poses, parse_exercise
from webapp.figures.render import render_figure, render_scene, still_stacked
from webapp.figures.scene import build_scene
from webapp.figures.thumbnail import render_thumbnail

__all__ = [
    "ENGINE_VERSION",
    "ExercisePoses",
    "Figure",
    "Pace",
    "PoseDataError",
    "Thumbnail",
    "builtin_poses",
    "check_poses",
    "exercise_figure",
    "exercise_thumbnail",
    "figure_version",
    "parse_exercise",
    "render_figure",
    "timeline",
    "timer_pace",
]

# Bump when the drawing code changes what a figure looks like, so cached copies renew.
ENGINE_VERSION = "1"
CACHE_SIZE = 256


@dataclass(frozen=True)
class Figure:
    """One exercise's figure, ready for a page."""

    slug: str
    version: str  # changes whenever the pose, the pace or the drawing code changes
    moving: str  # SVG: one repetition, looping
    still: str  # SVG: the start and end frames side by side
    pace: Pace
    alt: str
    timeline: tuple[tuple[str, float, float], ...] = ()  # one repetition's phases, seconds
    # The description in other languages (``alt_es`` in the pose data), keyed by language.
    # The SVGs carry the English one; a page in another language puts its own in their titles.
    alts: Mapping[str, str] = field(default_factory=dict)
    still_stacked: bool = False  # the still frames stand one above the other, not side by side

    def alt_in(self, language: str) -> str | None:
        """Return the description in a language (English: ``alt``), or None without one."""
        return self.alt if language == "en" else self.alts.get(language)

    @property
    def printed(self) -> str:
        """Return the still start and end frames in black and white, for paper."""
        return black_and_white(self.still)


@dataclass(frozen=True)
class Thumbnail:
    """A small still picture of an exercise's start position, for lists."""

    slug: str
    version: str
    svg: str


def figure_version(poses: ExercisePoses, pace: Pace, exercise_version: int = 0) -> str:
    """Return a short version of a figure: its pose data, pace, exercise and engine."""
    key = f"{ENGINE_VERSION}|{poses.digest}|{pace}|{exercise_version}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class _Cache:
    """A small thread-safe LRU of rendered figures, keyed by their version."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, str], Figure | Thumbnail] = OrderedDict()
        self.lock = Lock()

    def get(self, key: tuple[str, str]) -> Figure | Thumbnail | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], figure: Figure | Thumbnail) -> None:
        with self.lock:
            self.items[key] = figure
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_cache = _Cache(CACHE_SIZE)


def clear_cache() -> None:
    """Forget every rendered figure (for benchmarks and tests)."""
    _cache.clear()


def timer_pace(poses: ExercisePoses, hold_seconds: float) -> Pace:
    """Return a pace that reaches the end of its hold when a hold timer of this length ends.

    The guided player starts the figure with the clock: the figure moves into position and
    holds for the rest of the count, then goes back while the patient lets go. A hold too
    short for the usual move gets a quicker move and no extra hold.
    """
    pace = Pace.for_dose(poses, hold_seconds)
    if hold_seconds <= 0:
        return pace
    legs = 2 if any(f.name == "hold" for f in poses.frames) else 1
    reach = pace.move * legs
    if hold_seconds >= reach:
        return replace(pace, hold=hold_seconds - reach)
    return replace(pace, move=hold_seconds / legs, hold=0.0)


def exercise_figure(
    slug: str,
    *,
    hold_seconds: float,
    exercise_version: int = 0,
    follow_timer: bool = False,
    poses: ExercisePoses | None = None,
) -> Figure | None:
    """Return an exercise's figure at the pace of its dose, or None without poses.

    ``poses``: a clinic exercise's own (a built-in exercise's come from content/poses).
    ``follow_timer``: paced for the guided player's hold timer (see ``timer_pace``).
    """
    poses = poses or builtin_poses().get(slug)
    if poses is None:
        return None
    if follow_timer:
        pace = timer_pace(poses, hold_seconds)
    else:
        pace = Pace.for_dose(poses, hold_seconds)
    version = figure_version(poses, pace, exercise_version)
    found = _cache.get((slug, version))
    if isinstance(found, Figure):
        return found
    scene = build_scene(poses)
    figure = Figure(
        slug=slug,
        version=version,
        moving=render_scene(scene, pace=pace, animate=True),
        still=render_scene(scene, animate=False),
        pace=pace,
        alt=poses.alt,
        timeline=tuple(timeline(poses, pace)),
        alts=dict(poses.alts),
        still_stacked=still_stacked(scene),
    )
    _cache.put((slug, version), figure)
    return figure


def exercise_thumbnail(
    slug: str, *, exercise_version: int = 0, poses: ExercisePoses | None = None
) -> Thumbnail | None:
    """Return an exercise's start-position thumbnail, or None without poses."""
    poses = poses or builtin_poses().get(slug)
    if poses is None:
        return None
    version = figure_version(poses, Pace(), exercise_version)
    found = _cache.get((f"{slug}#thumb", version))
    if isinstance(found, Thumbnail):
        return found
    thumb = Thumbnail(slug=slug, version=version, svg=render_thumbnail(poses))
    _cache.put((f"{slug}#thumb", version), thumb)
    return thumb
