"""Recording who viewed or changed which patient's data."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.models import AuditEvent, User
from webapp.services.db import Db


def record(
    session: Db,
    actor: User | None,
    action: str,
    *,
    patient: User | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add an audit event to the session (the caller commits it with its own work)."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        patient_id=patient.id if patient else None,
        action=action,
        detail=detail[:2000],
    )
    session.add(event)
    return event


def recent_events(
    session: Db,
    *,
    limit: int = 200,
    before_id: int | None = None,
    patient_id: int | None = None,
) -> Sequence[AuditEvent]:
    """Return the newest audit events first, optionally for one patient."""
    stmt = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.patient))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    if patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == patient_id)
    return session.scalars(stmt).all()
