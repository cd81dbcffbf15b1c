"""The therapist's pages: patients, one patient's page, alerts, visits, reports, invites."""

from __future__ import annotations

# Each module registers its views on the blueprint.
from webapp.web.therapist import (
    alerts,
    detail,
    discharge,
    flare,
    invites,
    messages,
    outcomes,
    patients,
    reports,
    visits,
)
from webapp.web.therapist.blueprint import bp

__all__ = [
    "alerts",
    "bp",
    "detail",
    "discharge",
    "flare",
    "invites",
    "messages",
    "outcomes",
    "patients",
    "reports",
    "visits",
]
