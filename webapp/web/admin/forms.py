"""Forms for managing therapists."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length


class NewTherapistForm(FlaskForm):
    """Add a therapist by name and email."""

    name = StringField(
        "Name", validators=[DataRequired("Please enter the therapist's name."), Length(max=120)]
    )
    email = EmailField(
        "Email", validators=[DataRequired("Please enter an email address."), Length(max=254)]
    )
