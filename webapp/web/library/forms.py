"""The form for a clinic's own exercise."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
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


def _labels(words: Mapping[str, str]) -> list[tuple[str, str]]:
    """The vocabulary's (key, label) pairs, each label shown in the reader's language."""
    return [(key, _l(label)) for key, label in words.items()]


class ExerciseForm(FlaskForm):
    """Every field of an exercise; the library service checks the values."""

    title = StringField(_l("Name"))
    kind = SelectField(
        _l("Kind"),
        choices=options([("", _l("Choose…")), *_labels(vocab.KINDS)]),
        validate_choice=False,
    )
    regions = MultiCheckboxField(_l("Body regions"), choices=options(_labels(vocab.REGIONS)))
    conditions = MultiCheckboxField(_l("Suits"), choices=options(_labels(vocab.CONDITIONS)))
    purpose = StringField(_l("What it is for (one line)"))
    steps = TextAreaField(_l("Steps (one per line)"))
    cautions = TextAreaField(_l("Safety cautions (one per line)"))
    equipment = TextAreaField(_l("Equipment (one per line, optional)"))
    sided = BooleanField(_l("Done one side at a time"))
    side_required = BooleanField(
        _l("For one named side only (such as the operated side): a program must say left or right")
    )
    post_surgical = BooleanField(
        _l("Early after surgery: only when the surgeon or therapist says so")
    )
    self_care = BooleanField(_l("Patients may do this on their own (self-care library)"))
    sets = StringField(_l("Sets"), default="1")
    reps = StringField(_l("Repetitions"), default="10")
    hold_seconds = StringField(_l("Hold (seconds)"), default="0")
    rest_seconds = StringField(_l("Rest between sets (seconds)"), default="30")
    side = SelectField(
        _l("Side"), choices=options(_labels(vocab.DOSE_SIDES)), validate_choice=False
    )
    times_per_day = StringField(_l("Times per day"), default="1")


class ImageForm(FlaskForm):
    """Upload a picture."""

    image = FileField(_l("Picture (JPEG, PNG or WebP, up to 5 MB)"))
    alt_text = StringField(_l("Describe the picture for people who cannot see it"))


class VideoForm(FlaskForm):
    """Upload a short video."""

    video = FileField(_l("Short video (MP4, up to 20 MB)"))
