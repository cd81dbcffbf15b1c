"""A patient's conversation with their care team: write, read, take back, mark handled.

Only the patient and the therapists linked to them take part (``care.can_view_patient``);
anyone else is told the conversation does not exist.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webapp.models import Exercise, Message, MessageRead, User, utcnow
from webapp.services import audit, care, languages
from webapp.services.db import Db
from webapp.services.errors import NotFound, ValidationError
from webapp.services.languages import N_
from webapp.services.messages import notify
from webapp.services.messages.text import clean

TAKE_BACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Limits:
    """How long a message may be, and how many one person may send in a conversation an hour.

    Per conversation, so a therapist answering many patients is never held back.
    """

    max_chars: int = 2000
    per_hour: int = 20


@dataclass
class Shown:
    """One message as a participant sees it."""

    message: Message
    author_name: str
    mine: bool
    exercise_title: str | None
    read_by: list[tuple[str, datetime]] = field(default_factory=list)
    can_take_back: bool = False


def _check_access(session: Db, viewer: User, patient: User) -> None:
    if not care.can_view_patient(session, viewer, patient):
        raise NotFound()


def send(
    session: Db,
    author: User,
    patient: User,
    body: str,
    *,
    limits: Limits,
    exercise_id: int | None = None,
    client_id: str | None = None,
    now: datetime | None = None,
) -> Message:
    """Add a message to the patient's conversation (the same ``client_id`` counts once)."""
    _check_access(session, author, patient)
    now = now or utcnow()
    if client_id:
        earlier = session.scalar(select(Message).where(Message.client_id == client_id[:64]))
        if earlier is not None and earlier.author_id == author.id:
            return earlier
    text = clean(body, max_chars=limits.max_chars)
    sent = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.author_id == author.id,
            Message.patient_id == patient.id,
            Message.created_at > now - timedelta(hours=1),
        )
    )
    if (sent or 0) >= limits.per_hour:
        raise ValidationError(
            N_(
                "You have sent a lot of messages in the last hour. Please wait a little before "
                "sending another, or call the clinic."
            ),
            "body",
            code="rate_limited",
        )
    exercise = session.get(Exercise, exercise_id) if exercise_id else None
    if author.is_therapist:
        # An answer handles what the patient wrote before it.
        _handle(session, patient, now)
    message = Message(
        patient_id=patient.id,
        author_id=author.id,
        body=text,
        exercise_id=exercise.id if exercise else None,
        client_id=client_id[:64] if client_id else None,
        created_at=now,
    )
    session.add(message)
    session.flush()
    notify.queue_pushes(session, message, patient, now=now)
    audit.record(session, author, "message.send", patient=patient, detail=f"message {message.id}")
    return message


def show(session: Db, viewer: User, patient: User, *, now: datetime | None = None) -> list[Shown]:
    """Return the conversation, oldest first, and record that the viewer has read it."""
    _check_access(session, viewer, patient)
    now = now or utcnow()
    messages = list(
        session.scalars(
            select(Message).where(Message.patient_id == patient.id).order_by(Message.id)
        )
    )
    ids = [m.id for m in messages]
    reads: dict[int, list[MessageRead]] = defaultdict(list)
    if ids:
        for read in session.scalars(select(MessageRead).where(MessageRead.message_id.in_(ids))):
            reads[read.message_id].append(read)
    people = _people(
        session,
        {m.author_id for m in messages} | {r.reader_id for rs in reads.values() for r in rs},
    )
    # Exercise titles in the viewer's own language (they are the one reading).
    titles = _titles(
        session, {m.exercise_id for m in messages if m.exercise_id}, languages.of(viewer.language)
    )
    shown: list[Shown] = []
    unread: list[int] = []
    for message in messages:
        mine = message.author_id == viewer.id
        if message.withdrawn_at is not None and not mine:
            continue
        receipts = sorted(reads[message.id], key=lambda r: r.read_at)
        if (
            not mine
            and message.withdrawn_at is None
            and all(r.reader_id != viewer.id for r in receipts)
        ):
            unread.append(message.id)
        shown.append(
            Shown(
                message=message,
                author_name=_name(people.get(message.author_id or 0)),
                mine=mine,
                exercise_title=titles.get(message.exercise_id or 0),
                read_by=[(_name(people.get(r.reader_id)), r.read_at) for r in receipts],
                can_take_back=mine and _can_take_back(message, receipts, now),
            )
        )
    _record_reads(session, viewer, unread, now)
    audit.record(session, viewer, "message.view", patient=patient)
    return shown


def _record_reads(session: Db, reader: User, message_ids: list[int], now: datetime) -> None:
    # The same person reading in two tabs at once must not fail: a receipt exists once.
    if not message_ids:
        return
    rows = [{"message_id": m, "reader_id": reader.id, "read_at": now} for m in message_ids]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(MessageRead)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["message_id", "reader_id"])
    )


def _name(user: User | None) -> str:
    return user.display_name if user is not None else "Someone who has left"


def _people(session: Db, ids: set[int | None]) -> dict[int, User]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def _titles(session: Db, ids: set[int | None], language: str) -> dict[int, str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    found = session.scalars(select(Exercise).where(Exercise.id.in_(wanted)))
    return {exercise.id: exercise.text(language).title for exercise in found}


def _can_take_back(message: Message, receipts: list[MessageRead], now: datetime) -> bool:
    return message.withdrawn_at is None and not receipts and now - message.created_at < TAKE_BACK


def take_back(
    session: Db, author: User, message_id: int, *, now: datetime | None = None
) -> Message:
    """Withdraw one's own message while it is unread and under 5 minutes old."""
    now = now or utcnow()
    message = session.get(Message, message_id)
    if message is None or message.author_id != author.id:
        raise NotFound()
    receipts = list(
        session.scalars(select(MessageRead).where(MessageRead.message_id == message.id))
    )
    if not _can_take_back(message, receipts, now):
        raise ValidationError(
            N_(
                "This message can no longer be taken back: it has been read, or was sent more "
                "than 5 minutes ago."
            )
        )
    message.withdrawn_at = now
    message.body = ""
    patient = session.get(User, message.patient_id)
    audit.record(
        session, author, "message.take_back", patient=patient, detail=f"message {message.id}"
    )
    return message


def mark_handled(
    session: Db, therapist: User, patient: User, *, now: datetime | None = None
) -> int:
    """Mark what the patient wrote as handled (answered another way); return how many."""
    if not therapist.is_therapist:
        raise NotFound()
    _check_access(session, therapist, patient)
    count = _handle(session, patient, now or utcnow())
    audit.record(session, therapist, "message.handled", patient=patient)
    return count


def _handle(session: Db, patient: User, now: datetime) -> int:
    result = session.execute(
        update(Message)
        .where(
            Message.patient_id == patient.id,
            Message.author_id == patient.id,
            Message.handled_at.is_(None),
            Message.withdrawn_at.is_(None),
        )
        .values(handled_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def awaiting_answer(messages: list[Shown]) -> bool:
    """Return True when the patient wrote something nobody has answered or handled."""
    return any(
        s.message.author_id == s.message.patient_id
        and s.message.handled_at is None
        and s.message.withdrawn_at is None
        for s in messages
    )
