"""The form for a clinic's own exercise."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.content import vocab
from webapp.web.rendering import options


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExerciseForm(FlaskForm):
    """Every field of an exercise; the library service checks the values."""

    title = StringField("Name")
    kind = SelectField(
        "Kind", choices=options([("", "Choose…"), *vocab.KINDS.items()]), validate_choice=False
    )
    regions = MultiCheckboxField("Body regions", choices=options(vocab.REGIONS.items()))
    conditions = MultiCheckboxField("Suits", choices=options(vocab.CONDITIONS.items()))
    purpose = StringField("What it is for (one line)")
    steps = TextAreaField("Steps (one per line)")
    cautions = TextAreaField("Safety cautions (one per line)")
    equipment = TextAreaField("Equipment (one per line, optional)")
    sided = BooleanField("Done one side at a time")
    side_required = BooleanField(
        "For one named side only (such as the operated side): a program must say left or right"
    )
    post_surgical = BooleanField("Early after surgery: only when the surgeon or therapist says so")
    self_care = BooleanField("Patients may do this on their own (self-care library)")
    sets = StringField("Sets", default="1")
    reps = StringField("Repetitions", default="10")
    hold_seconds = StringField("Hold (seconds)", default="0")
    rest_seconds = StringField("Rest between sets (seconds)", default="30")
    side = SelectField("Side", choices=options(vocab.DOSE_SIDES.items()), validate_choice=False)
    times_per_day = StringField("Times per day", default="1")


class ImageForm(FlaskForm):
    """Upload a picture."""

    image = FileField("Picture (JPEG, PNG or WebP, up to 5 MB)")
    alt_text = StringField("Describe the picture for people who cannot see it")


class VideoForm(FlaskForm):
    """Upload a short video."""

    video = FileField("Short video (MP4, up to 20 MB)")
