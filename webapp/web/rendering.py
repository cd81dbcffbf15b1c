"""One place that decides how a page is rendered: full page, htmx fragment or print layout."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response, make_response, render_template, url_for
from htmx_flask import request
from wtforms import SelectChoice


def wants_fragment() -> bool:
    """Return True for an htmx request that swaps part of a page.

    A history restore asks for the whole page, and a boosted link or form wants the whole
    page too (htmx swaps the body).
    """
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


# ``?print=1`` asks for a page in its print layout: what paper would show, on screen. Print
# buttons link there, so they work without JavaScript; app.js turns them into window.print().
PRINT_ARG = "print"


def print_view() -> bool:
    """Return True when this page is asked for in its print layout."""
    return bool(request.args.get(PRINT_ARG) == "1")


def print_url() -> str:
    """Return the address of this page in its print layout."""
    args: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    args[PRINT_ARG] = "1"
    return url_for(request.endpoint or "index", **args)


def render(
    page: str,
    fragment: str | None = None,
    *,
    status: int = 200,
    trigger: str | None = None,
    **context: Any,
) -> Response:
    """Render the full page, or only its fragment for htmx, and say that it varies."""
    template = fragment if fragment and wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.headers["Vary"] = "HX-Request, Cookie"
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def apply_errors(form: Any, errors: dict[str, list[str]]) -> None:
    """Attach a service's field errors to a WTForms form (unknown fields go to the form)."""
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


def options(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def timezone_options() -> list[SelectChoice]:
    """Return every time zone a person can pick, as select options."""
    from webapp.services import accounts

    return options((tz, tz.replace("_", " ")) for tz in accounts.timezone_choices())
