"""Views for signing in and out, invite links and account settings."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    after_this_request,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from webapp.extensions import db, limiter
from webapp.models import Role, User
from webapp.services import accounts, invites
from webapp.services.errors import ValidationError
from webapp.web.auth import throttle
from webapp.web.auth.forms import ChangePasswordForm, ChoosePasswordForm, LoginForm, ProfileForm
from webapp.web.push import device as push_device
from webapp.web.rendering import apply_errors, timezone_options
from webapp.web.security import login_required

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _invite_limit() -> str:
    return str(current_app.config["INVITE_RATE_LIMIT"])


def home_url(user: User) -> str:
    """Return where a signed-in person starts."""
    if user.role is Role.PATIENT:
        return url_for("patient.home")
    if user.role is Role.THERAPIST:
        return url_for("therapist.patients")
    return url_for("admin.home")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def index() -> BaseResponse:
    """Send a visitor to their home page, or to sign in."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("auth.login"))


def _clear_session() -> None:
    # Everything goes, except Flask-Login's note to delete the remember-me cookie on this
    # response: without it, signing out would leave the device signed in.
    forget_remember = session.get("_remember") == "clear"
    session.clear()
    if forget_remember:
        session["_remember"] = "clear"


def _sign_in(user: User, remember: bool) -> None:
    push_device.forget_at_sign_in(user)
    # A fresh session: nothing planted before sign-in (session fixation) and nothing left by
    # the previous person on a shared device survives into this person's session.
    _clear_session()
    if not remember:
        # A remember-me cookie left on this browser by someone before would sign them
        # back in once this session ends.
        session["_remember"] = "clear"
    login_user(
        user,
        remember=remember,
        duration=current_app.config["REMEMBER_COOKIE_DURATION"],
    )
    # From now on this browser's own tries count against it alone (see throttle).
    login_name = user.login
    after_this_request(lambda response: throttle.remember_device(response, login_name))


def _login_breached(_limit: Any) -> Response:
    return make_response(login_rate_limited())


def _from_known_device() -> bool:
    # The address limit guards against strangers; a browser that has signed in to this
    # account before is held to its own count instead (a clinic behind one address).
    return throttle.is_known_device(request.form.get("login", ""))


def _account_rate_limited(form: LoginForm, wait_seconds: int) -> tuple[str, int]:
    minutes = math.ceil(wait_seconds / 60)
    if minutes <= 1:
        message = (
            "Too many tries to sign in to this account. Please try again in a minute, or "
            "sign in on a phone or computer you have used before. If you have forgotten "
            "your password, the clinic can give you a new link."
        )
    else:
        message = (
            f"Too many tries to sign in to this account. Please try again in {minutes} "
            "minutes, or sign in on a phone or computer you have used before. If you have "
            "forgotten your password, the clinic can give you a new link."
        )
    form.password.errors = [message]
    return render_template("auth/login.html", form=form), 429


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit, methods=["POST"], on_breach=_login_breached, exempt_when=_from_known_device
)
def login() -> Any:
    """Sign in."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        wait = throttle.count_attempt(form.login.data or "")
        if wait is not None:
            return _account_rate_limited(form, wait)
        user = accounts.authenticate(db.session, form.login.data or "", form.password.data or "")
        if user is not None:
            db.session.commit()
            _sign_in(user, bool(form.remember.data))
            target = _safe_next(request.args.get("next")) or home_url(user)
            return redirect(target, code=303)
        db.session.rollback()
        form.password.errors = [
            "The email or sign-in name and password do not match. Please try again."
        ]
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def login_rate_limited() -> tuple[str, int]:
    """Show the sign-in form again, with what was typed, when there were too many tries."""
    form = LoginForm()
    form.password.errors = ["Too many attempts. Please wait a minute, then try again."]
    return render_template("auth/login.html", form=form), 429


@bp.post("/logout")
def logout() -> BaseResponse:
    """Sign out, stop this device's notifications, and forget its cached pages."""
    if current_user.is_authenticated:
        push_device.forget_at_sign_out(current_user._get_current_object())
    logout_user()
    # Flask-Login forgets only its own keys; on a shared tablet the next person must find
    # nothing of this one's session (CSRF token, flashes, anything a view kept there).
    _clear_session()
    flash("You are signed out.", "info")
    response = redirect(url_for("auth.login"), code=303)
    # The browser's HTTP cache may hold pages with patient data; the service worker
    # clears its own caches when it sees the signed-out page.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


def _invite_problem(check: invites.InviteCheck) -> tuple[str, int]:
    status = 404 if check.status is invites.InviteStatus.INVALID else 410
    return render_template("auth/invite_invalid.html", check=check), status


@bp.route("/i/<token>", methods=["GET", "POST"])
@limiter.limit(_invite_limit)
def invite(token: str) -> Any:
    """Choose a password from an invite link and land signed in."""
    check = invites.check(db.session, token)
    if not check.ok or check.invite is None:
        return _invite_problem(check)
    user = check.invite.user
    form = ChoosePasswordForm()
    if request.method == "GET" and user.login is None:
        form.login.data = accounts.suggest_login_name(db.session, user)
    if form.validate_on_submit():
        try:
            accounts.redeem_invite(
                db.session,
                check,
                password=form.password.data or "",
                confirm=form.confirm.data or "",
                login_name=form.login.data,
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            logout_user()
            _sign_in(user, remember=True)
            flash(f"Welcome, {user.first_name}. You are signed in.", "success")
            return redirect(home_url(user), code=303)
    status = 422 if form.errors or form.form_errors else 200
    return (
        render_template(
            "auth/invite.html", form=form, invitee=user, purpose=check.invite.purpose.value
        ),
        status,
    )


@bp.get("/account")
@login_required
def account() -> str:
    """Show the account settings."""
    profile = ProfileForm(name=current_user.display_name, timezone=current_user.timezone)
    return _account_page(profile=profile)


def _account_page(
    *, profile: ProfileForm | None = None, password: ChangePasswordForm | None = None
) -> str:
    profile = profile or ProfileForm(name=current_user.display_name, timezone=current_user.timezone)
    profile.timezone.choices = timezone_options()
    return render_template(
        "auth/account.html", profile=profile, password=password or ChangePasswordForm()
    )


@bp.post("/account/profile")
@login_required
def update_profile() -> Any:
    """Save one's name and time zone."""
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                db.session,
                current_user._get_current_object(),
                name=form.name.data or "",
                timezone=form.timezone.data or "",
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash("Your details are saved.", "success")
            return redirect(url_for("auth.account"), code=303)
    return _account_page(profile=form), 422


@bp.post("/account/password")
@login_required
def change_password() -> Any:
    """Change one's password and sign out every other device."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(
                db.session,
                user,
                current=form.current.data or "",
                new=form.new.data or "",
                confirm=form.confirm.data or "",
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            # The session token changed: sign this device in again under the new one.
            _sign_in(user, remember=True)
            flash("Your password is changed. Other devices are signed out.", "success")
            return redirect(url_for("auth.account"), code=303)
    return _account_page(password=form), 422
