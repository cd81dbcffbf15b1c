"""Views for the second step of a staff sign-in: the code, or setting the app up."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from flask import (
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from webapp.extensions import db, limiter
from webapp.models import Role
from webapp.services import languages, twofactor
from webapp.services.errors import ValidationError
from webapp.web.auth import signin, throttle
from webapp.web.auth.forms import SecondFactorForm
from webapp.web.auth.routes import bp, login_limit
from webapp.web.invite_links import qr_svg
from webapp.web.rendering import apply_errors, respond
from webapp.web.security import me, roles_required


def _from_known_device() -> bool:
    # As at the password step: a browser that signed in to this account before is held
    # to its own count, not to the address's.
    waiting = signin.pending()
    return waiting is not None and throttle.is_known_device(waiting.user.login or "")


def _too_many(wait_seconds: int | None = None) -> SecondFactorForm:
    """Return the step's form, saying how long to wait (the code typed is not kept)."""
    form = SecondFactorForm(formdata=None)
    minutes = math.ceil((wait_seconds or 60) / 60)
    if minutes <= 1:
        form.code.errors = [_("Too many attempts. Please wait a minute, then try again.")]
    else:
        form.code.errors = [
            ngettext(
                "Too many attempts. Please wait %(num)d minute, then try again.",
                "Too many attempts. Please wait %(num)d minutes, then try again.",
                minutes,
            )
        ]
    return form


def _breached(_limit: Any) -> Response:
    waiting = signin.pending()
    if request.endpoint == "auth.two_factor_setup" and waiting and waiting.secret:
        return make_response(_setup_page(waiting, _too_many(), waiting.secret, status=429))
    return make_response(render_template("auth/second_factor.html", form=_too_many()), 429)


def _account_wait(waiting: signin.Pending) -> int | None:
    # The per-account counter is the password step's own: both steps together get no
    # more tries than one.
    return throttle.count_attempt(waiting.user.login or "")


def _used_recovery_message(check: twofactor.CodeCheck) -> str | None:
    if not check.used_recovery_code:
        return None
    return str(
        ngettext(
            "You used a recovery code; %(num)d is left. If your phone is lost, ask an admin to "
            "reset your two-factor sign-in.",
            "You used a recovery code; %(num)d are left. If your phone is lost, ask an admin to "
            "reset your two-factor sign-in.",
            check.recovery_codes_left,
        )
    )


def _in_their_language(
    waiting: signin.Pending, step: Callable[[signin.Pending], ResponseReturnValue]
) -> ResponseReturnValue:
    """Answer a step in the language the person chose, though not signed in yet."""
    # Pages follow the signed-in person's choice; half-way through, only the session knows
    # who this is. Without a choice of their own, the browser's language as usual.
    chosen = waiting.user.language
    if not languages.is_supported(chosen):
        return step(waiting)
    with force_locale(chosen):
        response = make_response(step(waiting))
    response.headers["Content-Language"] = str(chosen)
    return response


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], on_breach=_breached, exempt_when=_from_known_device)
def second_factor() -> ResponseReturnValue:
    """Finish signing in with the authenticator app's code or a recovery code."""
    waiting = signin.pending()
    if waiting is None or not waiting.user.has_two_factor:
        return redirect(url_for("auth.login"))
    return _in_their_language(waiting, _code_step)


def _code_step(waiting: signin.Pending) -> ResponseReturnValue:
    form = SecondFactorForm()
    if form.validate_on_submit():
        if (wait := _account_wait(waiting)) is not None:
            return respond("auth/second_factor.html", status=429, form=_too_many(wait))
        try:
            check = twofactor.check_code(db.session, waiting.user, form.code.data or "")
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc.errors)
        else:
            db.session.commit()
            message = _used_recovery_message(check)
            return respond(redirect_to=signin.finish(waiting), message=message, category="info")
    return respond("auth/second_factor.html", status=422 if form.errors else 200, form=form)


def _setup_page(
    waiting: signin.Pending, form: SecondFactorForm, secret: str, status: int = 200
) -> ResponseReturnValue:
    uri = twofactor.setup_uri(
        secret, account=waiting.user.login or "", issuer=str(current_app.config["CLINIC_NAME"])
    )
    return respond(
        "auth/two_factor_setup.html",
        status=status,
        form=form,
        secret_groups=[secret[i : i + 4] for i in range(0, len(secret), 4)],
        qr=qr_svg(uri, _("QR code to scan with your authenticator app")),
    )


@bp.route("/login/setup", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], on_breach=_breached, exempt_when=_from_known_device)
def two_factor_setup() -> ResponseReturnValue:
    """Set up the authenticator app (staff who must, before anything else), then sign in."""
    waiting = signin.pending()
    if waiting is None or waiting.user.has_two_factor:
        return redirect(url_for("auth.login"))
    return _in_their_language(waiting, _setup_step)


def _setup_step(waiting: signin.Pending) -> ResponseReturnValue:
    secret = waiting.secret or twofactor.new_secret()
    signin.keep_setup_secret(secret)
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return _setup_page(waiting, form, secret, status=422 if form.errors else 200)
    if (wait := _account_wait(waiting)) is not None:
        return _setup_page(waiting, _too_many(wait), secret, status=429)
    try:
        codes = twofactor.enrol(db.session, waiting.user, secret, form.code.data or "")
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc.errors)
        return _setup_page(waiting, form, secret, status=422)
    db.session.commit()
    # Shown in this answer only: the codes are kept nowhere but as hashes.
    return respond("auth/recovery_codes.html", codes=codes, next_url=signin.finish(waiting))


def _two_factor_page(form: SecondFactorForm, status: int = 200) -> ResponseReturnValue:
    user = me()
    return respond(
        "auth/two_factor.html",
        status=status,
        form=form,
        required=twofactor.required(user, signin.policy()),
        codes_left=twofactor.recovery_codes_left(db.session, user) if user.has_two_factor else 0,
    )


@bp.get("/account/two-factor")
@roles_required(Role.THERAPIST, Role.ADMIN)
def two_factor() -> ResponseReturnValue:
    """Show one's two-factor sign-in and how many recovery codes are left."""
    return _two_factor_page(SecondFactorForm(formdata=None))


@bp.post("/account/two-factor/recovery-codes")
@roles_required(Role.THERAPIST, Role.ADMIN)
def new_recovery_codes() -> ResponseReturnValue:
    """Make ten new recovery codes (the old ones stop working), shown once."""
    form = SecondFactorForm()
    if not me().has_two_factor or not form.validate_on_submit():
        return _two_factor_page(form, status=422)
    try:
        codes = twofactor.new_recovery_codes(db.session, me(), form.code.data or "")
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc.errors)
        return _two_factor_page(form, status=422)
    db.session.commit()
    return respond("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.two_factor"))
