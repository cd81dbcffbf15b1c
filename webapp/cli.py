"""Flask commands: create staff accounts, load demo data, serve with the scheduler."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp.extensions import db
from webapp.models import Role
from webapp.services import accounts
from webapp.services.errors import ValidationError


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _create_staff(role: Role, email: str, name: str | None, password_stdin: bool) -> None:
    password = _read_password(password_stdin)
    try:
        user = accounts.create_staff(
            db.session,
            role=role,
            email=email,
            name=name or email.split("@")[0].replace(".", " ").title(),
            timezone=current_app.config["CLINIC_TIMEZONE"],
            password=password,
        )
    except ValidationError as exc:
        db.session.rollback()
        for field, messages in exc.errors.items():
            for message in messages:
                click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from exc
    db.session.commit()
    click.echo(f"Created {role.value} {user.login}.")


_password_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input."
)
_name = click.option("--name", help="Display name (default: from the email address).")


@click.command("create-admin")
@click.argument("email")
@_name
@_password_stdin
@with_appcontext
def create_admin(email: str, name: str | None, password_stdin: bool) -> None:
    """Create a clinic admin account."""
    _create_staff(Role.ADMIN, email, name, password_stdin)


@click.command("create-therapist")
@click.argument("email")
@_name
@_password_stdin
@with_appcontext
def create_therapist(email: str, name: str | None, password_stdin: bool) -> None:
    """Create a therapist account."""
    _create_staff(Role.THERAPIST, email, name, password_stdin)


library_cli = click.Group("library", help="The built-in exercise library and templates.")


@library_cli.command("sync")
@with_appcontext
def library_sync() -> None:
    """Load or update the shipped exercises and templates (clinic changes are kept)."""
    from webapp.services import library

    report = library.sync_builtin(db.session)
    db.session.commit()
    click.echo(f"Library: {report}.")


reminders_cli = click.Group("reminders", help="Reminders by Web Push.")


@reminders_cli.command("tick")
@with_appcontext
def reminders_tick() -> None:
    """Run one materialize-and-send pass now (for operators and tests)."""
    from jobs import tasks
    from webapp.services import reminders

    created = reminders.materialize(db.session)
    db.session.commit()
    report = tasks.send_due_reminders(reminders.owner_id())
    click.echo(
        f"materialized {created}; claimed {report.claimed}: sent {report.sent}, "
        f"in app {report.inapp}, skipped {report.skipped}, retry {report.retried}, "
        f"failed {report.failed}, pruned {report.pruned} dead subscriptions"
    )


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo clinic (safe to run again: nothing changes the second time)."""
    from webapp.services import demo as demo_data
    from webapp.services import library

    library.sync_builtin(db.session)
    created = demo_data.load(db.session, clinic_timezone=current_app.config["CLINIC_TIMEZONE"])
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")
    click.echo(demo_data.logins_text())


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the app for one machine, with exactly one scheduler in this process."""
    from werkzeug.serving import run_simple

    from webapp.services import demo as demo_data

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = None
    if app.config["EMBEDDED_SCHEDULER"]:
        from jobs.scheduler import start_background

        scheduler = start_background(app)
    click.echo(f"\nBetween Visits is running at http://{host}:{port}/")
    click.echo(demo_data.logins_text())
    click.echo("Press Ctrl+C to stop.\n")
    try:
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@click.command("make-icons")
@with_appcontext
def make_icons() -> None:
    """Render the app icons (192, 512, maskable, badge) from static/icons/icon.svg."""
    from webapp.icons import render_icons

    for path in render_icons():
        click.echo(f"wrote {path}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (
        create_admin,
        create_therapist,
        demo,
        serve,
        library_cli,
        make_icons,
        reminders_cli,
    ):
        app.cli.add_command(command)
