"""Flask commands: create staff accounts, load the library and the demo clinic.

The commands that start or run jobs (``serve``, ``reminders tick``) are in ``jobs.commands``.
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp.extensions import db
from webapp.models import Role
from webapp.services import accounts, library, twofactor
from webapp.services import demo as demo_data
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


@click.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor(email: str) -> None:
    """Turn off a staff member's two-factor sign-in (they set it up again at next sign-in)."""
    user = accounts.find_by_login(db.session, email)
    if user is None or user.is_patient:
        click.echo(f"No admin or therapist signs in as {email}.", err=True)
        raise SystemExit(1)
    twofactor.reset(db.session, None, user)
    db.session.commit()
    click.echo(f"Two-factor sign-in of {user.login} is reset; they are signed out everywhere.")


library_cli = click.Group("library", help="The built-in exercise library and templates.")


@library_cli.command("sync")
@with_appcontext
def library_sync() -> None:
    """Load or update the shipped exercises and templates (clinic changes are kept)."""
    report = library.sync_builtin(db.session)
    db.session.commit()
    click.echo(f"Library: {report}.")


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo clinic (safe to run again: nothing changes the second time)."""
    library.sync_builtin(db.session)
    created = demo_data.load(db.session, clinic_timezone=current_app.config["CLINIC_TIMEZONE"])
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")
    click.echo(demo_data.logins_text(current_app.config["STAFF_TWO_FACTOR"]))


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (
        create_admin,
        create_therapist,
        demo,
        library_cli,
        reset_two_factor,
    ):
        app.cli.add_command(command)
