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


class EraseForm(FlaskForm):
    """Confirm an erasure by typing the patient's full name."""

    name = StringField(
        "Type the patient's full name to confirm",
        validators=[DataRequired("Please type the patient's full name."), Length(max=200)],
    )
