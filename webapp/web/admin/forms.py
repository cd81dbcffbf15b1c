"""Forms for managing therapists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length


class NewTherapistForm(FlaskForm):
    """Add a therapist by name and email."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please enter the therapist's name.")), Length(max=120)],
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Please enter an email address.")), Length(max=254)],
    )


class EraseForm(FlaskForm):
    """Confirm an erasure by typing the patient's full name."""

    name = StringField(
        _l("Type the patient's full name to confirm"),
        validators=[DataRequired(_l("Please type the patient's full name.")), Length(max=200)],
    )
