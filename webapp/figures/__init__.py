"""Exercise figures: a line-drawn person posed from reviewed data, rendered as SVG.

The drawing is ours, made from joint angles (``content/poses/*.toml``), never from
someone else's pictures. Pure Python: no Flask, no browser.

    fig = exercise_figure("bridge", hold_seconds=3)
    fig.moving   # SVG that loops one repetition at the dose's pace (SMIL, no script)
    fig.still    # SVG of the start and end frames side by side, still
    render_figure(poses, pace=Pace(...), animate=False, frames=("start",), size=96)
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from webapp.figures.checks import check_poses
from webapp.figures.poses import ExercisePoses, PoseDataError, builtin_poses, parse_exercise
from webapp.figures.render import Pace, render_figure, render_pair, timeline

__all__ = [
    "ENGINE_VERSION",
    "ExercisePoses",
    "Figure",
    "Pace",
    "PoseDataError",
    "builtin_poses",
    "check_poses",
    "exercise_figure",
    "figure_version",
    "parse_exercise",
    "render_figure",
    "timeline",
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


def figure_version(poses: ExercisePoses, pace: Pace, exercise_version: int = 0) -> str:
    """Return a short version of a figure: its pose data, pace, exercise and engine."""
    key = f"{ENGINE_VERSION}|{poses.digest}|{pace}|{exercise_version}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class _Cache:
    """A small thread-safe LRU of rendered figures, keyed by their version."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, str], Figure] = OrderedDict()
        self.lock = Lock()

    def get(self, key: tuple[str, str]) -> Figure | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], figure: Figure) -> None:
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


def exercise_figure(slug: str, *, hold_seconds: float, exercise_version: int = 0) -> Figure | None:
    """Return a built-in exercise's figure at the pace of its dose, or None without poses."""
    poses = builtin_poses().get(slug)
    if poses is None:
        return None
    pace = Pace.for_dose(poses, hold_seconds)
    version = figure_version(poses, pace, exercise_version)
    found = _cache.get((slug, version))
    if found is not None:
        return found
    moving, still = render_pair(poses, pace=pace)
    figure = Figure(
        slug=slug, version=version, moving=moving, still=still, pace=pace, alt=poses.alt
    )
    _cache.put((slug, version), figure)
    return figure
