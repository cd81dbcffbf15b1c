"""The weekly summary's one-click unsubscribe (RFC 8058), for mail programs and people."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from webapp.extensions import csrf, db
from webapp.models import User
from webapp.services import languages, weekly_summary
from webapp.web.auth.routes import bp


def _person(user_id: int, token: str) -> User:
    secret = str(current_app.config["SECRET_KEY"])
    person = weekly_summary.unsubscriber(db.session, secret, user_id, token)
    if person is None:
        abort(404)
    return person


def _page(person: User, *, done: bool) -> str:
    # Opened from the email, often signed out: in the language the email was written in.
    language = languages.of(person.language, current_app.config["CLINIC_LANGUAGE"])
    with force_locale(language):
        return render_template("auth/unsubscribe.html", done=done)


@bp.get("/email/unsubscribe/<int:user_id>/<token>")
def unsubscribe_page(user_id: int, token: str) -> ResponseReturnValue:
    """Ask to confirm (a link scanner's GET must not unsubscribe anyone)."""
    return _page(_person(user_id, token), done=False)


@bp.post("/email/unsubscribe/<int:user_id>/<token>")
def unsubscribe(user_id: int, token: str) -> ResponseReturnValue:
    """Turn the weekly summary off; the signed link is the proof."""
    person = _person(user_id, token)
    weekly_summary.set_summary(db.session, person, False)
    db.session.commit()
    return _page(person, done=True)


# Mail programs post "List-Unsubscribe=One-Click" with no page and no token.
csrf.exempt(unsubscribe)
