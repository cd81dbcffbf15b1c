"""Signing in and out, invite links, passwords and the security baseline, over HTTP."""

from __future__ import annotations

import re
import time
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, Factory, csrf_token, login, post_form
from webapp.models import InvitePurpose, Program, User, utcnow
from webapp.services import accounts, invites


def _cookie_headers(response: object) -> list[str]:
    return response.headers.getlist("Set-Cookie")  # type: ignore[attr-defined]


def test_login_page_has_labelled_fields(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<label class="field__label" for="login">Email or sign-in name</label>' in html
    assert 'autocomplete="current-password"' in html


def test_login_success_goes_home(client: FlaskClient, make: Factory) -> None:
    therapist = make.therapist()
    response = login(client, therapist)
    assert response.headers["Location"] == "/clinic/"
    assert "My patients" in client.get("/clinic/").get_data(as_text=True)


def test_wrong_password_keeps_what_was_typed(client: FlaskClient, make: Factory) -> None:
    patient = make.patient(login="rosa@test.example")
    response = post_form(client, "/login", {"login": "rosa@test.example", "password": "nope!"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="rosa@test.example"' in html
    assert "do not match" in html
    assert 'aria-invalid="true"' in html
    assert patient.last_login_at is None


def test_next_parameter_is_followed_only_within_the_site(
    client: FlaskClient, make: Factory
) -> None:
    therapist = make.therapist()
    token = csrf_token(client)
    data = {"csrf_token": token, "login": therapist.login, "password": PASSWORD}
    response = client.post("/login?next=https://evil.example/x", data=data)
    assert response.headers["Location"] == "/clinic/"
    post_form(client, "/logout")
    data["csrf_token"] = csrf_token(client)
    response = client.post("/login?next=/account", data=data)
    assert response.headers["Location"] == "/account"


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/me/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/me/")


def test_logout_needs_post_and_clears_site_cache(client: FlaskClient, make: Factory) -> None:
    login(client, make.patient())
    assert client.get("/logout").status_code == 405
    response = post_form(client, "/logout")
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert client.get("/me/").status_code == 302


def test_sign_in_starts_a_fresh_session(client: FlaskClient, make: Factory) -> None:
    therapist = make.therapist()
    before = csrf_token(client)
    with client.session_transaction() as planted:
        # What an attacker could have planted, or a previous person left behind.
        planted["invite_links"] = {"1": "A" * 43}
        planted["_fresh"] = False
    login(client, therapist)
    with client.session_transaction() as after:
        assert "invite_links" not in after
        assert after["_fresh"] is True
        assert after["_user_id"].startswith(f"{therapist.id}.")
    assert csrf_token(client) != before


def test_sign_out_forgets_the_whole_session(client: FlaskClient, make: Factory) -> None:
    login(client, make.therapist())
    signed_in_token = csrf_token(client)
    with client.session_transaction() as kept:
        kept["invite_links"] = {"1": "A" * 43}
    response = post_form(client, "/logout")
    assert response.status_code == 303
    with client.session_transaction() as after:
        # Only the "You are signed out." message is left for the next page.
        assert set(after) == {"_flashes"}
    page = client.get("/login").get_data(as_text=True)
    assert "You are signed out." in page
    assert csrf_token(client) != signed_in_token


def test_signing_in_without_remember_me_drops_the_last_persons_cookie(
    client: FlaskClient, make: Factory
) -> None:
    # Patients on a shared family tablet: only patients are ever remembered (staff sessions
    # end by themselves, see test_web_staff_session.py).
    first, second = make.patient(), make.patient()
    login(client, first, remember=True)
    assert client.get_cookie("bv_remember") is not None
    # The next person on the tablet signs in over it, without "keep me signed in".
    response = post_form(client, "/login", {"login": second.login, "password": PASSWORD})
    assert response.status_code == 303
    assert client.get_cookie("bv_remember") is None
    # When the browser session ends, nobody is signed in: not the first person again.
    client.delete_cookie("bv_session")
    assert client.get("/clinic/").status_code == 302


def test_csrf_is_required_for_forms(client: FlaskClient, make: Factory) -> None:
    therapist = make.therapist()
    response = client.post("/login", data={"login": therapist.login, "password": PASSWORD})
    assert response.status_code == 400
    assert "Please try that again" in response.get_data(as_text=True)
    login(client, therapist)
    response = client.post("/clinic/patients/new", data={"name": "X", "timezone": "UTC"})
    assert response.status_code == 400


def test_csrf_header_is_accepted_for_htmx(client: FlaskClient, make: Factory) -> None:
    patient = make.patient()
    login(client, patient)
    token = csrf_token(client)
    response = client.post(
        "/account/profile",
        data={"name": "New Name", "timezone": "Europe/Paris"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 303
    assert patient.display_name == "New Name"


def test_login_is_rate_limited(client: FlaskClient, make: Factory) -> None:
    patient = make.patient()
    statuses = []
    for _ in range(11):
        response = post_form(client, "/login", {"login": patient.login, "password": "wrong pw!"})
        statuses.append(response.status_code)
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    html = response.get_data(as_text=True)
    assert "Too many attempts" in html and f'value="{patient.login}"' in html
    # Even the right password waits until the window passes.
    response = post_form(client, "/login", {"login": patient.login, "password": PASSWORD})
    assert response.status_code == 429


def _from(app: Flask, address: str) -> FlaskClient:
    """Return a browser that reaches the app from this client address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _try(browser: FlaskClient, login_name: str, password: str) -> Any:
    return post_form(browser, "/login", {"login": login_name, "password": password})


ACCOUNT_LOCKED = "Too many tries to sign in to this account."


def test_one_account_is_limited_across_many_addresses(
    app: Flask, session: Session, make: Factory
) -> None:
    patient = make.patient(login="rosa@test.example")
    session.commit()  # a failed sign-in rolls the request's work back, not the patient
    for n in range(10):
        # Case and spaces do not make another account.
        guess = _try(_from(app, f"203.0.113.{n}"), "  Rosa@Test.Example ", "wrong guess!")
        assert guess.status_code == 422
    # An eleventh address gets no further, even with the right password.
    refused = _try(_from(app, "203.0.113.99"), "rosa@test.example", PASSWORD)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert ACCOUNT_LOCKED in html and "Please try again in 15 minutes" in html
    assert 'value="rosa@test.example"' in html
    assert patient.last_login_at is None
    # Other people at those addresses still sign in.
    assert _try(_from(app, "203.0.113.1"), make.patient().login or "", PASSWORD).status_code == 303


def test_an_unknown_name_is_limited_like_a_real_one(app: Flask) -> None:
    statuses = [
        _try(_from(app, f"203.0.113.{n}"), "nobody@test.example", "wrong guess!").status_code
        for n in range(11)
    ]
    # The same answers as for a real account: the limit does not tell which names exist.
    assert statuses == [422] * 10 + [429]


def test_known_devices_sign_in_while_their_account_and_address_are_attacked(
    app: Flask, make: Factory
) -> None:
    therapist = make.therapist()
    clinic_address = "198.51.100.7"
    tablet = _from(app, clinic_address)
    login(tablet, therapist)
    post_form(tablet, "/logout")
    # Someone behind the clinic's one address guesses until address and account are locked.
    attacker = _from(app, clinic_address)
    statuses = [
        _try(attacker, therapist.login or "", "wrong guess!").status_code for _ in range(11)
    ]
    # The therapist's own first sign-in on the tablet counted against the account too.
    assert statuses == [422] * 9 + [429, 429]
    assert _try(_from(app, "203.0.113.50"), therapist.login or "", PASSWORD).status_code == 429
    assert _try(_from(app, clinic_address), make.patient().login or "", PASSWORD).status_code == 429
    # The tablet the therapist used before still signs in, at the same address.
    assert _try(tablet, therapist.login or "", PASSWORD).status_code == 303


def test_a_known_device_has_a_limit_of_its_own(app: Flask, make: Factory) -> None:
    patient = make.patient()
    phone = _from(app, "203.0.113.8")
    login(phone, patient)
    post_form(phone, "/logout")
    statuses = [_try(phone, patient.login or "", "wrong guess!").status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]
    assert ACCOUNT_LOCKED in _try(phone, patient.login or "", PASSWORD).get_data(as_text=True)


def test_an_account_limit_passes_with_its_short_window(
    app: Flask, session: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "3 per 2 seconds")
    patient = make.patient()
    session.commit()  # a failed sign-in rolls the request's work back, not the patient
    for n in range(3):
        assert _try(_from(app, f"203.0.113.{n}"), patient.login or "", "wrong!!").status_code == 422
    locked = _try(_from(app, "203.0.113.3"), patient.login or "", PASSWORD)
    assert locked.status_code == 429
    assert "Please try again in a minute" in locked.get_data(as_text=True)
    time.sleep(2.1)
    assert _try(_from(app, "203.0.113.4"), patient.login or "", PASSWORD).status_code == 303


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    # No origin other than 'self' anywhere in the policy.
    for directive in csp.split(";"):
        sources = directive.split()[1:]
        assert all(s in {"'self'", "'none'"} for s in sources), directive
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_cookie_flags_on_loopback_http(client: FlaskClient, make: Factory) -> None:
    response = login(client, make.patient())
    cookies = _cookie_headers(response)
    session_cookie = next(c for c in cookies if c.startswith("bv_session="))
    remember = next(c for c in cookies if c.startswith("bv_remember="))
    for cookie in (session_cookie, remember):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie
    # Patients stay signed in for weeks on their own phone.
    assert re.search(r"Expires=", remember)


def test_cookies_are_secure_off_loopback(app: Flask, session: Session, make: Factory) -> None:
    patient = make.patient()
    client = app.test_client()
    for base in ("https://clinic.example",):
        page = client.get("/login", base_url=base)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert token
        # Over HTTPS the CSRF check also wants a same-origin Referer, as browsers send.
        response = client.post(
            "/login",
            base_url=base,
            headers={"Referer": f"{base}/login"},
            data={
                "csrf_token": token.group(1),
                "login": patient.login,
                "password": PASSWORD,
                "remember": "y",
            },
        )
        assert response.status_code == 303
        cookies = _cookie_headers(response)
        assert {c.split("=")[0] for c in cookies} == {"bv_session", "bv_remember", "bv_known"}
        assert all("Secure" in c and "HttpOnly" in c for c in cookies), cookies
    # A plain-HTTP host that is not loopback gets Secure cookies too (and so cannot keep
    # a session: the clinic must serve HTTPS).
    page = app.test_client().get("/login", base_url="http://clinic.example")
    assert "Secure" in page.headers["Set-Cookie"]


def test_health(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_reports_a_dead_database(tmp_path: object) -> None:
    from tests.conftest import make_test_app

    broken = make_test_app(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        tmp_path,  # type: ignore[arg-type]
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


# --- invites ---------------------------------------------------------------------------


def _add_patient(client: FlaskClient, **data: str) -> str:
    response = post_form(client, "/clinic/patients/new", {"timezone": "Europe/London", **data})
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    match = re.search(r'value="http://localhost(/i/[A-Za-z0-9_-]{43})"', page)
    assert match, page
    assert "<svg" in page and 'aria-label="QR code of the invite link"' in page
    return match.group(1)


def test_add_patient_keeps_input_on_error(client: FlaskClient, make: Factory) -> None:
    make.patient(login="used@test.example")
    login(client, make.therapist())
    response = post_form(
        client,
        "/clinic/patients/new",
        {"name": "Rosa Diaz", "email": "used@test.example", "timezone": "Europe/London"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Rosa Diaz"' in html and "already uses this email" in html


def test_invite_path_end_to_end(app: Flask, client: FlaskClient, make: Factory) -> None:
    login(client, make.therapist())
    path = _add_patient(client, name="Rosa Diaz")
    phone = app.test_client()
    page = phone.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Welcome, Rosa" in html and "Choose a sign-in name" in html
    token = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert token
    bad = phone.post(
        path,
        data={
            "csrf_token": token.group(1),
            "login": "rosa.d",
            "password": "password123",
            "confirm": "password123",
        },
    )
    assert bad.status_code == 422
    assert "too common" in bad.get_data(as_text=True)
    assert 'value="rosa.d"' in bad.get_data(as_text=True)
    good = phone.post(
        path,
        data={
            "csrf_token": token.group(1),
            "login": "rosa.d",
            "password": "tea in the garden at four",
            "confirm": "tea in the garden at four",
        },
    )
    assert good.status_code == 303 and good.headers["Location"] == "/me/"
    # The phone is now one that has signed in to this account (see the sign-in limits).
    assert phone.get_cookie("bv_known") is not None
    home = phone.get("/me/")
    assert home.status_code == 200
    assert re.search(r"Good (morning|afternoon|evening), Rosa", home.get_data(as_text=True))
    # The link is single-use.
    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "already used" in again.get_data(as_text=True)
    assert "ask the clinic" in again.get_data(as_text=True)


def _template_choices(html: str) -> dict[str, str]:
    select = re.search(r'<select[^>]*name="template".*?</select>', html, re.S)
    assert select, "no template choice on the form"
    return {
        label: value for value, label in re.findall(r'value="(\d*)"[^>]*>([^<]+)<', select.group(0))
    }


def test_add_patient_with_a_template_shows_the_plan_on_first_open(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    login(client, make.therapist())
    form = client.get("/clinic/patients/new").get_data(as_text=True)
    choices = _template_choices(form)
    assert choices["None yet: I will build it later"] == ""
    path = _add_patient(client, name="Rosa Diaz", template=choices["Low back pain — daily basics"])
    phone = app.test_client()
    token = re.search(
        r'name="csrf-token" content="([^"]+)"', phone.get(path).get_data(as_text=True)
    )
    assert token
    welcome = phone.post(
        path,
        data={
            "csrf_token": token.group(1),
            "login": "rosa.d",
            "password": "tea in the garden at four",
            "confirm": "tea in the garden at four",
        },
    )
    assert welcome.status_code == 303
    today = unescape(phone.get("/me/").get_data(as_text=True))
    assert "You don't have a home program yet" not in today
    assert re.search(r"Mark (1st )?done", today) and "Start with the guide" in today
    assert "Pelvic tilt" in today  # the template's first exercise


@pytest.mark.parametrize("choice", ["999999", "²", "99999999999999999999999", "low-back"])
def test_add_patient_refuses_an_unknown_template_beside_the_field(
    client: FlaskClient, make: Factory, choice: str
) -> None:
    login(client, make.therapist())
    response = post_form(
        client,
        "/clinic/patients/new",
        {"name": "Rosa Diaz", "timezone": "Europe/London", "template": choice},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="template-error">Please choose a template from the list.' in html
    assert 'value="Rosa Diaz"' in html


def test_invite_links_stay_out_of_the_session_cookie(
    app: Flask, client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    login(client, therapist)
    path = _add_patient(client, name="Rosa Diaz")
    token = path.removeprefix("/i/")
    with client.session_transaction() as kept:
        assert token not in repr(dict(kept))
    # The server can show the same link again, on another device of the clinic too.
    desk = app.test_client()
    login(desk, therapist)
    patient_id = session.scalars(select(User.id).where(User.display_name == "Rosa Diaz")).one()
    page = desk.get(f"/clinic/patients/{patient_id}/invite").get_data(as_text=True)
    assert f'value="http://localhost{path}"' in page
    # Once used, there is nothing to show.
    phone = app.test_client()
    html = phone.get(path).get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert csrf
    phrase = "tea in the garden at four"
    done = phone.post(
        path,
        data={
            "csrf_token": csrf.group(1),
            "login": "rosa.d",
            "password": phrase,
            "confirm": phrase,
        },
    )
    assert done.status_code == 303
    page = desk.get(f"/clinic/patients/{patient_id}/invite").get_data(as_text=True)
    assert "/i/" not in page and "There is no open invite link to show here." in page


def test_expired_and_forged_invites(client: FlaskClient, session: Session, make: Factory) -> None:
    patient = make.patient(password=None)
    token = invites.issue(session, patient, created_by=None, ttl_days=0)
    response = client.get(f"/i/{token}")
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    forged = client.get("/i/" + "A" * 43)
    assert forged.status_code == 404 and "does not work" in forged.get_data(as_text=True)
    assert client.get("/i/short").status_code == 404


def test_invite_redemption_is_rate_limited(client: FlaskClient) -> None:
    statuses = {client.get("/i/" + "B" * 43).status_code for _ in range(10)}
    assert statuses == {404}
    assert client.get("/i/" + "B" * 43).status_code == 429


def test_password_change_signs_out_other_sessions(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    patient = make.patient()
    login(client, patient)
    other_phone = app.test_client()
    login(other_phone, patient)
    assert other_phone.get("/me/").status_code == 200
    response = post_form(
        client,
        "/account/password",
        {
            "current": PASSWORD,
            "new": "a quiet walk every evening",
            "confirm": "a quiet walk every evening",
        },
    )
    assert response.status_code == 303
    assert client.get("/me/").status_code == 200
    # The other device (session and remember-me cookie) is signed out.
    assert other_phone.get("/me/").status_code == 302


def test_password_change_errors_stay_next_to_fields(client: FlaskClient, make: Factory) -> None:
    login(client, make.patient())
    response = post_form(
        client, "/account/password", {"current": PASSWORD, "new": "short", "confirm": "short"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="new-error"' in html and "at least 10 characters" in html


def test_reset_access_signs_patient_out_and_gives_new_link(
    app: Flask, client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist, password=PASSWORD)
    phone = app.test_client()
    login(phone, patient)
    login(client, therapist)
    response = post_form(client, f"/clinic/patients/{patient.id}/invite")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    match = re.search(r'value="http://localhost/i/([A-Za-z0-9_-]{43})"', page)
    assert match
    check = invites.check(session, match.group(1))
    assert check.ok and check.invite is not None and check.invite.purpose is InvitePurpose.RESET
    assert phone.get("/me/").status_code == 302
    assert "Choose a new password" in phone.get(f"/i/{match.group(1)}").get_data(as_text=True)


def test_admin_adds_and_disables_a_therapist(
    app: Flask, client: FlaskClient, session: Session, make: Factory
) -> None:
    admin = make.admin()
    login(client, admin)
    response = post_form(client, "/admin/", {"name": "Kim Lee", "email": "kim@clinic.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Kim Lee is added" in html
    kim = accounts.find_by_login(session, "kim@clinic.example")
    assert kim is not None and kim.is_therapist and not kim.has_password
    kim.password_hash = accounts.passwords.hash_password(PASSWORD)
    kim_client = app.test_client()
    login(kim_client, kim)
    response = post_form(client, f"/admin/therapists/{kim.id}/active", {"active": "0"})
    assert response.status_code == 303
    assert not kim.is_active
    assert kim_client.get("/clinic/").status_code == 302
    assert accounts.authenticate(session, "kim@clinic.example", PASSWORD) is None


def test_audit_log_lists_patient_views(client: FlaskClient, make: Factory) -> None:
    therapist = make.therapist(name="Maria Keller")
    patient = make.patient(therapist, name="Rosa Diaz")
    login(client, therapist)
    client.get(f"/clinic/patients/{patient.id}")
    post_form(client, "/logout")
    login(client, make.admin())
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "patient.view" in html and "Maria Keller" in html and "Rosa Diaz" in html
    assert utcnow().strftime("%Y-%m-%d") in html


@pytest.mark.parametrize("tz", ["Europe/London", "America/Los_Angeles"])
def test_profile_update(client: FlaskClient, make: Factory, tz: str) -> None:
    patient = make.patient()
    login(client, patient)
    response = post_form(client, "/account/profile", {"name": "Rosa D", "timezone": tz})
    assert response.status_code == 303
    assert patient.timezone == tz
    bad = post_form(client, "/account/profile", {"name": "Rosa D", "timezone": "Nowhere/City"})
    assert bad.status_code == 422
    assert "choose a time zone" in bad.get_data(as_text=True)


def test_add_patient_with_a_one_sided_template_asks_which_side(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    login(client, therapist)
    choices = _template_choices(client.get("/clinic/patients/new").get_data(as_text=True))
    shoulder = choices["Early shoulder range of motion after surgery"]
    refused = post_form(
        client,
        "/clinic/patients/new",
        {"name": "Rosa Diaz", "timezone": "Europe/London", "template": shoulder},
    )
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert 'id="side-error">This template has exercises for one side only' in html
    assert 'value="Rosa Diaz"' in html
    assert session.scalar(select(User).where(User.display_name == "Rosa Diaz")) is None

    _add_patient(client, name="Rosa Diaz", template=shoulder, side="right")
    patient = session.scalars(select(User).where(User.display_name == "Rosa Diaz")).one()
    program = session.scalars(select(Program).where(Program.patient_id == patient.id)).one()
    sides = {i.side for i in program.items if i.exercise.side_required}
    assert sides == {"right"}
