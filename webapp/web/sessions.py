"""How long a staff session lasts on a shared clinic computer.

A staff session ends after ``STAFF_IDLE_TIMEOUT`` without a request, and
``STAFF_SESSION_MAX`` after signing in however busy it was (ASVS level 2: 30 minutes and
12 hours). The times live in the signed session cookie; a session without them (one
restored from an old remember-me cookie, say) is over too. What comes after is the sign-in
page: an htmx request is told to go there (``HX-Redirect``), pages are ``no-store`` so the
back button finds nothing, and static/js/idle.js sends an open page there when the time
is up. Patients on their own phones stay signed in as before.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import (
    Flask,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user
from htmx_flask import request as htmx_request
from werkzeug.wrappers import Response

from webapp.models import Role

SIGNED_IN_AT = "bv_signed_in_at"
SEEN_AT = "bv_seen_at"
# Requests a browser makes by itself, not a person at work: they neither keep a session
# alive nor end it.
_PASSIVE_ENDPOINTS = {"static", "healthz"}
_PASSIVE_BLUEPRINTS = {"pwa"}
# These answer a signed-out person themselves once the session is ended.
_SIGN_IN_ENDPOINTS = {"auth.login", "auth.logout"}


def now() -> float:
    """Return the current time in seconds (tests replace this clock)."""
    return time.time()


def clear_session() -> None:
    """Empty the session, keeping only Flask-Login's note to delete the remember-me cookie."""
    # Without that note, signing out would leave the device signed in.
    forget_remember = session.get("_remember") == "clear"
    session.clear()
    if forget_remember:
        session["_remember"] = "clear"


def start() -> None:
    """Note when this session was signed in (and so last active)."""
    moment = now()
    session[SIGNED_IN_AT] = moment
    session[SEEN_AT] = moment


def idle_timeout() -> timedelta:
    """Return how long a staff session may go without a request."""
    limit: timedelta = current_app.config["STAFF_IDLE_TIMEOUT"]
    return limit


def _minutes(span: timedelta) -> int:
    return max(1, round(span.total_seconds() / 60))


def _why_over(moment: float) -> str | None:
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in, int | float) or not isinstance(seen, int | float):
        return str(_("Please sign in again."))
    if moment - seen > idle_timeout().total_seconds():
        minutes = _minutes(idle_timeout())
        if minutes == 1:
            return str(_("You were signed out after a minute without activity."))
        return str(
            ngettext(
                "You were signed out after %(num)d minute without activity.",
                "You were signed out after %(num)d minutes without activity.",
                minutes,
            )
        )
    longest: timedelta = current_app.config["STAFF_SESSION_MAX"]
    if moment - signed_in > longest.total_seconds():
        hours = round(longest.total_seconds() / 3600)
        return str(
            ngettext(
                "You were signed out %(num)d hour after signing in. Please sign in again.",
                "You were signed out %(num)d hours after signing in. Please sign in again.",
                hours,
            )
        )
    return None


def _to_sign_in() -> Response:
    login = url_for("auth.login")
    response: Response
    if htmx_request.htmx:
        # htmx follows this header with a full page load of the sign-in page.
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login
    elif request.accept_mimetypes.best == "application/json" or request.is_json:
        response = make_response(jsonify(error="signed_out", sign_in=login), 401)
    else:
        back = request.full_path.rstrip("?") if request.method == "GET" else None
        response = redirect(url_for("auth.login", next=back), code=303)
    # Whatever the browser kept of this person's pages goes (the service worker drops its
    # own copies when it sees the signed-out page).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


def _watched() -> bool:
    endpoint = request.endpoint
    if endpoint is None or endpoint in _PASSIVE_ENDPOINTS:
        return False
    if request.blueprint in _PASSIVE_BLUEPRINTS:
        return False
    return bool(current_user.is_authenticated) and current_user.role is not Role.PATIENT


def end_stale_staff_session() -> Response | None:
    """End a staff session that was idle or open too long; else count this request."""
    if not _watched():
        return None
    moment = now()
    reason = _why_over(moment)
    if reason is None:
        session[SEEN_AT] = moment
        return None
    logout_user()
    clear_session()
    session["_remember"] = "clear"
    flash(reason, "info")
    if request.endpoint in _SIGN_IN_ENDPOINTS:
        return None
    return _to_sign_in()


def idle_seconds() -> int | None:
    """Return the idle limit for the page's timer (staff only), in seconds."""
    if not current_user.is_authenticated or current_user.role is Role.PATIENT:
        return None
    return int(idle_timeout().total_seconds())


def init_app(app: Flask) -> None:
    """Watch staff sessions on every request."""
    app.before_request(end_stale_staff_session)
    app.jinja_env.globals["staff_idle_seconds"] = idle_seconds
