"""Staff two-factor sign-in through the real forms: set-up, codes, recovery codes, reset."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, Factory, post_form
from webapp.models import AuditEvent, RecoveryCode, User, utcnow
from webapp.services import invites, twofactor
from webapp.services.twofactor import Policy


@pytest.fixture(autouse=True)
def two_factor_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn on the clinic's default: every member of staff signs in with a second factor."""
    monkeypatch.setitem(app.config, "STAFF_TWO_FACTOR", Policy.ALL)


def _password(client: FlaskClient, user: User, **extra: str) -> Any:
    return post_form(client, "/login", {"login": user.login, "password": PASSWORD, **extra})


def _enrolled(session: Session, user: User) -> tuple[str, list[str]]:
    """Set up a second factor for a user, as if done a while ago; return secret and codes."""
    secret = twofactor.new_secret()
    earlier = utcnow() - timedelta(minutes=10)
    codes = twofactor.enrol(session, user, secret, pyotp.TOTP(secret).at(earlier), now=earlier)
    session.flush()
    return secret, codes


def _code_step(client: FlaskClient, code: str) -> Any:
    return post_form(client, "/login/code", {"code": code})


def _codes_shown(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page)


def _error_of(page: str, field: str) -> str:
    match = re.search(rf'<p class="field__error" id="{field}-error">([^<]*)</p>', page)
    assert match, "no error next to the field"
    return match.group(1)


def test_admin_sets_up_the_app_before_reaching_any_page(
    client: FlaskClient, make: Factory, session: Session
) -> None:
    admin = make.admin()
    response = _password(client, admin)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/login/setup")
    # Not signed in yet: every page sends them to sign in, which sends them back to set-up.
    for path in ("/admin/", "/admin/audit", "/account", "/clinic/"):
        assert client.get(path).status_code == 302, path
    assert client.get("/login").headers["Location"].endswith("/login/setup")

    page = client.get("/login/setup").get_data(as_text=True)
    assert "<svg" in page and "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    match = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", page)
    assert match
    secret = match.group(1).replace(" ", "")

    wrong = post_form(client, "/login/setup", {"code": "000000"})
    assert wrong.status_code == 422
    assert "did not work" in _error_of(wrong.get_data(as_text=True), "code")
    assert client.get("/admin/").status_code == 302

    done = post_form(client, "/login/setup", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    shown = _codes_shown(done.get_data(as_text=True))
    assert len(set(shown)) == 10
    assert client.get("/admin/").status_code == 200
    # Kept as argon2 hashes only, never as typed.
    hashes = session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == admin.id))
    stored = list(hashes)
    assert len(stored) == 10 and all(h.startswith("$argon2") for h in stored)
    assert not set(shown) & set(stored)
    # Shown once: the set-up page is gone now that the factor is on.
    assert client.get("/login/setup").status_code == 302


def test_a_code_is_never_accepted_twice(
    client: FlaskClient, make: Factory, session: Session
) -> None:
    therapist = make.therapist()
    secret, _codes = _enrolled(session, therapist)
    response = _password(client, therapist)
    assert response.headers["Location"].endswith("/login/code")
    code = pyotp.TOTP(secret).now()
    assert _code_step(client, code).headers["Location"].endswith("/clinic/")
    assert client.get("/clinic/").status_code == 200
    post_form(client, "/logout")

    # Someone who watched the code being typed tries it within the same 30 seconds.
    _password(client, therapist)
    again = _code_step(client, code)
    assert again.status_code == 422
    assert "already used" in _error_of(again.get_data(as_text=True), "code")
    assert client.get("/clinic/").status_code == 302


def test_a_recovery_code_signs_in_once(
    client: FlaskClient, make: Factory, session: Session
) -> None:
    therapist = make.therapist()
    _secret, codes = _enrolled(session, therapist)
    _password(client, therapist)
    first = _code_step(client, codes[0].upper().replace("-", " "))
    assert first.status_code == 303
    assert "9 are left" in client.get("/clinic/").get_data(as_text=True)
    post_form(client, "/logout")

    _password(client, therapist)
    again = _code_step(client, codes[0])
    assert again.status_code == 422
    page = again.get_data(as_text=True)
    assert "did not work" in _error_of(page, "code")
    # What was typed stays in the field.
    assert f'value="{codes[0]}"' in page
    assert client.get("/clinic/").status_code == 302
    assert _code_step(client, codes[1]).status_code == 303


def test_the_code_step_counts_against_the_sign_in_limits(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "3 per 15 minutes")
    therapist = make.therapist()
    secret, _codes = _enrolled(session, therapist)
    _password(client, therapist)  # 1
    assert _code_step(client, "111111").status_code == 422  # 2
    assert _code_step(client, "222222").status_code == 422  # 3
    # The fourth try is refused before the code is even looked at, right or wrong.
    refused = _code_step(client, pyotp.TOTP(secret).now())
    assert refused.status_code == 429
    message = _error_of(refused.get_data(as_text=True), "code")
    assert re.fullmatch(r"Too many attempts\. Please wait 1\d minutes, then try again\.", message)
    assert client.get("/clinic/").status_code == 302


def test_the_code_step_has_the_per_address_limit_too(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    therapist = make.therapist()
    _enrolled(session, therapist)
    _password(client, therapist)
    assert _code_step(client, "111111").status_code == 422
    assert _code_step(client, "222222").status_code == 422
    refused = _code_step(client, "333333")
    assert refused.status_code == 429
    assert "Please wait a minute" in _error_of(refused.get_data(as_text=True), "code")


def test_the_setup_step_is_limited_too(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    _password(client, make.admin())
    assert post_form(client, "/login/setup", {"code": "111111"}).status_code == 422
    assert post_form(client, "/login/setup", {"code": "222222"}).status_code == 422
    refused = post_form(client, "/login/setup", {"code": "333333"})
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Set up two-factor sign-in" in page and "data-totp-secret" in page
    assert "Please wait a minute" in _error_of(page, "code")


def test_patients_are_never_asked(client: FlaskClient, make: Factory) -> None:
    patient = make.patient(therapist=make.therapist())
    response = _password(client, patient)
    assert response.status_code == 303
    assert "/login/" not in response.headers["Location"]
    assert client.get("/login/setup").status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_therapists_are_asked_only_when_the_clinic_says_so(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "STAFF_TWO_FACTOR", Policy.ADMINS)
    therapist, admin = make.therapist(), make.admin()
    assert _password(client, therapist).headers["Location"].endswith("/clinic/")
    post_form(client, "/logout")
    assert _password(client, admin).headers["Location"].endswith("/login/setup")


def test_staff_are_never_kept_signed_in(client: FlaskClient, make: Factory) -> None:
    therapist = make.therapist()
    secret, _codes = _enrolled(make.session, therapist)
    _password(client, therapist, remember="y")
    _code_step(client, pyotp.TOTP(secret).now())
    assert client.get("/clinic/").status_code == 200
    assert client.get_cookie("bv_remember") is None


def test_a_therapist_invited_sets_up_the_app_after_choosing_a_password(
    client: FlaskClient, make: Factory
) -> None:
    admin = make.admin()
    therapist = make.therapist(password=None)
    token = invites.issue(make.session, therapist, created_by=admin, ttl_days=7)
    response = post_form(
        client,
        f"/i/{token}",
        {"password": "a brand new long password", "confirm": "a brand new long password"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/login/setup")
    assert client.get("/clinic/").status_code == 302


def _sign_in_admin(client: FlaskClient, session: Session, admin: User) -> None:
    secret, _codes = _enrolled(session, admin)
    _password(client, admin)
    assert _code_step(client, pyotp.TOTP(secret).now()).status_code == 303


def test_an_admin_resets_a_therapists_second_factor(
    app: Flask, client: FlaskClient, make: Factory, session: Session
) -> None:
    admin, therapist = make.admin(), make.therapist()
    _enrolled(session, therapist)
    # The therapist is signed in somewhere else (the lost phone's browser, say).
    elsewhere = app.test_client()
    _password(elsewhere, therapist)
    _code_step(elsewhere, pyotp.TOTP(therapist.totp_secret or "").now())
    assert elsewhere.get("/clinic/").status_code == 200

    _sign_in_admin(client, session, admin)
    assert "Reset" in client.get("/admin/").get_data(as_text=True)
    response = post_form(client, f"/admin/therapists/{therapist.id}/two-factor/reset")
    assert response.status_code == 303
    session.refresh(therapist)
    assert therapist.totp_secret is None and therapist.totp_last_step is None
    assert twofactor.recovery_codes_left(session, therapist) == 0
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.two_factor_reset"))
    assert event is not None and event.actor_id == admin.id and event.detail == str(therapist.id)
    # Signed out everywhere, and set up again at the next sign-in.
    assert elsewhere.get("/clinic/").status_code == 302
    assert _password(elsewhere, therapist).headers["Location"].endswith("/login/setup")


def test_only_admins_reset_and_only_therapists(
    client: FlaskClient, make: Factory, session: Session
) -> None:
    admin, other_admin, therapist = make.admin(), make.admin(), make.therapist()
    _enrolled(session, other_admin)
    _sign_in_admin(client, session, admin)
    # Another admin is not on the therapists' list: no such therapist.
    assert (
        post_form(client, f"/admin/therapists/{other_admin.id}/two-factor/reset").status_code == 404
    )
    post_form(client, "/logout")
    _enrolled(session, therapist)
    patient = make.patient(therapist=therapist)
    _password(client, patient)
    assert (
        post_form(client, f"/admin/therapists/{therapist.id}/two-factor/reset").status_code == 404
    )
    session.refresh(therapist)
    assert therapist.totp_secret is not None


def test_new_recovery_codes_need_the_apps_code_and_replace_the_old(
    client: FlaskClient, make: Factory, session: Session
) -> None:
    therapist = make.therapist()
    secret, old_codes = _enrolled(session, therapist)
    _password(client, therapist)
    assert _code_step(client, old_codes[0]).status_code == 303
    assert "Two-factor sign-in and recovery codes" in client.get("/account").get_data(as_text=True)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "9 recovery codes are left." in page

    wrong = post_form(client, "/account/two-factor/recovery-codes", {"code": "000000"})
    assert wrong.status_code == 422
    assert "did not work" in _error_of(wrong.get_data(as_text=True), "code")
    # A code from the app proves the phone is at hand; a recovery code does not.
    with_recovery = post_form(client, "/account/two-factor/recovery-codes", {"code": old_codes[1]})
    assert with_recovery.status_code == 422

    made = post_form(
        client,
        "/account/two-factor/recovery-codes",
        {"code": pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))},
    )
    assert made.status_code == 200
    new_codes = _codes_shown(made.get_data(as_text=True))
    assert len(new_codes) == 10
    assert twofactor.recovery_codes_left(session, therapist) == 10
    post_form(client, "/logout")
    _password(client, therapist)
    assert _code_step(client, old_codes[2]).status_code == 422
    assert _code_step(client, new_codes[0]).status_code == 303


def test_the_two_factor_page_is_for_staff_only(client: FlaskClient, make: Factory) -> None:
    patient = make.patient(therapist=make.therapist())
    _password(client, patient)
    assert client.get("/account/two-factor").status_code == 404
    assert post_form(client, "/account/two-factor/recovery-codes", {"code": "1"}).status_code == 404
    assert "Two-factor" not in client.get("/account").get_data(as_text=True)


def test_the_person_before_is_signed_out_when_staff_start_signing_in(
    client: FlaskClient, make: Factory
) -> None:
    patient = make.patient(therapist=make.therapist())
    _password(client, patient, remember="y")
    assert client.get_cookie("bv_remember") is not None
    # A therapist signs in on the same tablet: the patient is gone at the password step.
    therapist = make.therapist()
    assert _password(client, therapist).headers["Location"].endswith("/login/setup")
    assert client.get_cookie("bv_remember") is None
    assert client.get("/me/").status_code == 302
    assert patient.display_name not in client.get("/login/setup").get_data(as_text=True)
