"""Two-factor sign-in for staff: a TOTP app on their phone, and single-use recovery codes.

Who is asked is decided here, once (``asks`` / ``required``): patients never; admins
always unless the clinic turned two-factor off altogether (the laptop demo); therapists
when the clinic's policy says "all" (the default). A code is accepted once: the time-step
of the last accepted code is kept, and a code of that step or an earlier one is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import pyotp
from pyotp.exceptions import OTPVerificationError
from sqlalchemy import delete, select, update

from webapp.models import RecoveryCode, Role, User, new_session_token, utcnow
from webapp.services import audit, passwords
from webapp.services.db import Db
from webapp.services.errors import ValidationError
from webapp.services.languages import N_

RECOVERY_CODES = 10
# Lower-case letters and digits without the ones people misread (0/o, 1/l/i).
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
# A phone's clock may be a little off: the code of the step before or after is accepted.
_VALID_WINDOW = 1

WRONG_CODE = N_(
    "That code did not work. Type the 6 digits your authenticator app shows now, "
    "or one of your recovery codes."
)
REUSED_CODE = N_("That code was already used. Please wait for the next code on your phone.")
SETUP_WRONG_CODE = N_(
    "That code did not work. Check that your phone's clock is right, and type the "
    "6 digits the app shows now."
)


class Policy(StrEnum):
    """Which staff the clinic asks for a second factor."""

    ALL = "all"  # admins and therapists (the default)
    ADMINS = "admins"  # admins only
    OFF = "off"  # nobody: only for the laptop demo


def required(user: User, policy: Policy) -> bool:
    """Return True when this person must have a second factor to sign in."""
    if user.role is Role.ADMIN:
        return policy is not Policy.OFF
    if user.role is Role.THERAPIST:
        return policy is Policy.ALL
    return False


def asks(user: User, policy: Policy) -> bool:
    """Return True when signing in takes a second step for this person."""
    if user.role is Role.PATIENT:
        return False
    return user.has_two_factor or required(user, policy)


def new_secret() -> str:
    """Return a fresh TOTP secret (base32) for setting up an authenticator app."""
    return pyotp.random_base32()


def setup_uri(secret: str, *, account: str, issuer: str) -> str:
    """Return the otpauth:// address a QR code carries to the authenticator app."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    digits = "".join(code.split())
    if not (len(digits) == 6 and digits.isdigit()):
        return None
    try:
        step = pyotp.TOTP(secret).verify_and_get_timecode(
            digits, for_time=now, valid_window=_VALID_WINDOW
        )
    except OTPVerificationError:
        return None
    return step


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _normalize_recovery(code: str) -> str:
    raw = "".join(ch for ch in code.lower() if ch.isalnum())
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == _RECOVERY_LENGTH else ""


def _replace_recovery_codes(session: Db, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=passwords.hash_password(code)))
    return codes


def enrol(
    session: Db, user: User, secret: str, code: str, now: datetime | None = None
) -> list[str]:
    """Turn on two-factor sign-in once the app's first code matches; return recovery codes.

    The codes are returned once, to be shown once; only their hashes are kept.
    """
    if user.role is Role.PATIENT:
        raise ValueError("patients do not use two-factor sign-in")
    now = now or utcnow()
    step = _matching_step(secret, code, now)
    if step is None:
        raise ValidationError(SETUP_WRONG_CODE, "code")
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enrolled_at = now
    codes = _replace_recovery_codes(session, user)
    audit.record(session, user, "account.two_factor_on")
    return codes


@dataclass(frozen=True)
class CodeCheck:
    """What a code typed at sign-in turned out to be."""

    ok: bool
    used_recovery_code: bool = False
    recovery_codes_left: int = 0


def _accept_step(session: Db, user: User, step: int) -> bool:
    # One statement decides, so two sign-ins racing with the same code cannot both pass.
    result = session.execute(
        update(User)
        .where(User.id == user.id)
        .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    accepted = getattr(result, "rowcount", 0) == 1
    if accepted:
        user.totp_last_step = step
    return accepted


def _use_recovery_code(session: Db, user: User, code: str, now: datetime) -> bool:
    wanted = _normalize_recovery(code)
    if not wanted:
        return False
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if passwords.verify_password(row.code_hash, wanted):
            result = session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            session.refresh(row)
            return getattr(result, "rowcount", 0) == 1
    return False


def recovery_codes_left(session: Db, user: User) -> int:
    """Return how many recovery codes the person has not used yet."""
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def check_code(session: Db, user: User, code: str, now: datetime | None = None) -> CodeCheck:
    """Accept the authenticator's code or a recovery code, once; raise with what is wrong."""
    if user.totp_secret is None:
        raise ValueError("this person has no second factor set up")
    now = now or utcnow()
    step = _matching_step(user.totp_secret, code, now)
    if step is not None:
        if not _accept_step(session, user, step):
            raise ValidationError(REUSED_CODE, "code")
        audit.record(session, user, "account.sign_in_two_factor")
        return CodeCheck(ok=True)
    if _use_recovery_code(session, user, code, now):
        left = recovery_codes_left(session, user)
        audit.record(session, user, "account.sign_in_recovery_code", detail=f"{left} left")
        return CodeCheck(ok=True, used_recovery_code=True, recovery_codes_left=left)
    raise ValidationError(WRONG_CODE, "code")


def new_recovery_codes(
    session: Db, user: User, code: str, now: datetime | None = None
) -> list[str]:
    """Replace all recovery codes once the app's code proves the phone is at hand."""
    if user.totp_secret is None:
        raise ValueError("this person has no second factor set up")
    step = _matching_step(user.totp_secret, code, now or utcnow())
    if step is None:
        raise ValidationError(SETUP_WRONG_CODE, "code")
    if not _accept_step(session, user, step):
        raise ValidationError(REUSED_CODE, "code")
    codes = _replace_recovery_codes(session, user)
    audit.record(session, user, "account.recovery_codes_new")
    return codes


def reset(session: Db, by: User | None, staff: User) -> None:
    """Turn off a staff member's second factor so they set it up again at next sign-in.

    ``by`` is the admin who asked, or None from the server's command line (the one admin
    of a small clinic who lost their phone). The person is signed out everywhere: whoever
    holds the old phone holds nothing now.
    """
    if staff.role is Role.PATIENT:
        raise ValueError("patients do not use two-factor sign-in")
    if by is not None and staff.id == by.id:
        raise ValidationError(N_("Ask another admin to reset your own two-factor sign-in."))
    staff.totp_secret = None
    staff.totp_last_step = None
    staff.totp_enrolled_at = None
    staff.session_token = new_session_token()
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == staff.id))
    detail = str(staff.id) if by is not None else f"{staff.id} (from the command line)"
    audit.record(session, by, "staff.two_factor_reset", detail=detail)
