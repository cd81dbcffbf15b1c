"""The jobs themselves: each opens its own transaction and calls services."""

from __future__ import annotations

from webapp.extensions import db
from webapp.services import housekeeping as housekeeping_service


def housekeeping() -> None:
    """Delete expired invite links and other data past its keeping time."""
    housekeeping_service.purge_expired_invites(db.session)
    db.session.commit()
