"""Forms for writing a message and saving a quick reply."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField


class MessageForm(FlaskForm):
    """Write a message (the length and content are checked by the messages service)."""

    body = TextAreaField(_l("Your message"))
    exercise_id = HiddenField()
    client_id = HiddenField()
    source = HiddenField()


class QuickReplyForm(FlaskForm):
    """Save an answer to send again with one tap."""

    text = TextAreaField(_l("A quick reply"))
