"""Views for the PWA: the manifest, the service worker and the offline page."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webapp.services import languages
from webapp.web.assets import asset_url
from webapp.web.i18n import browser_language, page_language
from webapp.web.pwa.manifest import web_manifest
from webapp.web.security import user_marker

bp = Blueprint("pwa", __name__)

# The app shell: what a patient needs to open the app with no connection. (A questionnaire's
# script is not here: the worker keeps it when its page is first opened, as it keeps the page.)
SHELL_FILES = (
    "css/app.css",
    "vendor/htmx-2.0.11.min.js",
    "js/app.js",
    "js/outbox.js",
    "js/offline.js",
    "js/player.js",
    "js/push.js",
    "js/bodymap.js",
    "js/install.js",
    "js/figure.js",
    "icons/icon-192.png",
    "icons/badge-96.png",
)


@cache
def _digest(paths: tuple[str, ...]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(Path(path).read_bytes())
    return sha.hexdigest()[:12]


# The compiled catalogs: the offline pages the worker keeps are written with them.
CATALOGS = Path(__file__).resolve().parents[2] / "translations"


def shell_version() -> str:
    """Return a version that changes whenever the worker or any shell file changes."""
    static = Path(current_app.static_folder or "")
    templates = Path(current_app.template_folder or "") / "pwa"
    # The offline page and the scripts' words are precached too: a new wording or
    # translation makes a new worker.
    catalogs = [
        CATALOGS / code / "LC_MESSAGES" / "messages.mo"
        for code in languages.SUPPORTED
        if code != languages.DEFAULT
    ]
    return _digest(
        (
            str(templates / "sw.js"),
            str(templates / "offline.html"),
            str(templates.parent / "components" / "_script_text.html"),
            *(str(path) for path in catalogs),
            *(str(static / f) for f in SHELL_FILES),
        )
    )


# The worker's comments are for its readers here, not for every phone's first load (a
# quarter of its bytes): whole comment lines are left out when it is served.
_WHOLE_LINE_COMMENT = re.compile(r"^[ \t]*//.*\n", re.MULTILINE)


@bp.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """Serve the service worker at the root, so it controls every page."""
    # "/offline" speaks the language of whoever installs the worker; the worker swaps it for
    # /offline/<code> when the pages come back in another language (one page kept, not one
    # per language: every byte here is part of a phone's first load).
    precache = [asset_url(f) for f in SHELL_FILES] + ["/offline", "/script-text.json"]
    body = render_template(
        "pwa/sw.js",
        version=shell_version(),
        precache=precache,
        languages=list(languages.SUPPORTED),
        outbox_url=asset_url("js/outbox.js"),
    )
    response = Response(_WHOLE_LINE_COMMENT.sub("", body), mimetype="text/javascript")
    # Browsers check for a new worker on navigation; never let a cache hide it.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Point old-style favicon requests at the app icon."""
    return redirect(asset_url("icons/icon-192.png"), code=301)


@bp.get("/offline")
def offline() -> ResponseReturnValue:
    """The page shown offline when no saved copy of the page exists."""
    return render_template("pwa/offline.html")


@bp.get("/offline/<language>")
def offline_in(language: str) -> ResponseReturnValue:
    """The offline page in one language, whoever asks (the worker swaps it in on a change)."""
    if not languages.is_supported(language):
        abort(404)
    with force_locale(language):
        response = make_response(render_template("pwa/offline.html"))
    response.headers["Content-Language"] = language
    return response


@bp.get("/script-text.json")
def script_text() -> ResponseReturnValue:
    """What the page-wide scripts may say, in the language of whoever asks."""
    return _script_text()


@bp.get("/script-text/<language>.json")
def script_text_in(language: str) -> ResponseReturnValue:
    """What the scripts may say in one language (the worker swaps it in on a change)."""
    if not languages.is_supported(language):
        abort(404)
    with force_locale(language):
        response = _script_text()
    response.headers["Content-Language"] = language
    return response


def _script_text() -> Response:
    # Not in every page (it would weigh on each one): one small file, fetched when needed.
    response = Response(
        render_template("components/_script_text.html"), mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Language"] = page_language()
    return response


@bp.get("/outbox/token")
def outbox_token() -> ResponseReturnValue:
    """Give the outbox a current CSRF token, and say whose session it belongs to."""
    # The outbox sends an action only with this token (a page's own may be from an
    # older session) and only when the marker is that of the person who did it.
    if not current_user.is_authenticated:
        response = jsonify(user="", error=_("Please sign in to send what is waiting."))
        status = 401
    else:
        response = jsonify(user=user_marker(), csrf_token=generate_csrf())
        status = 200
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.get("/manifest.webmanifest")
def manifest() -> ResponseReturnValue:
    """Describe the app for installing it to the home screen, in the person's language."""
    # Browsers fetch the manifest without cookies, so the page names its language in the
    # link (?lang=); without it, the browser's Accept-Language decides.
    asked = request.args.get("lang")
    language = asked if languages.is_supported(asked) else None
    chosen = language or browser_language() or str(current_app.config["CLINIC_LANGUAGE"])
    response = jsonify(web_manifest(current_app.config["CLINIC_NAME"], chosen))
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Language"] = chosen
    if language is None:
        response.headers["Vary"] = "Accept-Language"
    return response
