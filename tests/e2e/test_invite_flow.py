"""The first end-to-end path, in real Chromium: a therapist invites, a patient signs up."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.conftest import PASSWORD, Factory
from tests.e2e.conftest import PHONE, LiveServer, screenshot


def test_therapist_invites_and_patient_signs_up_on_a_phone(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.session() as session:
        therapist = Factory(session).therapist(name="Maria Keller", login="maria.e2e@test.example")
        therapist_login = therapist.login

    desk = new_context(viewport={"width": 1280, "height": 800}).new_page()
    desk.goto(f"{live_server.url}/login")
    desk.get_by_label("Email or sign-in name").fill(therapist_login or "")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.get_by_role("heading", name="My patients").wait_for()

    desk.get_by_role("link", name="Add a patient").click()
    desk.get_by_label("Patient's name").fill("Rosa Diaz")
    desk.get_by_role("button", name="Add and show the invite").click()
    desk.get_by_role("heading", name="Invite Rosa Diaz").wait_for()
    assert desk.get_by_role("img", name="QR code of the invite link").is_visible()
    invite_link = desk.get_by_role("textbox", name="Invite link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/i/[A-Za-z0-9_-]{43}", invite_link)
    screenshot(desk, "therapist-invite")

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(invite_link)
    phone.get_by_role("heading", name="Welcome, Rosa").wait_for()
    sign_in_name = phone.get_by_label("Choose a sign-in name").input_value()
    assert re.fullmatch(r"rosa\d{4}", sign_in_name)
    # A weak password is refused next to the field, and nothing typed is lost.
    phone.get_by_label("New password").fill("password123")
    phone.get_by_label("Type it again").fill("password123")
    phone.get_by_role("button", name="Save and continue").click()
    phone.get_by_text("This password is too common").wait_for()
    assert phone.get_by_label("Choose a sign-in name").input_value() == sign_in_name

    phone.get_by_label("New password").fill("lemon tea after the walk")
    phone.get_by_label("Type it again").fill("lemon tea after the walk")
    phone.get_by_role("button", name="Save and continue").click()
    phone.get_by_role(
        "heading", name=re.compile(r"Good (morning|afternoon|evening), Rosa")
    ).wait_for()
    assert phone.url.endswith("/me/")
    screenshot(phone, "patient-first-home")

    # The link is spent: opening it again says so, plainly.
    phone.goto(invite_link)
    phone.get_by_role("heading", name="This link was already used").wait_for()
