"""Forms for adding patients."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class NewPatientForm(FlaskForm):
    """Add a patient: a name, optionally an email, their time zone and a first program."""

    name = StringField(
        _l("Patient's name"),
        validators=[DataRequired(_l("Please enter the patient's name.")), Length(max=120)],
    )
    email = EmailField(_l("Email (optional)"), validators=[Length(max=254)])
    timezone = SelectField(_l("Time zone"), choices=[], validate_choice=False)
    language = SelectField(_l("Language"), choices=[], validate_choice=False)
    # Checked by the service, which puts its message next to the field.
    template = SelectField(_l("Home program (optional)"), choices=[], validate_choice=False)
    side = SelectField(
        _l("Which side? (for a template with one-sided exercises)"),
        choices=[],
        validate_choice=False,
    )
