"""Alembic environment: migrate the database the Flask app is configured for."""

from __future__ import annotations

import logging

from alembic import context
from flask import current_app

import webapp.models  # noqa: F401  (registers every table on the metadata)
from webapp.models.base import Base, UTCDateTime

log = logging.getLogger("alembic.env")
config = context.config
engine = current_app.extensions["migrate"].db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def _skip_empty_autogenerate(context_, revision, directives):  # type: ignore[no-untyped-def]
    # "flask db migrate" with no model change should not write an empty revision.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def _render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    # Migrations must not import app code that may change later: write our UTC column
    # type as the plain SQLAlchemy type it stores into.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_offline() -> None:
    """Write the SQL instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run the migrations against the app's database."""
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", _skip_empty_autogenerate)
    options.setdefault("render_item", _render_item)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
