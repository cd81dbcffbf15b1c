"""The clinic admin's pages."""

from __future__ import annotations

# Each module registers its views on the blueprint.
from webapp.web.admin import patient_record
from webapp.web.admin.routes import bp

__all__ = ["bp", "patient_record"]
