"""Starting a signed-in session, and the half-way state between password and second factor.

After the right password, a staff member who needs a second factor is not signed in yet:
the session only remembers who they are (id and session token) for a few minutes, and
the code step or the set-up step finishes the sign-in. Until then every page sends them
to sign in, and the sign-in page sends them back to the step they are on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import after_this_request, current_app, session, url_for
from flask_login import login_user, logout_user

from webapp.extensions import db
from webapp.models import Role, User
from webapp.services import records, twofactor
from webapp.web import sessions
from webapp.web.auth import throttle
from webapp.web.push import device as push_device
from webapp.web.sessions import clear_session

PENDING = "bv_second_factor"
PENDING_SECONDS = 10 * 60


def home_url(user: User) -> str:
    """Return where a signed-in person starts."""
    if user.role is Role.PATIENT:
        return url_for("patient.home")
    if user.role is Role.THERAPIST:
        return url_for("therapist.patients")
    return url_for("admin.home")


def safe_next(target: str | None) -> str | None:
    """Return a local path to go to after signing in, or None for anything else."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def sign_in(user: User, remember: bool) -> None:
    """Sign the person in on this browser, in a fresh session."""
    push_device.forget_at_sign_in(user)
    # A fresh session: nothing planted before sign-in (session fixation) and nothing left by
    # the previous person on a shared device survives into this person's session.
    clear_session()
    # Staff sign in on shared clinic computers whose sessions end by themselves: only a
    # patient's own phone keeps them signed in for weeks.
    remember = remember and user.role is Role.PATIENT
    if not remember:
        # A remember-me cookie left on this browser by someone before would sign them
        # back in once this session ends.
        session["_remember"] = "clear"
    login_user(
        user,
        remember=remember,
        duration=current_app.config["REMEMBER_COOKIE_DURATION"],
    )
    sessions.start()
    # From now on this browser's own tries count against it alone (see throttle).
    login_name = user.login
    after_this_request(lambda response: throttle.remember_device(response, login_name))


def policy() -> twofactor.Policy:
    """Return the clinic's two-factor policy."""
    return twofactor.Policy(current_app.config["STAFF_TWO_FACTOR"])


@dataclass(frozen=True)
class Pending:
    """Someone who gave the right password and still owes the second factor."""

    user: User
    remember: bool
    next_url: str | None
    secret: str | None  # the secret being set up, before the first code confirms it


def start_second_factor(user: User, remember: bool, next_url: str | None) -> str:
    """Hold the sign-in until the second factor; return the step to go to."""
    # Whoever used this browser before is signed out now, remember-me cookie included, so
    # the steps never show their pages (or sign them back in if this one is cancelled).
    logout_user()
    clear_session()
    session["_remember"] = "clear"
    session[PENDING] = {
        "id": user.get_id(),
        "remember": remember,
        "next": next_url,
        "at": time.time(),
    }
    if user.has_two_factor:
        return url_for("auth.second_factor")
    return url_for("auth.two_factor_setup")


def pending() -> Pending | None:
    """Return the sign-in waiting for its second factor, if any (and not stale)."""
    value = session.get(PENDING)
    if not isinstance(value, dict):
        return None
    started = value.get("at")
    if not isinstance(started, int | float) or time.time() - started > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = records.signed_in_user(db.session, str(value.get("id", "")))
    if user is None:
        session.pop(PENDING, None)
        return None
    secret = value.get("secret")
    return Pending(
        user=user,
        remember=bool(value.get("remember")),
        next_url=safe_next(value.get("next")),
        secret=secret if isinstance(secret, str) else None,
    )


def pending_step() -> str | None:
    """Return the URL of the second-factor step this browser is on, if any."""
    waiting = pending()
    if waiting is None:
        return None
    if waiting.user.has_two_factor:
        return url_for("auth.second_factor")
    return url_for("auth.two_factor_setup")


def keep_setup_secret(secret: str) -> None:
    """Remember the secret being set up until its first code confirms it."""
    value = dict(session.get(PENDING) or {})
    value["secret"] = secret
    session[PENDING] = value


def finish(waiting: Pending) -> str:
    """Sign in the person who gave both factors; return where they go next."""
    sign_in(waiting.user, waiting.remember)
    return waiting.next_url or home_url(waiting.user)
