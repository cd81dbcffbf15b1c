"""The pace of a figure's movement: how long it moves, holds and rests, and its easing.

The figure moves start → end → start at the pace of the dose: a 5 s hold holds for 5 s.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.figures.poses import ExercisePoses

EASE = ".4 0 .6 1"


@dataclass(frozen=True)
class Pace:
    """How long one repetition's phases last on screen, in seconds."""

    move: float = 2.0  # start to end
    hold: float = 0.0  # held at the end (or the hold frame)
    back: float = 2.0  # end back to start
    rest: float = 1.0  # at the start before the next repetition

    @classmethod
    def for_dose(cls, poses: ExercisePoses, hold_seconds: float) -> Pace:
        """Return the pace of one repetition: the pose's timing with the dose's hold."""
        t = poses.timing
        hold = t.hold if t.hold is not None else float(hold_seconds)
        return cls(
            move=t.move, hold=hold, back=t.back if t.back is not None else t.move, rest=t.rest
        )


def timeline(poses: ExercisePoses, pace: Pace) -> list[tuple[str, float, float]]:
    """Return one repetition as (phase, from second, to second): for a player to follow."""
    phases: list[tuple[str, float]] = [("move", pace.move)]
    if any(f.name == "hold" for f in poses.frames):
        phases.append(("settle", pace.move))
    phases += [("hold", pace.hold), ("back", pace.back), ("rest", pace.rest)]
    out, t = [], 0.0
    for name, length in phases:
        if length > 0:
            out.append((name, t, t + length))
            t += length
    return out


def ease_x(s: float) -> float:
    """Return the time fraction of the easing curve (.4 0 .6 1) at parameter s."""
    return 3 * (1 - s) ** 2 * s * 0.4 + 3 * (1 - s) * s * s * 0.6 + s**3


def solve_ease(u: float) -> float:
    """Return the parameter where the easing curve has made progress u."""
    low, high = 0.0, 1.0
    for _ in range(30):
        mid = (low + high) / 2
        if 3 * (1 - mid) * mid * mid + mid**3 < u:
            low = mid
        else:
            high = mid
    return (low + high) / 2
