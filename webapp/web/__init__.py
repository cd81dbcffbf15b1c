"""The web layer: one blueprint per area, thin views over services."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, jsonify, render_template
from flask.typing import ResponseReturnValue
from werkzeug.routing import IntegerConverter

from webapp.content import bodymap, vocab
from webapp.extensions import db, login_manager
from webapp.models import User
from webapp.services import health, mail, numbers, records
from webapp.services.errors import NotFound
from webapp.web import (
    admin,
    auth,
    compression,
    content_text,
    figures,
    formatting,
    i18n,
    library,
    patient,
    programs,
    push,
    pwa,
    rendering,
    security,
    sessions,
    therapist,
)
from webapp.web.assets import asset_url
from webapp.web.messages import unread_messages
from webapp.web.messages.text import message_html
from webapp.web.templating import DropIndentation


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` in every route: a path with an id no record can have matches nothing.

    Refused by the pattern, not after it: a route that does not match at all is a 404,
    where one refused after matching would answer 405 beside a route of the same path.
    """

    regex = numbers.ID_PATTERN


def _load_user(session_id: str) -> User | None:
    return records.signed_in_user(db.session, session_id)


def _health() -> tuple[Response, int]:
    if not health.database_ok(db.session):
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200


def _error_page(status: int, template: str) -> Callable[[Exception], ResponseReturnValue]:
    def handler(error: Exception) -> ResponseReturnValue:
        # A view may have prepared its own answer (the sign-in form keeps what was typed
        # when it is rate limited); use it instead of the generic page.
        prepared = getattr(error, "response", None)
        if prepared is not None:
            return prepared  # type: ignore[no-any-return]
        return render_template(template), status

    return handler


def init_app(app: Flask) -> None:
    """Register blueprints, the user loader, template helpers and error pages."""
    # Before any blueprint: every <int:...> in a route is a record id.
    app.url_map.converters["int"] = RecordIdConverter
    security.init_app(app)
    sessions.init_app(app)
    compression.init_app(app)
    i18n.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    app.register_blueprint(auth.bp)
    app.register_blueprint(patient.bp)
    app.register_blueprint(therapist.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(library.bp)
    app.register_blueprint(programs.bp)
    app.register_blueprint(push.bp)
    app.register_blueprint(pwa.bp)
    app.register_blueprint(figures.bp)
    app.add_url_rule("/healthz", "healthz", _health)
    app.add_url_rule("/", "index", auth.index)

    app.jinja_env.add_extension(DropIndentation)
    app.jinja_env.globals.update(
        asset_url=asset_url,
        clinic_name=lambda: app.config["CLINIC_NAME"],
        email_on=lambda: mail.mail_enabled(app.config),
        unread_messages=unread_messages,
        wants_weekly_summary=therapist.messages.wants_weekly_summary,
        user_marker=security.user_marker,
        vocab=vocab,
        ordinal=formatting.ordinal,
        weekday_names=formatting.weekday_names,
        print_view=rendering.print_view,
        print_url=rendering.print_url,
    )
    app.jinja_env.globals.update(bodymap.template_globals())
    app.jinja_env.globals.update(
        describe_dose=formatting.describe_dose,
        describe_weekdays=formatting.describe_weekdays,
        exercise_figure=figures.exercise_figure,
        thumbnail_url=figures.thumbnail_url,
    )
    # Labels and exercise text in the reader's language (after bodymap's globals: it
    # replaces their English ``region_label``).
    content_text.init_app(app)
    app.jinja_env.filters["local_date"] = formatting.local_date
    app.jinja_env.filters["local_datetime"] = formatting.local_datetime
    app.jinja_env.filters["message_html"] = message_html
    app.jinja_env.filters["long_date"] = formatting.long_date
    app.jinja_env.filters["local_time"] = formatting.local_time
    app.jinja_env.filters["alert_detail"] = formatting.alert_detail
    for status, template in (
        (404, "errors/404.html"),
        (405, "errors/404.html"),
        (410, "errors/410.html"),
        (429, "errors/429.html"),
        (500, "errors/500.html"),
    ):
        app.register_error_handler(status, _error_page(status, template))
    # A service that cannot find a record for this person: the same page as any 404.
    app.register_error_handler(NotFound, _error_page(404, "errors/404.html"))
