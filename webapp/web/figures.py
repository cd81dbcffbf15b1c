"""Exercise figures on pages: the figures package's SVG for an exercise, marked safe."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from webapp import figures
from webapp.models import Exercise


@dataclass(frozen=True)
class PageFigure:
    """What a template needs to show an exercise's figure."""

    moving: Markup
    still: Markup
    version: str
    alt: str


def exercise_figure(exercise: Exercise) -> PageFigure | None:
    """Return an exercise's figure at the pace of its dose, or None when it has none."""
    found = figures.exercise_figure(
        exercise.slug,
        hold_seconds=exercise.hold_seconds,
        exercise_version=exercise.content_version,
    )
    if found is None:
        return None
    # The SVG is drawn by our own code from reviewed data; titles are escaped there.
    return PageFigure(Markup(found.moving), Markup(found.still), found.version, found.alt)
