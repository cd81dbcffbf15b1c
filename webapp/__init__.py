"""Between Visits: a home-care companion for a medical-massage clinic."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from webapp import backup_commands, cli, extensions, figure_commands, web
from webapp.config import load_settings
from webapp.web.security import secure_cookies

ROOT = Path(__file__).resolve().parent.parent


class BetweenVisits(Flask):
    """The Flask app, with cookie flags settled after every other response hook."""

    def send_static_file(self, filename: str) -> Response:
        """Serve a static file; a versioned URL (?v=hash) may be cached for a year."""
        response = super().send_static_file(filename)
        if request.args.get("v"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response

    def process_response(self, response: Response) -> Response:
        """Run the usual response hooks, then make the cookies Secure where they must be."""
        response = super().process_response(response)
        secure_cookies(response)
        return response


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app: settings, extensions, blueprints, CLI."""
    config = dict(config or {})
    instance_path = Path(
        config.pop("INSTANCE_PATH", None) or os.environ.get("INSTANCE_PATH") or ROOT / "instance"
    ).resolve()
    app = BetweenVisits(
        __name__,
        instance_path=str(instance_path),
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(load_settings(instance_path, overrides=config))
    app.config.from_mapping(config)

    extensions.init_app(app)

    web.init_app(app)

    cli.init_app(app)
    backup_commands.init_app(app)
    figure_commands.init_app(app)
    return app
