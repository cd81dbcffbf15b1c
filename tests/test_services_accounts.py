"""Accounts, passwords and invite links, at the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, Factory
from webapp.models import AuditEvent, Invite, InvitePurpose, Role, utcnow
from webapp.services import accounts, care, invites, passwords
from webapp.services.errors import ValidationError


@pytest.mark.parametrize(
    "candidate",
    ["short1", "password123", "Password2024!", "1234567890", "qwertyuiop", "aaaaaaaaaaaa"],
)
def test_weak_passwords_are_refused(candidate: str) -> None:
    assert passwords.password_problems(candidate)


def test_a_long_uncommon_password_is_accepted() -> None:
    assert passwords.password_problems("blue kettle on the stove") == []


def test_password_containing_the_name_is_refused() -> None:
    problems = passwords.password_problems(
        "annalindqvist-rocks", personal=("Anna Lindqvist", "anna")
    )
    assert problems == ["Please don't use your name or sign-in name in your password."]


def test_hash_and_verify() -> None:
    hashed = passwords.hash_password("blue kettle on the stove")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "blue kettle on the stove")
    assert not passwords.verify_password(hashed, "blue kettle on the stove!")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not-a-hash", "anything")


def test_authenticate(session: Session, make: Factory) -> None:
    therapist = make.therapist(login="kim@clinic.example")
    assert accounts.authenticate(session, "  KIM@clinic.example ", PASSWORD) is therapist
    assert accounts.authenticate(session, "kim@clinic.example", "wrong password!") is None
    assert accounts.authenticate(session, "nobody@clinic.example", PASSWORD) is None
    therapist.is_active = False
    assert accounts.authenticate(session, "kim@clinic.example", PASSWORD) is None


def test_create_patient_links_and_issues_an_invite(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    created = accounts.create_patient(
        session,
        therapist,
        name="  Rosa   Diaz ",
        email="",
        timezone="Asia/Kolkata",
        invite_ttl_days=7,
    )
    patient = created.patient
    assert patient.display_name == "Rosa Diaz"
    assert patient.role is Role.PATIENT and patient.login is None and not patient.has_password
    assert care.is_linked(session, therapist.id, patient.id)
    check = invites.check(session, created.token)
    assert check.ok and check.invite is not None and check.invite.user is patient
    # Only the hash is stored.
    stored = session.scalars(select(Invite.token_hash)).all()
    assert created.token not in stored and invites.hash_token(created.token) in stored


def test_create_patient_reports_every_bad_field(session: Session, make: Factory) -> None:
    therapist = make.therapist(login="taken@clinic.example")
    with pytest.raises(ValidationError) as err:
        accounts.create_patient(
            session,
            therapist,
            name=" ",
            email="taken@clinic.example",
            timezone="Mars/Base",
            invite_ttl_days=7,
        )
    assert set(err.value.errors) == {"name", "email", "timezone"}


def test_invite_expires(session: Session, make: Factory) -> None:
    patient = make.patient(password=None)
    token = invites.issue(session, patient, created_by=None, ttl_days=7)
    later = utcnow() + timedelta(days=7, seconds=1)
    assert invites.check(session, token, now=later).status is invites.InviteStatus.EXPIRED
    assert invites.check(session, token).ok


def test_new_invite_voids_the_old_one(session: Session, make: Factory) -> None:
    patient = make.patient(password=None)
    first = invites.issue(session, patient, created_by=None)
    second = invites.issue(session, patient, created_by=None)
    assert invites.check(session, first).status is invites.InviteStatus.USED
    assert invites.check(session, second).ok


def test_a_keyed_invite_link_can_be_shown_again_until_it_is_closed(
    session: Session, make: Factory
) -> None:
    key = b"k" * 32
    patient = make.patient(password=None)
    token = invites.issue(session, patient, created_by=None, ttl_days=7, link_key=key)
    session.expire_all()  # read back from the database, as a later request would
    assert invites.check(session, token).ok
    assert invites.open_link_token(session, patient, link_key=key) == token
    # Nothing shows it without the key, and nothing of the token is stored.
    assert invites.open_link_token(session, patient, link_key=b"other" * 8) is None
    stored = session.scalars(select(Invite.token_hash).where(Invite.user_id == patient.id)).all()
    assert token not in stored
    later = utcnow() + timedelta(days=8)
    assert invites.open_link_token(session, patient, link_key=key, now=later) is None
    # A newer link replaces it; the older one can no longer be shown or used.
    newer = invites.issue(session, patient, created_by=None, link_key=key)
    assert newer != token
    assert invites.open_link_token(session, patient, link_key=key) == newer
    accounts.redeem_invite(
        session,
        invites.check(session, newer),
        password="tea in the garden at four",
        confirm="tea in the garden at four",
        login_name="rosa.d",
    )
    assert invites.open_link_token(session, patient, link_key=key) is None


def test_a_random_invite_link_is_never_shown_again(session: Session, make: Factory) -> None:
    patient = make.patient(password=None)
    token = invites.issue(session, patient, created_by=None)
    assert invites.check(session, token).ok
    assert invites.open_link_token(session, patient, link_key=b"k" * 32) is None


@pytest.mark.parametrize("token", ["", "abc", "x" * 43, "../../etc/passwd", "A" * 44])
def test_malformed_or_unknown_tokens_are_invalid(session: Session, token: str) -> None:
    assert invites.check(session, token).status is invites.InviteStatus.INVALID


def test_redeem_sets_password_once(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    created = accounts.create_patient(
        session,
        therapist,
        name="Rosa Diaz",
        email=None,
        timezone="Europe/Berlin",
        invite_ttl_days=7,
    )
    check = invites.check(session, created.token)
    old_token = created.patient.session_token
    user = accounts.redeem_invite(
        session,
        check,
        password="morning walk by the river",
        confirm="morning walk by the river",
        login_name="Rosa.D",
    )
    assert user.login == "rosa.d" and user.has_password
    assert user.session_token != old_token
    assert invites.check(session, created.token).status is invites.InviteStatus.USED
    with pytest.raises(ValidationError):
        accounts.redeem_invite(
            session, check, password="another long password", confirm="another long password"
        )


def test_redeem_validates_every_field(session: Session, make: Factory) -> None:
    make.patient(login="rosa.d")
    patient = make.patient(password=None, login=None)
    patient.login = None
    token = invites.issue(session, patient, created_by=None)
    check = invites.check(session, token)
    with pytest.raises(ValidationError) as err:
        accounts.redeem_invite(
            session, check, password="short", confirm="short", login_name="rosa.d"
        )
    assert set(err.value.errors) == {"login", "password"}
    with pytest.raises(ValidationError) as err:
        accounts.redeem_invite(
            session,
            check,
            password="morning walk by the river",
            confirm="morning walk",
            login_name="rosa.x",
        )
    assert set(err.value.errors) == {"confirm"}
    # Nothing was used up by the failed attempts.
    assert invites.check(session, token).ok


def test_change_password_rotates_sessions(session: Session, make: Factory) -> None:
    patient = make.patient()
    before = patient.session_token
    with pytest.raises(ValidationError) as err:
        accounts.change_password(session, patient, current="wrong one", new="x", confirm="x")
    assert err.value.first("current")
    accounts.change_password(
        session,
        patient,
        current=PASSWORD,
        new="a brand new long phrase",
        confirm="a brand new long phrase",
    )
    assert patient.session_token != before
    assert passwords.verify_password(patient.password_hash, "a brand new long phrase")


def test_reset_access_signs_out_and_issues_reset_link(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    before = patient.session_token
    token = accounts.reset_access(session, therapist, patient, invite_ttl_days=7)
    check = invites.check(session, token)
    assert check.ok and check.invite is not None
    assert check.invite.purpose is InvitePurpose.RESET
    assert patient.session_token != before
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)
    ).all()
    assert "patient.reset_access" in actions


def test_linked_patient_hides_unlinked_patients(session: Session, make: Factory) -> None:
    mine, other = make.therapist(), make.therapist()
    patient = make.patient(other)
    assert care.patients_of(session, mine) == []
    with pytest.raises(Exception) as err:
        care.linked_patient(session, mine, patient.id)
    assert err.type.__name__ == "NotFound"
    assert care.linked_patient(session, other, patient.id) is patient
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
