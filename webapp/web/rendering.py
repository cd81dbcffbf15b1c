"""One place that decides how a view answers: full page, htmx fragment, redirect or JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import flash, make_response, redirect, render_template, url_for
from htmx_flask import request
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from webapp.services import accounts

# ``?print=1`` asks for a page in its print layout: what paper would show, on screen. Print
# buttons link there, so they work without JavaScript; app.js turns them into window.print().
PRINT_ARG = "print"


def wants_fragment() -> bool:
    """Return True for an htmx request that swaps part of a page.

    A history restore asks for the whole page, and a boosted link or form wants the whole
    page too (htmx swaps the body).
    """
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def wants_json() -> bool:
    """Return True when the client asked for JSON (the outbox, the service worker, push.js).

    JSON is asked for by sending JSON, or by an Accept header that prefers it to HTML; a
    browser's own requests and htmx's always get HTML.
    """
    if request.htmx:
        return False
    if request.is_json:
        return True
    best: str | None = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def respond(
    page: str | None = None,
    fragment: str | None = None,
    *,
    status: int = 200,
    redirect_to: str | None = None,
    message: str | None = None,
    category: str = "success",
    trigger: str | None = None,
    retarget: str | None = None,
    full_page: Callable[[], Mapping[str, Any]] | None = None,
    **context: Any,
) -> Response:
    """Answer with the fragment for htmx, else a redirect after a POST, else the full page.

    ``context`` goes to whichever template is rendered; ``full_page`` adds what only the
    full page needs, and is called only when the full page is rendered. ``message`` is
    flashed on the redirect only (a swapped fragment shows its own news). ``trigger`` names
    the htmx event the fragment fires, and ``retarget`` a different element to swap.
    """
    response: Response
    if fragment is not None and wants_fragment():
        response = make_response(render_template(fragment, **context), status)
        if trigger:
            response.headers["HX-Trigger"] = trigger
        if retarget:
            response.headers["HX-Retarget"] = retarget
            response.headers["HX-Reswap"] = "outerHTML"
    elif redirect_to is not None:
        if message:
            flash(message, category)
        response = redirect(redirect_to, code=303)
    elif page is not None:
        everything = {**(full_page() if full_page else {}), **context}
        response = make_response(render_template(page, **everything), status)
    else:
        raise TypeError("respond() needs a page or a place to redirect to")
    # The same address answers a fragment to htmx and a page (or redirect) otherwise, and
    # each person their own page: caches must keep them apart.
    if fragment is not None:
        response.headers["Vary"] = "HX-Request, Cookie"
    elif page is not None and redirect_to is None:
        response.headers["Vary"] = "Cookie"
    return response


def print_view() -> bool:
    """Return True when this page is asked for in its print layout."""
    return bool(request.args.get(PRINT_ARG) == "1")


def print_url() -> str:
    """Return the address of this page in its print layout."""
    args: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    args[PRINT_ARG] = "1"
    return url_for(request.endpoint or "index", **args)


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
    return options((tz, tz.replace("_", " ")) for tz in accounts.timezone_choices())
