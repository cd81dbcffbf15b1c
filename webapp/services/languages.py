"""The languages the app speaks, and a person's choice among them.

English is the source language of every string; each other language has a catalog in
webapp/translations. A person's language is ``users.language`` (None: not chosen yet,
their browser's language or the clinic's default is used).
"""

from __future__ import annotations

SUPPORTED: tuple[str, ...] = ("en", "es")
DEFAULT = "en"
# Each language named in itself, as a person looking for their own language reads it.
NAMES: dict[str, str] = {"en": "English", "es": "Español"}


def N_(message: str) -> str:
    """Mark a message for the catalog where it is written; it is translated where shown."""
    return message


def is_supported(code: str | None) -> bool:
    """Whether the app speaks this language (a two-letter code like ``es``)."""
    return code in SUPPORTED


def choices() -> list[tuple[str, str]]:
    """The languages for a choice list: (code, name in that language)."""
    return [(code, NAMES[code]) for code in SUPPORTED]
