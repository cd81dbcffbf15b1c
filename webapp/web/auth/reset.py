"""'Forgot password?': ask for a link by email; the answer is the same for every address."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, make_response, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from webapp.extensions import db, limiter
from webapp.services import email_links, mail
from webapp.web.auth.forms import ForgotPasswordForm
from webapp.web.auth.routes import bp
from webapp.web.invite_links import link_policy
from webapp.web.rendering import respond


def _reset_limit() -> str:
    return str(current_app.config["RESET_RATE_LIMIT"])


NO_EMAIL = _l(
    "This clinic does not send email, so we cannot email you a link. Please ask the clinic "
    "for a new link: they can give you one at your visit or by phone."
)


def _page(form: ForgotPasswordForm, *, status: int = 200) -> tuple[str, int]:
    email_on = mail.mail_enabled(current_app.config)
    return render_template("auth/forgot.html", form=form, email_on=email_on), status


def _reset_breached(_limit: Any) -> Response:
    form = ForgotPasswordForm()
    form.email.errors = [_("Too many requests. Please wait a few minutes, then try again.")]
    return make_response(_page(form, status=429))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"], on_breach=_reset_breached)
def forgot_password() -> ResponseReturnValue:
    """Email a link to choose a new password, if an account uses the address."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.errors else 200)
    if mail.mail_enabled(current_app.config):
        email_links.request_reset(db.session, form.email.data or "", link_policy())
        db.session.commit()
    return respond(redirect_to=url_for("auth.login"), message=_sent_message(), category="info")


def _sent_message() -> str:
    if not mail.mail_enabled(current_app.config):
        return str(NO_EMAIL)
    minutes = int(current_app.config["RESET_TTL_MINUTES"])
    return str(
        ngettext(
            "If an account uses that address, we have emailed it a link to choose a new "
            "password. The link works once, for %(num)d minute. Nothing there? Check the "
            "spam folder, or ask the clinic for a new link.",
            "If an account uses that address, we have emailed it a link to choose a new "
            "password. The link works once, for %(num)d minutes. Nothing there? Check the "
            "spam folder, or ask the clinic for a new link.",
            minutes,
        )
    )
