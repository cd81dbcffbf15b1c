"""Outcome measures: which questionnaire a patient is asked, when, and what they answered."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow


class OutcomeAssignment(Base):
    """One instrument a therapist asks a patient to answer, and its schedule.

    The schedule combines: once at the start (``at_start``), every ``every_weeks`` weeks
    from ``starts_on``, and the day before each booked visit (``before_visits``).
    ``activities`` are the PSFS activities the patient named in their first answer, so
    later answers rate the same ones.
    """

    __tablename__ = "outcome_assignments"
    __table_args__ = (
        # One live assignment per instrument and patient.
        Index(
            "uq_outcome_assignments_live",
            "patient_id",
            "instrument",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(20))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_on: Mapped[date]
    at_start: Mapped[bool] = mapped_column(default=True)
    every_weeks: Mapped[int | None]
    before_visits: Mapped[bool] = mapped_column(default=False)
    activities: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class OutcomeResponse(Base):
    """One answering of an instrument, for one occasion of its schedule.

    A response starts as a draft that keeps every answer saved so far (an interrupted
    questionnaire resumes where it stopped) and becomes ``complete`` with its score.
    """

    __tablename__ = "outcome_responses"
    __table_args__ = (
        UniqueConstraint("assignment_id", "occasion_on"),
        Index("ix_outcome_responses_patient", "patient_id", "instrument", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_assignments.id", ondelete="CASCADE")
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(20))
    instrument_version: Mapped[int] = mapped_column(default=1)
    occasion_on: Mapped[date]
    occasion: Mapped[str] = mapped_column(String(10), default="start")  # start/interval/visit
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft / complete
    local_date: Mapped[date]
    score: Mapped[float | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    answers: Mapped[list[OutcomeAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="OutcomeAnswer.item_key"
    )

    def values(self) -> dict[str, int | None]:
        """Return the answers by item key."""
        return {a.item_key: a.value for a in self.answers}

    def labels(self) -> dict[str, str]:
        """Return the patient's own item names (PSFS activities) by item key."""
        return {a.item_key: a.label for a in self.answers if a.label}


class OutcomeAnswer(Base):
    """One item's answer: its score on the item's scale, or None when skipped."""

    __tablename__ = "outcome_answers"
    __table_args__ = (UniqueConstraint("response_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("outcome_responses.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(120), default="")
    value: Mapped[int | None]
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[OutcomeResponse] = relationship(back_populates="answers")
