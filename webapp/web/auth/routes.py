"""Views for signing in and out, invite links and account settings."""

from __future__ import annotations

import math
from typing import Any

from babel.lists import format_list
from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from webapp.extensions import db, limiter
from webapp.models import User
from webapp.services import accounts, discharge, invites, languages, twofactor
from webapp.services.errors import ValidationError
from webapp.web.auth import signin, throttle
from webapp.web.auth.forms import ChangePasswordForm, ChoosePasswordForm, LoginForm, ProfileForm
from webapp.web.auth.signin import home_url, safe_next, sign_in
from webapp.web.formatting import local_date
from webapp.web.i18n import browser_language, page_language
from webapp.web.push import device as push_device
from webapp.web.rendering import apply_errors, respond, timezone_options
from webapp.web.security import login_required, me
from webapp.web.sessions import clear_session

bp = Blueprint("auth", __name__)


def login_limit() -> str:
    """Return the per-address limit of sign-in tries (password and code steps alike)."""
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _invite_limit() -> str:
    return str(current_app.config["INVITE_RATE_LIMIT"])


def index() -> ResponseReturnValue:
    """Send a visitor to their home page, or to sign in."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("auth.login"))


def _login_breached(_limit: Any) -> Response:
    return make_response(login_rate_limited())


def _from_known_device() -> bool:
    # The address limit guards against strangers; a browser that has signed in to this
    # account before is held to its own count instead (a clinic behind one address).
    return throttle.is_known_device(request.form.get("login", ""))


def _account_rate_limited(form: LoginForm, wait_seconds: int) -> tuple[str, int]:
    minutes = math.ceil(wait_seconds / 60)
    if minutes <= 1:
        message = _(
            "Too many tries to sign in to this account. Please try again in a minute, or "
            "sign in on a phone or computer you have used before. If you have forgotten "
            "your password, the clinic can give you a new link."
        )
    else:
        message = ngettext(
            "Too many tries to sign in to this account. Please try again in %(num)d "
            "minute, or sign in on a phone or computer you have used before. If you have "
            "forgotten your password, the clinic can give you a new link.",
            "Too many tries to sign in to this account. Please try again in %(num)d "
            "minutes, or sign in on a phone or computer you have used before. If you have "
            "forgotten your password, the clinic can give you a new link.",
            minutes,
        )
    form.password.errors = [message]
    return render_template("auth/login.html", form=form), 429


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    login_limit, methods=["POST"], on_breach=_login_breached, exempt_when=_from_known_device
)
def login() -> ResponseReturnValue:
    """Sign in."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url(current_user))
    step = signin.pending_step() if request.method == "GET" else None
    if step is not None:
        return redirect(step)
    form = LoginForm()
    if form.validate_on_submit():
        wait = throttle.count_attempt(form.login.data or "")
        if wait is not None:
            return _account_rate_limited(form, wait)
        return _check_password(form)
    status = 422 if form.errors else 200
    return respond("auth/login.html", status=status, form=form)


def _check_password(form: LoginForm) -> ResponseReturnValue:
    """Go on to the next step for the right password; say what is wrong otherwise."""
    try:
        user = accounts.authenticate(db.session, form.login.data or "", form.password.data or "")
    except discharge.AccountClosed as closed:
        db.session.rollback()
        form.password.errors = [_closed_message(closed)]
        return respond("auth/login.html", status=403, form=form)
    if user is not None:
        db.session.commit()
        return respond(redirect_to=_after_password(user, bool(form.remember.data)))
    db.session.rollback()
    form.password.errors = [
        _("The email or sign-in name and password do not match. Please try again.")
    ]
    return respond("auth/login.html", status=422, form=form)


def _after_password(user: User, remember: bool) -> str:
    """Sign in, or hold the sign-in for the second factor; return where to go next."""
    target = safe_next(request.args.get("next"))
    if twofactor.asks(user, signin.policy()):
        return signin.start_second_factor(user, remember, target)
    sign_in(user, remember)
    return target or home_url(user)


def _closed_message(closed: discharge.AccountClosed) -> str:
    """Say that the account is closed, since when, and whom to contact."""
    clinic = current_app.config["CLINIC_NAME"]
    phone = current_app.config["CLINIC_PHONE"]
    if closed.therapists:
        # "Ana or Luis": the names joined with the language's own "or".
        names = format_list(closed.therapists, style="or", locale=get_locale() or languages.DEFAULT)
        who = _("%(names)s at %(clinic)s", names=names, clinic=clinic)
    else:
        who = clinic
    if phone:
        who = f"{who} ({phone})"
    day = local_date(closed.closed_at, current_app.config["CLINIC_TIMEZONE"])
    return str(
        _(
            "Your account closed on %(day)s, after your care at the clinic ended. To open it "
            "again or to get a copy of your records, please contact %(who)s.",
            day=day,
            who=who,
        )
    )


def login_rate_limited() -> tuple[str, int]:
    """Show the sign-in form again, with what was typed, when there were too many tries."""
    form = LoginForm()
    form.password.errors = [_("Too many attempts. Please wait a minute, then try again.")]
    return render_template("auth/login.html", form=form), 429


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out, stop this device's notifications, and forget its cached pages."""
    if current_user.is_authenticated:
        push_device.forget_at_sign_out(me())
    logout_user()
    # Flask-Login forgets only its own keys; on a shared tablet the next person must find
    # nothing of this one's session (CSRF token, flashes, anything a view kept there).
    clear_session()
    response = respond(
        redirect_to=url_for("auth.login"), message=_("You are signed out."), category="info"
    )
    # The browser's HTTP cache may hold pages with patient data; the service worker
    # clears its own caches when it sees the signed-out page.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


def _invite_problem(check: invites.InviteCheck) -> tuple[str, int]:
    status = 404 if check.status is invites.InviteStatus.INVALID else 410
    return render_template("auth/invite_invalid.html", check=check), status


def _invite_page(check: invites.InviteCheck, form: ChoosePasswordForm) -> ResponseReturnValue:
    assert check.invite is not None
    status = 422 if form.errors or form.form_errors else 200
    return respond(
        "auth/invite.html",
        status=status,
        form=form,
        invitee=check.invite.user,
        purpose=check.invite.purpose.value,
    )


def _redeem(check: invites.InviteCheck, form: ChoosePasswordForm) -> None:
    accounts.redeem_invite(
        db.session,
        check,
        password=form.password.data or "",
        confirm=form.confirm.data or "",
        login_name=form.login.data,
        language=browser_language(),
    )


@bp.route("/i/<token>", methods=["GET", "POST"])
@limiter.limit(_invite_limit)
def invite(token: str) -> ResponseReturnValue:
    """Choose a password from an invite link and land signed in."""
    check = invites.check(db.session, token)
    if not check.ok or check.invite is None:
        return _invite_problem(check)
    user = check.invite.user
    form = ChoosePasswordForm()
    if request.method == "GET" and user.login is None:
        form.login.data = accounts.suggest_login_name(db.session, user)
    if not form.validate_on_submit():
        return _invite_page(check, form)
    try:
        _redeem(check, form)
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc.errors)
        return _invite_page(check, form)
    db.session.commit()
    logout_user()
    if twofactor.asks(user, signin.policy()):
        # Staff who must use a second factor set it up before anything else.
        return respond(redirect_to=signin.start_second_factor(user, True, None))
    sign_in(user, remember=True)
    message = _("Welcome, %(name)s. You are signed in.", name=user.first_name)
    return respond(redirect_to=home_url(user), message=message)


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    """Show the account settings."""
    return _account_page()


def _account_page(
    *,
    profile: ProfileForm | None = None,
    password: ChangePasswordForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    profile = profile or ProfileForm(
        name=me().display_name, timezone=me().timezone, language=page_language()
    )
    profile.timezone.choices = timezone_options()
    profile.language.choices = languages.choices()
    return respond(
        "auth/account.html",
        status=status,
        profile=profile,
        password=password or ChangePasswordForm(),
    )


@bp.post("/account/profile")
@login_required
def update_profile() -> ResponseReturnValue:
    """Save one's name and time zone."""
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                db.session,
                me(),
                name=form.name.data or "",
                timezone=form.timezone.data or "",
                language=form.language.data or None,
            )
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            message = _("Your details are saved.")
            return respond(redirect_to=url_for("auth.account"), message=message)
    return _account_page(profile=form, status=422)


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    """Change one's password and sign out every other device."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = me()
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
            sign_in(user, remember=True)
            message = _("Your password is changed. Other devices are signed out.")
            return respond(redirect_to=url_for("auth.account"), message=message)
    return _account_page(password=form, status=422)
