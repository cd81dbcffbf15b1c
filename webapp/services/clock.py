"""Time in the patient's own zone: their "today" is not the server's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from webapp.models import utcnow


def zone(name: str) -> ZoneInfo:
    """Return a time zone, falling back to UTC for an unknown name."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local_now(timezone: str, now: datetime | None = None) -> datetime:
    """Return the current time in a person's time zone."""
    return (now or utcnow()).astimezone(zone(timezone))


def local_today(timezone: str, now: datetime | None = None) -> date:
    """Return the current date where the person is."""
    return local_now(timezone, now).date()
