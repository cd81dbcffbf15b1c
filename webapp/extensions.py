"""Flask extensions, created unbound and bound to the app in the factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import Engine, event

from webapp.models.base import Base
from webapp.services import accounts, passwords
from webapp.services.reminders.gateway import PushGateway, PushSettings

db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
htmx = Htmx()

_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def init_app(app: Flask) -> None:
    """Bind every extension to the app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", _MIGRATIONS)))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    cost = app.config.get("ARGON2_COST")
    if cost:
        passwords.configure(time_cost=cost[0], memory_cost_kib=cost[1])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _tune_sqlite(db.engine)


def _tune_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; take it over as the
    # SQLAlchemy docs describe. Wait for locks instead of failing at once, and use WAL so
    # readers never block the scheduler's writes.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def push_gateway(app: Flask) -> PushGateway:
    """Return the app's way to Web Push (made on first use, then kept for the process)."""
    gateway: PushGateway | None = app.extensions.get("push_gateway")
    if gateway is None:

        def admin_email() -> str | None:
            with app.app_context():
                return accounts.first_admin_email(db.session)

        gateway = PushGateway(PushSettings.from_config(app.config, app.instance_path), admin_email)
        app.extensions["push_gateway"] = gateway
    return gateway
