"""A therapist's saved answers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from webapp.models import QuickReply, User
from webapp.services import errors
from webapp.services.db import Db
from webapp.services.errors import NotFound, ValidationError
from webapp.services.languages import N_
from webapp.services.messages.text import clean

MAX_CHARS = 500
MAX_REPLIES = 30


def of(session: Db, therapist: User) -> Sequence[QuickReply]:
    """Return the therapist's quick replies, oldest first."""
    return session.scalars(
        select(QuickReply).where(QuickReply.therapist_id == therapist.id).order_by(QuickReply.id)
    ).all()


def add(session: Db, therapist: User, text: str) -> QuickReply:
    """Save a quick reply."""
    if not therapist.is_therapist:
        raise NotFound()
    cleaned = clean(text, max_chars=MAX_CHARS, field="text")
    count = session.scalar(
        select(func.count()).select_from(QuickReply).where(QuickReply.therapist_id == therapist.id)
    )
    if (count or 0) >= MAX_REPLIES:
        raise ValidationError(
            errors.text(N_("You can keep up to %(num)s quick replies."), num=MAX_REPLIES), "text"
        )
    reply = QuickReply(therapist_id=therapist.id, text=cleaned)
    session.add(reply)
    session.flush()
    return reply


def get(session: Db, therapist: User, reply_id: int) -> QuickReply:
    """Return one of the therapist's own quick replies, or raise NotFound."""
    reply = session.get(QuickReply, reply_id)
    if reply is None or reply.therapist_id != therapist.id:
        raise NotFound()
    return reply


def remove(session: Db, therapist: User, reply_id: int) -> None:
    """Delete one of the therapist's quick replies."""
    session.delete(get(session, therapist, reply_id))
