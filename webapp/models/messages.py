"""Secure messages: one conversation per patient with everyone who cares for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.accounts import User
from webapp.models.base import Base, utcnow


class Message(Base):
    """One message in a patient's conversation, written by the patient or a therapist.

    The conversation is the patient's: ``patient_id`` names it, whoever wrote the message.
    ``client_id`` is what makes a message written offline count once when it is sent.
    """

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_patient_created", "patient_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    # The exercise a patient asked about, when they asked from its page or the player.
    exercise_id: Mapped[int | None] = mapped_column(ForeignKey("exercises.id", ondelete="SET NULL"))
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Taken back by its author before anyone read it; the text is gone.
    withdrawn_at: Mapped[datetime | None]
    # A patient's message a therapist answered or marked as handled.
    handled_at: Mapped[datetime | None]

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class MessageRead(Base):
    """One person having read one message (the patient, or each therapist)."""

    __tablename__ = "message_reads"
    __table_args__ = (UniqueConstraint("message_id", "reader_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    reader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)

    reader: Mapped[User] = relationship(foreign_keys=[reader_id])


class QuickReply(Base):
    """A therapist's saved answer, to send again with one tap."""

    __tablename__ = "quick_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
