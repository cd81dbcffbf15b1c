"""Settings read from environment variables, with safe defaults.

Every setting is listed in the README. Secrets that are not given are generated on the
first run and kept under the instance folder, never written in the code.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from webapp.instance import instance_secret
from webapp.push.endpoints import DEFAULT_PUSH_SERVICE_HOSTS, parse_hosts
from webapp.services import languages
from webapp.services.twofactor import Policy


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_positive(name: str, default: int) -> int:
    value = _env_int(name, default)
    if value < 1:
        raise RuntimeError(f"{name} must be 1 or more, got {value}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config from the environment (``overrides`` win, e.g. in tests)."""
    overrides = overrides or {}
    db_url = (
        overrides.get("SQLALCHEMY_DATABASE_URI")
        or os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance_path / 'between-visits.db'}"
    )
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 spelled out.
    if db_url.startswith("postgres://"):
        db_url = "postgresql+psycopg://" + db_url.removeprefix("postgres://")
    elif db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url.removeprefix("postgresql://")

    clinic_tz = os.environ.get("CLINIC_TIMEZONE", "Europe/London")
    try:
        ZoneInfo(clinic_tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"CLINIC_TIMEZONE {clinic_tz!r} is not a known time zone") from exc

    clinic_language = os.environ.get("CLINIC_LANGUAGE", languages.DEFAULT).strip().lower()
    if not languages.is_supported(clinic_language):
        known = ", ".join(languages.SUPPORTED)
        raise RuntimeError(f"CLINIC_LANGUAGE must be one of {known}, got {clinic_language!r}")

    secret_key = (
        overrides.get("SECRET_KEY")
        or os.environ.get("SECRET_KEY")
        or instance_secret(instance_path, "secret_key", lambda: secrets.token_hex(32))
    )
    backup_time = os.environ.get("BACKUP_TIME", "03:00").strip()
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", backup_time):
        raise RuntimeError(f"BACKUP_TIME must be a time like 03:00, got {backup_time!r}")
    remember_days = _env_int("REMEMBER_DAYS", 30)
    two_factor = os.environ.get("STAFF_TWO_FACTOR", "all").strip().lower() or "all"
    if two_factor not in {p.value for p in Policy}:
        raise RuntimeError(f"STAFF_TWO_FACTOR must be all, admins or off, got {two_factor!r}")
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "CLINIC_NAME": os.environ.get("CLINIC_NAME", "Riverside Massage Therapy"),
        "CLINIC_TIMEZONE": clinic_tz,
        "CLINIC_PHONE": os.environ.get("CLINIC_PHONE", ""),
        # The language of a person who has not chosen one and whose browser asks for none
        # the app speaks.
        "CLINIC_LANGUAGE": clinic_language,
        "BABEL_DEFAULT_LOCALE": clinic_language,
        # Empty: the warning-sign advice says "your local emergency number", never a wrong one.
        "EMERGENCY_NUMBER": os.environ.get("EMERGENCY_NUMBER", "").strip(),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "").rstrip("/"),
        "INVITE_TTL_DAYS": _env_int("INVITE_TTL_DAYS", 7),
        # After discharge a patient may still read their history and download it this long.
        "DISCHARGE_ACCESS_DAYS": _env_int("DISCHARGE_ACCESS_DAYS", 90),
        "REMEMBER_COOKIE_DURATION": timedelta(days=remember_days),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_NAME": "bv_remember",
        "SESSION_COOKIE_NAME": "bv_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # "Secure" is added per response unless the request is plain HTTP on loopback
        # (see web.security), so one setting serves a laptop and a clinic server.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # Staff: who needs a second factor, and when a session on a shared clinic computer
        # ends by itself (patients on their own phones are not affected).
        "STAFF_TWO_FACTOR": Policy(two_factor),
        "STAFF_IDLE_TIMEOUT": timedelta(minutes=_env_positive("STAFF_IDLE_MINUTES", 30)),
        "STAFF_SESSION_MAX": timedelta(hours=_env_positive("STAFF_MAX_HOURS", 12)),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_HEADERS": ["X-CSRFToken"],
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        # A moving window: ten tries are ten tries, not twenty across a minute boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes"),
        "INVITE_RATE_LIMIT": os.environ.get("INVITE_RATE_LIMIT", "10 per minute;60 per hour"),
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        "MEDIA_FOLDER": os.environ.get("MEDIA_FOLDER", str(instance_path / "media")),
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_MB", 25) * 1024 * 1024,
        "VAPID_PRIVATE_KEY": os.environ.get("VAPID_PRIVATE_KEY", ""),
        "VAPID_SUBJECT": os.environ.get("VAPID_SUBJECT", ""),
        # Only for tests and local development: lets pushes go to a push service on loopback.
        "PUSH_ALLOW_HTTP_LOOPBACK": _env_bool("PUSH_ALLOW_HTTP_LOOPBACK", False),
        "PUSH_SERVICE_HOSTS": parse_hosts(
            os.environ.get("PUSH_SERVICE_HOSTS") or ",".join(DEFAULT_PUSH_SERVICE_HOSTS)
        ),
        "PUSH_TEST_RATE_LIMIT": os.environ.get("PUSH_TEST_RATE_LIMIT", "5 per minute;20 per hour"),
        "PUSH_RENEW_RATE_LIMIT": os.environ.get(
            "PUSH_RENEW_RATE_LIMIT", "10 per minute;50 per hour"
        ),
        "PUSH_WORKERS": _env_int("PUSH_WORKERS", 32),
        "PUSH_TIMEOUT_SECONDS": _env_int("PUSH_TIMEOUT_SECONDS", 10),
        "EMBEDDED_SCHEDULER": _env_bool("EMBEDDED_SCHEDULER", True),
        "REMINDER_BATCH": _env_int("REMINDER_BATCH", 500),
        "REMINDER_LEASE_SECONDS": _env_int("REMINDER_LEASE_SECONDS", 60),
        "SCHEDULER_TICK_SECONDS": _env_int("SCHEDULER_TICK_SECONDS", 5),
        "SEND_FILE_MAX_AGE_DEFAULT": timedelta(days=365),
        # Empty: no nightly backup (``flask backup --to FOLDER`` still works).
        "BACKUP_FOLDER": os.environ.get("BACKUP_FOLDER", "").strip(),
        "BACKUP_TIME": backup_time,
        "BACKUP_KEEP_DAILY": _env_int("BACKUP_KEEP_DAILY", 7),
        "BACKUP_KEEP_WEEKLY": _env_int("BACKUP_KEEP_WEEKLY", 4),
        "PG_BIN_DIR": os.environ.get("PG_BIN_DIR", "").strip(),
        # Email is off unless MAIL_SERVER and MAIL_FROM are set.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip(),
        "MAIL_PORT": _env_int("MAIL_PORT", 587),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", True),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "").strip(),
        "RESET_TTL_MINUTES": _env_int("RESET_TTL_MINUTES", 60),
        "RESET_RATE_LIMIT": os.environ.get("RESET_RATE_LIMIT", "5 per 15 minutes;20 per day"),
        "EMAIL_TICK_SECONDS": _env_int("EMAIL_TICK_SECONDS", 15),
        "MESSAGE_MAX_CHARS": _env_int("MESSAGE_MAX_CHARS", 2000),
        "MESSAGES_PER_HOUR": _env_int("MESSAGES_PER_HOUR", 20),
        "MESSAGE_ANSWER_TIME": os.environ.get("MESSAGE_ANSWER_TIME", "1 working day").strip(),
        "EMERGENCY_PHONE": os.environ.get("EMERGENCY_PHONE", "").strip(),
        "MESSAGE_EMAIL_AFTER_MINUTES": _env_int("MESSAGE_EMAIL_AFTER_MINUTES", 60),
    }
