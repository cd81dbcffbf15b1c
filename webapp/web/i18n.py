"""Which language a page speaks: Flask-Babel, with the locale chosen per request.

The signed-in person's own choice first (read from the user already loaded for the
request: no query of its own), else the best of their browser's Accept-Language among the
languages the app speaks, else the clinic's default (``CLINIC_LANGUAGE``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import Locale
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale, get_translations, gettext
from flask_login import current_user
from jinja2.ext import (  # Jinja's own newstyle wrappers, as Flask-Babel installs them
    _make_new_gettext,
    _make_new_ngettext,
    _make_new_npgettext,
    _make_new_pgettext,
)

from webapp.services import languages

babel = Babel()


def browser_language() -> str | None:
    """The language of the request's Accept-Language the app speaks best, if any."""
    if not has_request_context():
        return None
    return request.accept_languages.best_match(languages.SUPPORTED)


def select_locale() -> str:
    """The language of this request's pages (see the module's docstring)."""
    if has_request_context() and current_user.is_authenticated:
        chosen = current_user.language
        if languages.is_supported(chosen):
            return str(chosen)
    return browser_language() or str(current_app.config["CLINIC_LANGUAGE"])


def page_language() -> str:
    """The language code for ``<html lang>``."""
    return str(get_locale() or current_app.config["CLINIC_LANGUAGE"])


@cache
def writing_direction(language: str) -> str:
    """``rtl`` for a language written right to left (Babel's character order), else ``ltr``."""
    order = Locale.parse(language).character_order
    return "rtl" if order == "right-to-left" else "ltr"


def page_direction() -> str:
    """The direction of the page's language; base.html writes ``dir="rtl"`` only (ltr: default)."""
    return writing_direction(page_language())


def page_gettext() -> dict[str, Any]:
    """The page's catalog for one render, looked up once.

    Flask-Babel's template functions find the request's catalog again for each string (a
    few context lookups each: a couple of milliseconds on a page of ~150 strings). A render
    happens in one language (``force_locale`` wraps whole renders), so the functions handed
    to its context are bound to that catalog; ``_`` resolves ``gettext`` from the context.
    Templates imported without context (macros) keep Flask-Babel's.
    """
    translations = get_translations()
    return {
        "gettext": _make_new_gettext(translations.ugettext),
        "ngettext": _make_new_ngettext(translations.ungettext),
        "pgettext": _make_new_pgettext(translations.upgettext),
        "npgettext": _make_new_npgettext(translations.unpgettext),
    }


def init_app(app: Flask) -> None:
    """Bind Flask-Babel (catalogs in webapp/translations) and the template helpers."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["page_language"] = page_language
    app.jinja_env.globals["page_direction"] = page_direction
    app.context_processor(page_gettext)
    # A service's refusal or label reads in the language of the page that asked.
    languages.use_page_translator(gettext)
