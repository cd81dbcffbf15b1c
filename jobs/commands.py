"""The flask commands that start or run jobs: ``serve`` and ``reminders tick``.

They are registered through the ``flask.commands`` entry points in pyproject.toml, so the
app (``webapp``) never imports ``jobs``; ``pip install -e .`` (``make install``) makes
them known to ``flask --app wsgi``.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from jobs import tasks
from jobs.scheduler import start_background
from webapp.extensions import db
from webapp.services import demo as demo_data
from webapp.services import reminders


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the app for one machine, with exactly one scheduler in this process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = start_background(app) if app.config["EMBEDDED_SCHEDULER"] else None
    click.echo(f"\nBetween Visits is running at http://{host}:{port}/")
    click.echo(demo_data.logins_text(app.config["STAFF_TWO_FACTOR"]))
    click.echo("Press Ctrl+C to stop.\n")
    try:
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


reminders_cli = click.Group("reminders", help="Reminders by Web Push.")


@reminders_cli.command("tick")
@with_appcontext
def reminders_tick() -> None:
    """Run one materialize-and-send pass now (for operators and tests)."""
    created = reminders.materialize(db.session)
    db.session.commit()
    report = tasks.send_due_reminders(reminders.owner_id())
    click.echo(
        f"materialized {created}; claimed {report.claimed}: sent {report.sent}, "
        f"in app {report.inapp}, skipped {report.skipped}, retry {report.retried}, "
        f"failed {report.failed}, pruned {report.pruned} dead subscriptions"
    )
