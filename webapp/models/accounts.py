"""People and the links between them: users, care links and invites."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow


class Role(StrEnum):
    """What a person is to the clinic."""

    PATIENT = "patient"
    THERAPIST = "therapist"
    ADMIN = "admin"


def new_session_token() -> str:
    """Return a fresh random token that names the current set of valid sessions."""
    return secrets.token_hex(16)


class User(Base):
    """Anyone who can sign in: a patient, a therapist or a clinic admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    # What the person types to sign in: an email address, or for a patient without
    # email a sign-in name they chose. Always stored lower-case.
    login: Mapped[str | None] = mapped_column(String(254), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64))
    # The language the person reads the app in (see services.languages); None: not chosen,
    # their browser's language or the clinic's default is used.
    language: Mapped[str | None] = mapped_column(String(10))
    # Part of every session's identity: changing it signs out every other session,
    # remember-me cookies included.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Staff two-factor sign-in (see services.twofactor): the TOTP secret once set up, and
    # the time-step of the last code accepted, so no code is ever accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    totp_enrolled_at: Mapped[datetime | None]
    # A patient's care ending (see services.discharge): discharged, they keep read access
    # until ``access_until``; then the account closes (``closed_at``, and not active).
    discharged_at: Mapped[datetime | None]
    access_until: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The patient asked the clinic to erase their record; the admin sees it.
    erasure_requested_at: Mapped[datetime | None]

    therapist_links: Mapped[list[CareLink]] = relationship(
        foreign_keys="CareLink.patient_id", back_populates="patient", cascade="all, delete-orphan"
    )

    # flask-login protocol -------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        """Return True: a loaded user is a signed-in user."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Return False: real users are never anonymous."""
        return False

    def get_id(self) -> str:
        """Return the session identity: the id plus the current session token."""
        return f"{self.id}.{self.session_token}"

    # -----------------------------------------------------------------------------
    @property
    def is_patient(self) -> bool:
        """Return True for a patient."""
        return self.role is Role.PATIENT

    @property
    def is_therapist(self) -> bool:
        """Return True for a therapist."""
        return self.role is Role.THERAPIST

    @property
    def is_admin(self) -> bool:
        """Return True for a clinic admin."""
        return self.role is Role.ADMIN

    @property
    def is_discharged(self) -> bool:
        """Return True for a patient whose care at the clinic has ended (closed or not)."""
        return self.discharged_at is not None

    @property
    def is_closed(self) -> bool:
        """Return True once a discharged patient's account is closed."""
        return self.closed_at is not None

    @property
    def has_password(self) -> bool:
        """Return True once the person has chosen a password."""
        return self.password_hash is not None

    @property
    def has_two_factor(self) -> bool:
        """Return True once the person has set up two-factor sign-in."""
        return self.totp_secret is not None

    @property
    def first_name(self) -> str:
        """Return the first word of the display name, for a friendly greeting."""
        return self.display_name.split()[0] if self.display_name.strip() else self.display_name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class CareLink(Base):
    """A therapist caring for a patient; it grants the therapist access to the patient."""

    __tablename__ = "care_links"
    __table_args__ = (UniqueConstraint("therapist_id", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    therapist: Mapped[User] = relationship(foreign_keys=[therapist_id])
    patient: Mapped[User] = relationship(
        foreign_keys=[patient_id], back_populates="therapist_links"
    )


class InvitePurpose(StrEnum):
    """Why an invite link was issued."""

    INVITE = "invite"
    RESET = "reset"


class Invite(Base):
    """A single-use link that lets a person choose a password and sign in."""

    __tablename__ = "invites"
    __table_args__ = (Index("ix_invites_user_open", "user_id", "used_at", "voided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Only the SHA-256 of the token is kept: a leaked database cannot sign anyone in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[InvitePurpose] = mapped_column(
        Enum(
            InvitePurpose,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RecoveryCode(Base):
    """A single-use code that stands in for the phone's code once; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # argon2, like passwords: a leaked database gives no usable code.
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
