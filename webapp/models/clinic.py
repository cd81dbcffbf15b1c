"""The therapist's side: alert settings and private notes about a patient."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.accounts import User
from webapp.models.base import Base, utcnow


class TherapistSettings(Base):
    """When a therapist wants to hear about a patient."""

    __tablename__ = "therapist_settings"

    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    inactivity_days: Mapped[int] = mapped_column(default=3)
    pain_threshold: Mapped[int] = mapped_column(default=8)
    push_alerts: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatientAlertSettings(Base):
    """A therapist's limits for one patient, over their own defaults (e.g. usual pain 7-8)."""

    __tablename__ = "patient_alert_settings"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    pain_threshold: Mapped[int]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TherapistNote(Base):
    """A private, timestamped note about a patient; never shown to the patient."""

    __tablename__ = "therapist_notes"
    __table_args__ = (Index("ix_therapist_notes_patient_at", "patient_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
