"""The languages the app speaks, and a person's choice among them.

English is the source language of every string; each other language has a catalog in
webapp/translations. A person's language is ``users.language`` (None: not chosen yet,
their browser's language or the clinic's default is used).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel import support

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


# --- Text for someone who is not the one asking: pushes, emails, downloads -------------------
# Pages are translated by Flask-Babel for the request's locale. What the app writes to a
# person outside a request (a reminder, an email, a file) is written in *their* language,
# read from the same compiled catalogs, so one catalog serves both.

_CATALOGS = Path(__file__).resolve().parents[1] / "translations"


@cache
def translations(language: str) -> support.NullTranslations:
    """The compiled catalog of one language (English, or an unknown code: the source strings)."""
    if language == DEFAULT or not is_supported(language):
        return support.NullTranslations()
    return support.Translations.load(str(_CATALOGS), [language])


def of(person_language: str | None, clinic_language: str = DEFAULT) -> str:
    """The language to write to a person in: their own choice, else the clinic's default."""
    if is_supported(person_language):
        return str(person_language)
    return clinic_language if is_supported(clinic_language) else DEFAULT


def translate(language: str, message: str, **values: object) -> str:
    """``message`` in ``language``, with ``%(name)s`` placeholders filled from ``values``."""
    text = translations(language).gettext(message)
    return text % values if values else text


def translate_plural(
    language: str, singular: str, plural: str, count: int, **values: object
) -> str:
    """The singular or plural form for ``count`` in ``language`` (``%(num)d`` is the count)."""
    text = translations(language).ngettext(singular, plural, count)
    return text % {"num": count, **values}
