"""Views for the exercise library and its media."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Exercise, Role
from webapp.services import library, media, records
from webapp.services.errors import ValidationError
from webapp.web.content_text import reader_language
from webapp.web.library.forms import ExerciseForm, ImageForm, VideoForm
from webapp.web.rendering import apply_errors, respond
from webapp.web.security import login_required, me, roles_required

bp = Blueprint("library", __name__, url_prefix="/library")


@bp.get("/")
@login_required
def browse() -> ResponseReturnValue:
    """Browse the library by region, kind and condition, or search it."""
    wanted = library.LibraryFilter.from_args(request.args)
    results = library.search(db.session, me(), wanted, reader_language())
    return respond(
        "library/browse.html",
        "library/_results.html",
        wanted=wanted,
        results=results,
    )


@bp.get("/<int:exercise_id>")
@login_required
def exercise(exercise_id: int) -> ResponseReturnValue:
    """Show one exercise: picture, steps, cautions, dose."""
    item = library.get_exercise(db.session, me(), exercise_id)
    # ?figure=still shows the start and end pictures instead of the moving one: the way to
    # stop the animation without JavaScript.
    still = request.args.get("figure") == "still"
    steps = library.ladder(db.session, me(), item)
    return render_template("library/exercise.html", exercise=item, still_figure=still, ladder=steps)


def _form_for(item: Exercise) -> ExerciseForm:
    """Return the exercise form filled with an exercise as it is now."""
    data = library.input_from_exercise(item)
    return ExerciseForm(formdata=None, data={**data.__dict__, **data.dose})


def _input(form: ExerciseForm) -> library.ExerciseInput:
    return library.ExerciseInput(
        title=form.title.data or "",
        kind=form.kind.data or "",
        regions=list(form.regions.data or []),
        conditions=list(form.conditions.data or []),
        purpose=form.purpose.data or "",
        steps=form.steps.data or "",
        cautions=form.cautions.data or "",
        equipment=form.equipment.data or "",
        sided=bool(form.sided.data),
        side_required=bool(form.side_required.data),
        post_surgical=bool(form.post_surgical.data),
        self_care=bool(form.self_care.data),
        dose={name: request.form.get(name, "") for name in library.DOSE_FIELDS},
    )


def _edit_page(
    form: ExerciseForm,
    item: Exercise,
    *,
    status: int,
    image_form: ImageForm | None = None,
    video_form: VideoForm | None = None,
) -> ResponseReturnValue:
    return respond(
        "library/edit.html",
        status=status,
        form=form,
        exercise=item,
        image_form=image_form or ImageForm(formdata=None),
        video_form=video_form or VideoForm(formdata=None),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def new() -> ResponseReturnValue:
    """Write a new clinic exercise."""
    form = ExerciseForm()
    if form.validate_on_submit():
        try:
            created = library.create_exercise(db.session, me(), _input(form))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            return respond(
                redirect_to=url_for("library.edit", exercise_id=created.id),
                message=_("The exercise is saved. You can add a picture or video now."),
            )
    status = 422 if form.is_submitted() else 200
    return respond("library/edit.html", status=status, form=form, exercise=None)


@bp.route("/<int:exercise_id>/edit", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def edit(exercise_id: int) -> ResponseReturnValue:
    """Change an exercise (a shipped one keeps the clinic's changes on later updates)."""
    item = library.get_exercise(db.session, me(), exercise_id)
    form = _form_for(item) if request.method == "GET" else ExerciseForm()
    if form.validate_on_submit():
        try:
            library.update_exercise(db.session, me(), item, _input(form))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            exercise_url = url_for("library.exercise", exercise_id=item.id)
            return respond(redirect_to=exercise_url, message=_("Saved."))
    return _edit_page(form, item, status=422 if form.is_submitted() else 200)


def _media_folder() -> Path:
    return Path(current_app.config["MEDIA_FOLDER"])


def _attach(item: Exercise, kind: str, image_form: ImageForm) -> None:
    """Store the uploaded picture or video on the exercise, or raise ValidationError."""
    file = request.files.get(kind)
    if file is None or not file.filename:
        raise ValidationError(_("Please choose a file."), kind or "image")
    uploaded = media.Upload(filename=file.filename, data=file.read())
    if kind == "image":
        alt_text = image_form.alt_text.data or ""
        media.attach_image(db.session, me(), item, uploaded, _media_folder(), alt_text)
    else:
        media.attach_video(db.session, me(), item, uploaded, _media_folder())


@bp.post("/<int:exercise_id>/media")
@roles_required(Role.THERAPIST)
def upload(exercise_id: int) -> ResponseReturnValue:
    """Add a picture or a video to an exercise."""
    item = library.get_exercise(db.session, me(), exercise_id)
    image_form, video_form = ImageForm(), VideoForm()
    kind = request.form.get("kind") or ""
    target_form = image_form if kind == "image" else video_form
    if target_form.validate_on_submit():
        try:
            _attach(item, kind, image_form)
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(target_form, exc.errors)
        else:
            db.session.commit()
            edit_url = url_for("library.edit", exercise_id=item.id)
            return respond(redirect_to=edit_url, message=_("Uploaded."))
    form = _form_for(item)
    return _edit_page(form, item, status=422, image_form=image_form, video_form=video_form)


@bp.get("/media/<int:media_id>")
@login_required
def media_file(media_id: int) -> ResponseReturnValue:
    """Serve a picture or video to someone allowed to see its exercise."""
    item = records.media_file(db.session, me(), media_id)
    path = _media_folder() / item.storage_name
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=item.content_type, conditional=True, etag=True)
    # The file behind an id never changes, but only signed-in people may fetch it.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
