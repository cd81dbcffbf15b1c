"""Staff sign-in in real Chromium: setting up the authenticator app, then signing in with it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD, Factory
from tests.e2e.conftest import LiveServer, screenshot
from webapp.services.twofactor import Policy

DESK = {"width": 1280, "height": 800}


def _axe_problems(page: Any) -> list[str]:
    """Return the serious or critical accessibility problems axe finds on the page as it is."""
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _password_step(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email or sign-in name").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_therapist_sets_up_two_factor_and_signs_in_with_a_code(
    live_server: LiveServer, new_context: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(live_server.app.config, "STAFF_TWO_FACTOR", Policy.ALL)
    with live_server.session() as session:
        therapist = Factory(session).therapist(name="Ines Two", login="ines.2fa@test.example")
        login = therapist.login or ""

    page = new_context(viewport=DESK).new_page()
    _password_step(page, live_server.url, login)
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    assert page.get_by_role("img", name="QR code to scan with your authenticator app").is_visible()
    # Nothing else opens before the set-up is done.
    page.goto(f"{live_server.url}/clinic/")
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()

    secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
    page.get_by_role("textbox", name="Code").fill("123456")
    page.get_by_role("button", name="Turn on and sign in").click()
    page.get_by_text("That code did not work").wait_for()
    problems = _axe_problems(page)
    screenshot(page, "staff-two-factor-setup")

    page.get_by_role("textbox", name="Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on and sign in").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    problems += _axe_problems(page)
    screenshot(page, "staff-recovery-codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    page.get_by_role("heading", name="My patients").wait_for()

    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.wait_for_url(re.compile(r"/login"))
    # Next sign-in: password, then the app's code (the next one: the first is spent).
    _password_step(page, live_server.url, login)
    page.get_by_role("heading", name="Sign in: code").wait_for()
    problems += _axe_problems(page)
    assert problems == []
    page.get_by_role("textbox", name="Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My patients").wait_for()


def test_an_idle_staff_screen_goes_to_sign_in_and_shows_no_patient(
    live_server: LiveServer, new_context: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three seconds stand in for the clinic's 30 minutes.
    monkeypatch.setitem(live_server.app.config, "STAFF_IDLE_TIMEOUT", timedelta(seconds=3))
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist(name="Olga Idle", login="olga.idle@test.example")
        make.patient(therapist=therapist, name="Quentin Privacy")

    page = new_context(viewport=DESK).new_page()
    _password_step(page, live_server.url, "olga.idle@test.example")
    page.get_by_role("heading", name="My patients").wait_for()
    assert page.get_by_text("Quentin Privacy").first.is_visible()

    # Nobody touches the computer: the page goes to sign in by itself.
    page.wait_for_url(re.compile(r"/login"), timeout=15_000)
    page.get_by_text("You were signed out after a minute without activity.").wait_for()
    assert "Quentin Privacy" not in page.content()
    # The back button finds nothing of the patient either.
    page.go_back()
    page.wait_for_load_state()
    assert "Quentin Privacy" not in page.content()
    assert "/login" in page.url
