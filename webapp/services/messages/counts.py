"""Unread messages, counted in one query however many patients there are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, select

from webapp.models import CareLink, Message, MessageRead, User
from webapp.services.db import Db


def _unread(reader_id: int) -> object:
    return ~exists().where(MessageRead.message_id == Message.id, MessageRead.reader_id == reader_id)


def unread_by_patient(
    session: Db, therapist: User, patient_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Return, per patient of the therapist, how many of their messages it has not read."""
    stmt = (
        select(Message.patient_id, func.count())
        .join(CareLink, CareLink.patient_id == Message.patient_id)
        .where(
            CareLink.therapist_id == therapist.id,
            Message.author_id == Message.patient_id,
            Message.withdrawn_at.is_(None),
            _unread(therapist.id),  # type: ignore[arg-type]
        )
        .group_by(Message.patient_id)
    )
    if patient_ids is not None:
        stmt = stmt.where(Message.patient_id.in_(list(patient_ids)))
    return {patient_id: int(count) for patient_id, count in session.execute(stmt)}


def unread_total(session: Db, user: User) -> int:
    """Return how many messages the person has not read (a patient's or a therapist's)."""
    if user.is_therapist:
        return sum(unread_by_patient(session, user).values())
    if not user.is_patient:
        return 0
    count = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.patient_id == user.id,
            Message.author_id != user.id,
            Message.withdrawn_at.is_(None),
            _unread(user.id),  # type: ignore[arg-type]
        )
    )
    return int(count or 0)


@dataclass(frozen=True)
class InboxRow:
    """One patient's conversation in a therapist's list."""

    patient: User
    latest_at: datetime
    unread: int
    awaiting: int


def inbox(session: Db, therapist: User) -> list[InboxRow]:
    """Return the therapist's patients who have written, those waiting for an answer first."""
    from_patient = and_(Message.author_id == Message.patient_id, Message.withdrawn_at.is_(None))
    unread = and_(from_patient, _unread(therapist.id))  # type: ignore[arg-type]
    awaiting = and_(from_patient, Message.handled_at.is_(None))
    stmt = (
        select(
            Message.patient_id,
            func.max(Message.created_at),
            func.sum(case((unread, 1), else_=0)),
            func.sum(case((awaiting, 1), else_=0)),
        )
        .join(CareLink, CareLink.patient_id == Message.patient_id)
        .where(CareLink.therapist_id == therapist.id)
        .group_by(Message.patient_id)
    )
    found = session.execute(stmt).all()
    people = {
        u.id: u for u in session.scalars(select(User).where(User.id.in_([row[0] for row in found])))
    }
    rows = [
        InboxRow(people[pid], latest, int(n_unread or 0), int(n_awaiting or 0))
        for pid, latest, n_unread, n_awaiting in found
        if pid in people
    ]
    return sorted(rows, key=lambda r: (r.awaiting == 0, -r.latest_at.timestamp()))
