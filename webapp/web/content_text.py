"""Shipped content in the reader's language: exercise text, template titles, vocab labels.

One mechanism for exercise text everywhere a page shows it: ``Exercise.text(language)``,
reached in templates through the ``text`` filter (``(ex|text).title``), which reads the
page's language. A missing translation falls back to English, field by field.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _

from webapp.content import soreness, vocab, warning_signs
from webapp.models import Exercise, ExerciseText, ProgramTemplate, TemplateItem


def reader_language() -> str:
    """The language of the page being rendered (e.g. ``es``)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def exercise_text(exercise: Exercise) -> ExerciseText:
    """Return an exercise's title, purpose, steps and cautions in the reader's language."""
    return exercise.text(reader_language())


def template_title(template: ProgramTemplate) -> str:
    """Return a program template's title in the reader's language."""
    return template.title_in(reader_language())


def template_description(template: ProgramTemplate) -> str:
    """Return a program template's description in the reader's language."""
    return template.description_in(reader_language())


def template_note(item: TemplateItem) -> str:
    """Return a template item's note in the reader's language."""
    return item.note_in(reader_language())


def region_label(key: str) -> str:
    """Return a body-map area's name, with its side, e.g. "Rodillas (izquierda)"."""
    region, _sep, side = key.partition(":")
    name = str(_(vocab.REGIONS.get(region, region)))
    if side == "left":
        return str(_("%(region)s (left)", region=name))
    if side == "right":
        return str(_("%(region)s (right)", region=name))
    return name


def warning_content() -> warning_signs.WarningContent:
    """Return the check-in's warning signs and advice in the reader's language."""
    return warning_signs.content(reader_language())


def init_app(app: Flask) -> None:
    """Register the filters and globals that show content in the reader's language."""
    app.jinja_env.filters["text"] = exercise_text
    app.jinja_env.filters["template_title"] = template_title
    app.jinja_env.filters["template_description"] = template_description
    app.jinja_env.filters["template_note"] = template_note
    app.jinja_env.filters["condition_label"] = lambda key: _(vocab.CONDITIONS.get(key, key))
    app.jinja_env.filters["region_name"] = lambda key: _(vocab.REGIONS.get(key, key))
    app.jinja_env.filters["kind_label"] = lambda key: _(vocab.KINDS.get(key, key))
    app.jinja_env.filters["region_label"] = region_label
    app.jinja_env.globals["region_label"] = region_label
    app.jinja_env.globals["soreness_card"] = lambda: soreness.card(reader_language())
    app.jinja_env.filters["warning_sign_label"] = lambda key: warning_signs.content(
        reader_language()
    ).label(key)
