"""Exercise figures on pages: the figures package's SVG for an exercise, and thumbnails.

The moving and still figures are drawn into the page; the small start-position pictures
in lists are files of their own (``/figures/<id>/<version>.svg``), so a phone downloads
each once and keeps it: the URL changes whenever the picture does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Response, abort, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup, escape

from webapp import figures
from webapp.extensions import db
from webapp.models import Exercise
from webapp.services import library
from webapp.web.content_text import reader_language
from webapp.web.security import login_required, me

bp = Blueprint("figures", __name__, url_prefix="/figures")

FOREVER = "private, max-age=31536000, immutable"


@dataclass(frozen=True)
class PageFigure:
    """What a template needs to show an exercise's figure."""

    moving: Markup
    still: Markup
    version: str
    alt: str
    reach: float  # seconds into one repetition when the end position is reached
    hold_end: float  # ... when the hold ends and the way back starts
    total: float  # the length of one repetition
    printed: Markup  # the still frames in black and white


def exercise_figure(
    exercise: Exercise, hold_seconds: int | None = None, follow_timer: bool = False
) -> PageFigure | None:
    """Return an exercise's figure at the pace of a dose, or None when it has none.

    ``hold_seconds``: a program's own hold (the exercise's usual one without it);
    ``follow_timer``: paced for the guided player's hold timer.
    """
    found = figures.exercise_figure(
        exercise.slug,
        hold_seconds=exercise.hold_seconds if hold_seconds is None else hold_seconds,
        exercise_version=exercise.content_version,
        follow_timer=follow_timer,
        poses=library.posing.poses_of(exercise),
    )
    if found is None:
        return None
    ends = {name: end for name, _, end in found.timeline}
    reach = ends.get("settle", ends.get("move", 0.0))
    hold_end = ends.get("hold", reach)
    total = found.timeline[-1][2] if found.timeline else 0.0
    moving, still, printed, alt = found.moving, found.still, found.printed, found.alt
    language = reader_language()
    if language != "en":
        alt, frames = _described(exercise, found, language)
        moving, still = _retitled(moving, alt), _retitled(still, frames)
        printed = _retitled(printed, frames)
    # The SVG is drawn by our own code from reviewed data; titles are escaped there.
    return PageFigure(
        moving=Markup(moving),
        still=Markup(still),
        version=found.version,
        alt=alt,
        reach=reach,
        hold_end=hold_end,
        total=total,
        printed=Markup(printed),
    )


def _described(exercise: Exercise, found: figures.Figure, language: str) -> tuple[str, str]:
    """Return the moving and the still figure's accessible names in a reader's language.

    The SVGs are drawn (and cached) with the English description; a built-in figure's own
    description in the reader's language (``alt_es`` in content/poses) replaces it. A figure
    without one (a clinic's own pose) gets a shorter one naming the exercise instead.
    """
    described = found.alt_in(language)
    if described:
        if found.still_stacked:
            frames = _(
                "%(description)s Top: the starting position. Bottom: the end position.",
                description=described,
            )
        else:
            frames = _(
                "%(description)s Left: the starting position. Right: the end position.",
                description=described,
            )
        return described, frames
    title = exercise.text(language).title
    alt = _(
        "Figure of the exercise “%(title)s”, moving from the starting position to the end"
        " position and back.",
        title=title,
    )
    frames = _(
        "Figure of the exercise “%(title)s”: the starting position, then the end position.",
        title=title,
    )
    return alt, frames


_TITLE = re.compile(r"<title>.*?</title>", re.S)


def _retitled(svg: str, title: str) -> str:
    """Return an SVG with its accessible name (each frame's ``<title>``) replaced."""
    return _TITLE.sub(lambda _m: f"<title>{escape(title)}</title>", svg)


def _thumbnail(exercise: Exercise) -> figures.Thumbnail | None:
    return figures.exercise_thumbnail(
        exercise.slug,
        exercise_version=exercise.content_version,
        poses=library.posing.poses_of(exercise),
    )


def thumbnail_url(exercise: Exercise) -> str | None:
    """Return the URL of an exercise's start-position thumbnail, or None without poses."""
    thumb = _thumbnail(exercise)
    if thumb is None:
        return None
    return url_for("figures.thumbnail", exercise_id=exercise.id, version=thumb.version)


@bp.get("/<int:exercise_id>/<version>.svg")
@login_required
def thumbnail(exercise_id: int, version: str) -> ResponseReturnValue:
    """Serve an exercise's thumbnail to someone allowed to see the exercise."""
    exercise = library.get_exercise(db.session, me(), exercise_id)
    thumb = _thumbnail(exercise)
    if thumb is None:
        abort(404)
    response = Response(thumb.svg, mimetype="image/svg+xml")
    # An old page may ask for an older version: answer with today's, but never keep it.
    response.headers["Cache-Control"] = FOREVER if version == thumb.version else "no-cache"
    return response
