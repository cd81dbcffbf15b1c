"""Web Push subscriptions, what patients chose to be reminded of, and each reminder sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, utcnow


class PushSubscription(Base):
    """One browser or phone that accepts push messages for a user.

    ``device_hash`` is the SHA-256 of a random key kept in that browser's HttpOnly device
    cookie: it is how the server knows "this device" at sign-out, at someone else's
    sign-in, and when the service worker renews the subscription with no page open.
    """

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(String(120))
    auth: Mapped[str] = mapped_column(String(40))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    device_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None]


class ReminderSettings(Base):
    """What a patient wants to be reminded of, and when nothing may disturb them."""

    __tablename__ = "reminder_settings"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    exercise_on: Mapped[bool] = mapped_column(default=True)
    # Local times "HH:MM"; empty means "from the program" (08:00, 18:00 ... by times a day).
    exercise_times: Mapped[list[str]] = mapped_column(JSON, default=list)
    checkin_on: Mapped[bool] = mapped_column(default=True)
    checkin_time: Mapped[str] = mapped_column(String(5), default="20:00")
    visit_on: Mapped[bool] = mapped_column(default=True)
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:30")
    quiet_end: Mapped[str] = mapped_column(String(5), default="07:30")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderRule(Base):
    """A repeating reminder at a local time on some weekdays, made from the settings."""

    __tablename__ = "reminder_rules"
    __table_args__ = (Index("ix_reminder_rules_next", "next_materialize_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # exercise / checkin
    local_time: Mapped[str] = mapped_column(String(5))
    weekdays: Mapped[int] = mapped_column(default=0b1111111)
    # Occurrences exist up to this local date; the next pass is due at ``next_materialize_at``.
    materialized_through: Mapped[date | None]
    next_materialize_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderOccurrence(Base):
    """One reminder due at one moment, sent at most once (its key is its identity).

    ``key`` doubles as the Web Push ``Topic`` and the notification ``tag``: if a crash makes
    it go out twice, the phone replaces the first with the second instead of stacking them.
    """

    __tablename__ = "reminder_occurrences"
    __table_args__ = (
        Index("ix_reminder_occurrences_due", "status", "next_attempt_at"),
        Index("ix_reminder_occurrences_user_date", "user_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    # Who receives it: a patient (reminders) or a therapist (alerts pushed to them).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminder_rules.id", ondelete="SET NULL")
    )
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE")
    )
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    # A new message's notification: the lock screen names the clinic, never the message.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(
        String(12)
    )  # exercise/checkin/visit/snooze/test/alert/message
    local_date: Mapped[date]
    due_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    # pending -> sending -> sent | inapp (no device) | skipped | failed
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    skip_reason: Mapped[str] = mapped_column(String(40), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_to: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
