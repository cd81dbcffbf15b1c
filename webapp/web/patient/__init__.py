"""The patient's pages: today and the player, check-in, progress, self-care, settings, data."""

from __future__ import annotations

# Each module registers its views on the blueprint.
from webapp.web.patient import (
    checkin,
    downloads,
    flare,
    messages,
    outcomes,
    progress,
    selfcare,
    settings,
    today,
)
from webapp.web.patient.blueprint import bp

__all__ = [
    "bp",
    "checkin",
    "downloads",
    "flare",
    "messages",
    "outcomes",
    "progress",
    "selfcare",
    "settings",
    "today",
]
