"""What a message may say: plain text, tidied, within the length limit."""

from __future__ import annotations

import re

from webapp.services import errors
from webapp.services.errors import ValidationError
from webapp.services.languages import N_

# Control characters other than newline and tab; and runs of blank lines.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean(body: str, *, max_chars: int, field: str = "body") -> str:
    """Return the message as it will be kept, or raise with a message for the field."""
    text = _CONTROL.sub("", (body or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    if not text:
        raise ValidationError(N_("Please write a message."), field)
    if len(text) > max_chars:
        raise ValidationError(
            errors.text(
                N_("Please keep a message under %(max)s characters (this one has %(count)s)."),
                max=max_chars,
                count=len(text),
            ),
            field,
        )
    return text
