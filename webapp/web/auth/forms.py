"""Forms for signing in, redeeming an invite and changing a password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Sign in with an email or sign-in name and a password."""

    login = StringField(
        _l("Email or sign-in name"),
        validators=[DataRequired(_l("Please enter your email or sign-in name.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password."))]
    )
    remember = BooleanField(_l("Keep me signed in on this device"), default=True)


class ChoosePasswordForm(FlaskForm):
    """Choose a password (and, without an email, a sign-in name) from an invite link."""

    login = StringField(_l("Choose a sign-in name"), validators=[Length(max=40)])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Please choose a password."))]
    )
    confirm = PasswordField(
        _l("Type it again"), validators=[DataRequired(_l("Please type the password again."))]
    )


class ChangePasswordForm(FlaskForm):
    """Change a password, knowing the current one."""

    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your current password."))]
    )
    new = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Please choose a new password."))]
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[DataRequired(_l("Please type the new password again."))],
    )


class ProfileForm(FlaskForm):
    """Change one's name, time zone and language."""

    name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=120)]
    )
    timezone = SelectField(_l("Time zone"), choices=[], validate_choice=False)
    language = SelectField(_l("Language"), choices=[], validate_choice=False)


class SecondFactorForm(FlaskForm):
    """The code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Please enter the code.")), Length(max=40)],
    )


class ForgotPasswordForm(FlaskForm):
    """Ask for a link to choose a new password."""

    email = StringField(
        _l("Your email address"),
        validators=[DataRequired(_l("Please enter your email address.")), Length(max=254)],
    )
