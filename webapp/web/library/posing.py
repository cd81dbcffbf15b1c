"""Views of the pose editor: a therapist poses a clinic exercise's figure.

Without JavaScript it is a plain form: choose a starting point, move the sliders, save.
With htmx every move redraws the preview (``pose_preview``); pose.js shows each slider's
number as it moves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import abort, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from webapp import figures
from webapp.extensions import db
from webapp.models import Exercise, Role
from webapp.services import library
from webapp.services.errors import ValidationError
from webapp.services.library import posing
from webapp.web.content_text import reader_language
from webapp.web.library.routes import bp
from webapp.web.rendering import respond
from webapp.web.security import me, roles_required


def _clinic_exercise(exercise_id: int) -> Exercise:
    """Return a clinic exercise the therapist may change (built-in figures are reviewed data)."""
    item = library.get_exercise(db.session, me(), exercise_id)
    if item.is_builtin:
        abort(404)
    return item


@dataclass(frozen=True)
class Preview:
    """The picture of a pose as it would be saved, and what is wrong with it."""

    picture: Markup | None
    problems: list[str]


def _preview(draft: posing.PoseDraft, title: str) -> Preview:
    trial = replace(draft, errors={})
    poses = posing.check_draft(trial, title)
    # The pose data's own description is English; another reader gets it named in theirs.
    named = None
    if reader_language() != "en":
        named = _(
            "Figure of the exercise “%(title)s”: the starting position, then the end position.",
            title=title,
        )
    # Drawn by our own code from checked numbers; the title is escaped there.
    picture = Markup(figures.render_figure(poses, animate=False, title=named)) if poses else None
    return Preview(picture, [m for messages in trial.errors.values() for m in messages])


def _page(item: Exercise, draft: posing.PoseDraft, status: int) -> ResponseReturnValue:
    return respond(
        "library/pose.html",
        status=status,
        exercise=item,
        draft=draft,
        posing=posing,
        sources=posing.builtin_choices(db.session),
        preview=_preview(draft, item.title),
    )


@bp.route("/<int:exercise_id>/pose", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def pose(exercise_id: int) -> ResponseReturnValue:
    """Pose a clinic exercise's figure: a starting point, then sliders for start and end."""
    item = _clinic_exercise(exercise_id)
    if request.method == "GET":
        return _page(item, posing.draft_of(item), 200)
    draft = posing.draft_from_form(request.form)
    action = request.form.get("action", "save")
    try:
        if action == "base":
            return _page(item, posing.draft_for_base(draft.view, draft.base), 200)
        if action == "copy":
            return _page(item, posing.draft_from_builtin(request.form.get("source", "")), 200)
        posing.save_pose(db.session, me(), item, draft)
    except ValidationError as exc:
        db.session.rollback()
        return _page(item, replace(draft, errors=exc.errors), 422)
    db.session.commit()
    done = url_for("library.exercise", exercise_id=item.id)
    return respond(redirect_to=done, message=_("The figure is saved."))


@bp.post("/<int:exercise_id>/pose/preview")
@roles_required(Role.THERAPIST)
def pose_preview(exercise_id: int) -> ResponseReturnValue:
    """Redraw the preview of the pose as the sliders move (htmx)."""
    item = _clinic_exercise(exercise_id)
    preview = _preview(posing.draft_from_form(request.form), item.title)
    return respond(
        "library/_pose_preview.html",
        "library/_pose_preview.html",
        picture=preview.picture,
        problems=preview.problems,
    )
