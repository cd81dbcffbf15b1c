"""Views for the exercise library and its media."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import or_, select

from webapp.extensions import db
from webapp.models import Exercise, Media, Role, User
from webapp.services import library, media
from webapp.services.errors import NotFound, ValidationError
from webapp.web.library.forms import ExerciseForm, ImageForm, VideoForm
from webapp.web.rendering import apply_errors, render
from webapp.web.security import login_required, roles_required

bp = Blueprint("library", __name__, url_prefix="/library")


def viewer() -> User:
    """Return the signed-in person."""
    user: User = current_user._get_current_object()
    return user


def exercise_or_404(exercise_id: int) -> Exercise:
    """Return an exercise the signed-in person may see, or answer 404."""
    try:
        return library.get_exercise(db.session, viewer(), exercise_id)
    except NotFound:
        abort(404)


@bp.get("/")
@login_required
def browse() -> Response:
    """Browse the library by region, kind and condition, or search it."""
    wanted = library.LibraryFilter.from_args(request.args)
    results = library.search(db.session, viewer(), wanted)
    return render(
        "library/browse.html",
        "library/_results.html",
        wanted=wanted,
        results=results,
    )


@bp.get("/<int:exercise_id>")
@login_required
def exercise(exercise_id: int) -> str:
    """Show one exercise: picture, steps, cautions, dose."""
    item = exercise_or_404(exercise_id)
    # ?figure=still shows the start and end pictures instead of the moving one: the way to
    # stop the animation without JavaScript.
    still = request.args.get("figure") == "still"
    return render_template("library/exercise.html", exercise=item, still_figure=still)


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


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def new() -> Any:
    """Write a new clinic exercise."""
    form = ExerciseForm()
    if form.validate_on_submit():
        try:
            created = library.create_exercise(db.session, viewer(), _input(form))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash("The exercise is saved. You can add a picture or video now.", "success")
            return redirect(url_for("library.edit", exercise_id=created.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("library/edit.html", form=form, exercise=None), status


@bp.route("/<int:exercise_id>/edit", methods=["GET", "POST"])
@roles_required(Role.THERAPIST)
def edit(exercise_id: int) -> Any:
    """Change an exercise (a shipped one keeps the clinic's changes on later updates)."""
    item = exercise_or_404(exercise_id)
    form = _form_for(item) if request.method == "GET" else ExerciseForm()
    if form.validate_on_submit():
        try:
            library.update_exercise(db.session, viewer(), item, _input(form))
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash("Saved.", "success")
            return redirect(url_for("library.exercise", exercise_id=item.id), code=303)
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "library/edit.html",
            form=form,
            exercise=item,
            image_form=ImageForm(formdata=None),
            video_form=VideoForm(formdata=None),
        ),
        status,
    )


def _media_folder() -> Path:
    return Path(current_app.config["MEDIA_FOLDER"])


def _upload(field: str) -> media.Upload | None:
    file = request.files.get(field)
    if file is None or not file.filename:
        return None
    return media.Upload(filename=file.filename, data=file.read())


@bp.post("/<int:exercise_id>/media")
@roles_required(Role.THERAPIST)
def upload(exercise_id: int) -> Any:
    """Add a picture or a video to an exercise."""
    item = exercise_or_404(exercise_id)
    image_form, video_form = ImageForm(), VideoForm()
    kind = request.form.get("kind")
    target_form = image_form if kind == "image" else video_form
    if target_form.validate_on_submit():
        uploaded = _upload(kind or "")
        try:
            if uploaded is None:
                raise ValidationError("Please choose a file.", kind or "image")
            if kind == "image":
                media.attach_image(
                    db.session,
                    viewer(),
                    item,
                    uploaded,
                    _media_folder(),
                    image_form.alt_text.data or "",
                )
            else:
                media.attach_video(db.session, viewer(), item, uploaded, _media_folder())
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(target_form, exc.errors)
        else:
            db.session.commit()
            flash("Uploaded.", "success")
            return redirect(url_for("library.edit", exercise_id=item.id), code=303)
    form = _form_for(item)
    return (
        render_template(
            "library/edit.html",
            form=form,
            exercise=item,
            image_form=image_form,
            video_form=video_form,
        ),
        422,
    )


@bp.get("/media/<int:media_id>")
@login_required
def media_file(media_id: int) -> Response:
    """Serve a picture or video to someone allowed to see its exercise."""
    item = db.session.get(Media, media_id)
    if item is None:
        abort(404)
    owner = db.session.scalar(
        select(Exercise).where(or_(Exercise.image_id == item.id, Exercise.video_id == item.id))
    )
    if owner is None:
        abort(404)
    if viewer().is_patient and not library.may_patient_see(db.session, viewer(), owner):
        abort(404)
    path = _media_folder() / item.storage_name
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=item.content_type, conditional=True, etag=True)
    # The file behind an id never changes, but only signed-in people may fetch it.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
