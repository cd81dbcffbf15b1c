"""Emails waiting to go out, and what happened to each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base, utcnow


class OutboundEmail(Base):
    """One email queued by a request or a job, and sent by the scheduler exactly once.

    A request only adds a row; the scheduler claims due rows under a lease, commits the
    claim, then talks SMTP. ``key`` makes the same email impossible to queue twice and is
    part of the ``Message-ID``, so a resend after a crash is recognisable as the same email.

    An email carrying a sign-in link keeps ``invite_id`` and a ``{link}`` placeholder, not
    the link: the link is rebuilt with the secret key at send time, so neither a leaked
    database nor a queued email can sign anyone in.
    """

    __tablename__ = "outbound_emails"
    __table_args__ = (
        Index("ix_outbound_emails_due", "status", "next_attempt_at"),
        Index("ix_outbound_emails_user_kind", "user_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # reset / invite / message / summary / test
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Extra headers, e.g. List-Unsubscribe on the weekly summary.
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # pending -> sending -> sent | failed | skipped
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailPreference(Base):
    """What a person chose to receive by email (no row: the defaults)."""

    __tablename__ = "email_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # The weekly "who needs you" summary to a therapist: on unless they turned it off.
    weekly_summary: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
