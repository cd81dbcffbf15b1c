"""What the patient's and the therapist's message pages share: forms, limits, safe text."""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user

from webapp.extensions import db
from webapp.services import messages, numbers


def limits() -> messages.Limits:
    """Return the message length and rate limits from the settings."""
    config = current_app.config
    return messages.Limits(
        max_chars=int(config["MESSAGE_MAX_CHARS"]), per_hour=int(config["MESSAGES_PER_HOUR"])
    )


def optional_id(raw: str | None) -> int | None:
    """Return a record id from a form field (an exercise, a quick reply), or None."""
    try:
        return numbers.record_id(raw)
    except ValueError:
        return None


def unread_messages() -> int:
    """Return the signed-in person's unread messages, once per request (for the menu)."""
    if "unread_messages" not in g:
        signed_in = current_user.is_authenticated
        g.unread_messages = messages.unread_total(db.session, current_user) if signed_in else 0
    return int(g.unread_messages)
