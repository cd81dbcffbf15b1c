"""Two-factor rules with a controlled clock: who is asked, and codes that count once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory
from webapp.models import AuditEvent, Role
from webapp.services import twofactor
from webapp.services.errors import ValidationError
from webapp.services.twofactor import Policy

NOON = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("role", "policy", "asked"),
    [
        (Role.ADMIN, Policy.ALL, True),
        (Role.ADMIN, Policy.ADMINS, True),
        (Role.ADMIN, Policy.OFF, False),
        (Role.THERAPIST, Policy.ALL, True),
        (Role.THERAPIST, Policy.ADMINS, False),
        (Role.THERAPIST, Policy.OFF, False),
        (Role.PATIENT, Policy.ALL, False),
    ],
)
def test_who_must_use_a_second_factor(
    make: Factory, role: Role, policy: Policy, asked: bool
) -> None:
    assert twofactor.asks(make.user(role), policy) is asked


def test_a_patient_cannot_set_one_up(make: Factory, session: Session) -> None:
    secret = twofactor.new_secret()
    with pytest.raises(ValueError):
        twofactor.enrol(session, make.patient(), secret, pyotp.TOTP(secret).at(NOON), now=NOON)


def test_codes_count_once_and_never_go_back_in_time(make: Factory, session: Session) -> None:
    therapist = make.therapist()
    secret = twofactor.new_secret()
    totp = pyotp.TOTP(secret)
    twofactor.enrol(session, therapist, secret, totp.at(NOON), now=NOON)
    # The code that set it up is spent already.
    with pytest.raises(ValidationError) as reused:
        twofactor.check_code(session, therapist, totp.at(NOON), now=NOON + timedelta(seconds=5))
    assert reused.value.first("code") == twofactor.REUSED_CODE

    later = NOON + timedelta(minutes=5)
    assert twofactor.check_code(session, therapist, totp.at(later), now=later).ok
    with pytest.raises(ValidationError):
        twofactor.check_code(session, therapist, totp.at(later), now=later)
    # A phone 30 s behind: the previous step's code is fine once, but not after a newer one.
    after = later + timedelta(seconds=60)
    behind = after - timedelta(seconds=30)
    assert twofactor.check_code(session, therapist, totp.at(behind), now=after).ok
    with pytest.raises(ValidationError):
        twofactor.check_code(session, therapist, totp.at(after - timedelta(seconds=60)), now=after)
    # Too far off is just wrong.
    with pytest.raises(ValidationError) as wrong:
        twofactor.check_code(session, therapist, totp.at(after + timedelta(minutes=3)), now=after)
    assert wrong.value.first("code") == twofactor.WRONG_CODE


def test_recovery_codes_are_single_use(make: Factory, session: Session) -> None:
    admin = make.admin()
    secret = twofactor.new_secret()
    codes = twofactor.enrol(session, admin, secret, pyotp.TOTP(secret).at(NOON), now=NOON)
    assert len(codes) == len(set(codes)) == 10
    check = twofactor.check_code(session, admin, codes[3], now=NOON)
    assert check.ok and check.used_recovery_code and check.recovery_codes_left == 9
    with pytest.raises(ValidationError):
        twofactor.check_code(session, admin, codes[3], now=NOON)
    assert twofactor.recovery_codes_left(session, admin) == 9


def test_an_admin_cannot_reset_their_own(make: Factory, session: Session) -> None:
    admin = make.admin()
    secret = twofactor.new_secret()
    twofactor.enrol(session, admin, secret, pyotp.TOTP(secret).at(NOON), now=NOON)
    with pytest.raises(ValidationError):
        twofactor.reset(session, admin, admin)
    assert admin.has_two_factor


def test_the_server_command_resets_a_lone_admin(
    app: Flask, make: Factory, session: Session
) -> None:
    admin = make.admin()
    secret = twofactor.new_secret()
    twofactor.enrol(session, admin, secret, pyotp.TOTP(secret).at(NOON), now=NOON)
    token = admin.session_token
    result = app.test_cli_runner().invoke(args=["reset-two-factor", admin.login or ""])
    assert result.exit_code == 0, result.output
    session.refresh(admin)
    assert not admin.has_two_factor and admin.session_token != token
    assert twofactor.recovery_codes_left(session, admin) == 0
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.two_factor_reset"))
    assert event is not None and event.actor_id is None
    assert event.detail == f"{admin.id} (from the command line)"

    patient = make.patient()
    refused = app.test_cli_runner().invoke(args=["reset-two-factor", patient.login or ""])
    assert refused.exit_code == 1
