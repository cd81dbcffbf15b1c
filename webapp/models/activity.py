"""What a patient does between visits: completed exercises and daily check-ins."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow
from webapp.models.library import Exercise


class Completion(Base):
    """One exercise done in one daily slot (twice a day = slots 0 and 1).

    ``client_id`` is made by the phone (or the page) before sending, so a double tap or a
    retried request finds the first record instead of counting twice.
    """

    __tablename__ = "completions"
    __table_args__ = (
        Index("ix_completions_patient_date", "patient_id", "local_date"),
        # Counting a patient's live completions per day reads only this small index.
        Index(
            "ix_completions_live_day",
            "patient_id",
            "local_date",
            sqlite_where=text("undone_at IS NULL AND lineage IS NOT NULL"),
            postgresql_where=text("undone_at IS NULL AND lineage IS NOT NULL"),
        ),
        # At most one live completion per planned slot, whatever the client sent.
        Index(
            "uq_completions_live_slot",
            "patient_id",
            "lineage",
            "local_date",
            "slot",
            unique=True,
            sqlite_where=text("undone_at IS NULL AND lineage IS NOT NULL"),
            postgresql_where=text("undone_at IS NULL AND lineage IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The exact version of the program item done (None for self-care).
    program_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_items.id", ondelete="SET NULL")
    )
    lineage: Mapped[str | None] = mapped_column(String(32))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    source: Mapped[str] = mapped_column(String(10), default="plan")  # "plan" or "selfcare"
    local_date: Mapped[date]
    slot: Mapped[int] = mapped_column(default=0)
    pain_during: Mapped[int | None]
    difficulty: Mapped[str | None] = mapped_column(String(10))  # easy / right / hard
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]

    exercise: Mapped[Exercise] = relationship()


class CheckIn(Base):
    """The daily check-in: pain, where it hurts, stiffness, sleep, stress, warning signs."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("patient_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    local_date: Mapped[date]
    pain: Mapped[int]
    stiffness: Mapped[int | None]
    sleep: Mapped[str | None] = mapped_column(String(10))  # poor / fair / good
    stress: Mapped[int | None]
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    warning_signs: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """Something a therapist should look at: a red flag, rising pain, or silence."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_patient_status", "patient_id", "status"),
        # While one is open, the same alert is never raised twice.
        Index(
            "uq_alerts_open_kind",
            "patient_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(15), default="open")  # open / acknowledged
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    ack_note: Mapped[str] = mapped_column(Text, default="")
    # Set when the condition behind an acknowledged alert has cleared, so it may return.
    cleared_at: Mapped[datetime | None]


class Appointment(Base):
    """A booked visit at the clinic."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_patient_starts", "patient_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=60)
    place_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(15), default="booked")  # booked / cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
