"""The therapist's program builder."""

from __future__ import annotations

# Each module registers its views on the blueprint.
from webapp.web.programs import builder, items
from webapp.web.programs.blueprint import bp

__all__ = ["bp", "builder", "items"]
