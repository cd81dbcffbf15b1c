"""A warning sign ticked with no connection still gets its advice, on the phone, at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.conftest import Factory
from tests.e2e.conftest import PHONE, LiveServer, screenshot, sign_in, wait_for_controller


def test_an_offline_checkin_shows_its_advice(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.session() as session:
        make = Factory(session)
        make.patient(make.therapist(), name="Noor Haddad", login="advice.e2e@test.example")
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, "advice.e2e@test.example")
    wait_for_controller(page)
    page.goto(f"{live_server.url}/me/checkin")  # visited once with a connection

    context.set_offline(True)
    page.goto(f"{live_server.url}/me/checkin")
    advice = page.locator("[data-offline-advice]")
    expect(advice).to_be_hidden()
    page.locator(".scale-field").first.locator(".scale__option", has_text="9").click()
    page.get_by_label("Pain, swelling or warmth in one calf", exact=False).check()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("saved on this phone — it will sync")).to_be_visible()

    expect(advice).to_be_visible()
    expect(advice.get_by_role("heading", name="Get medical advice today")).to_be_visible()
    expect(advice.get_by_role("heading", name="Your pain is high today")).to_be_visible()
    expect(advice.get_by_text("still on your phone")).to_be_visible()
    expect(advice.get_by_role("heading", name="Call the emergency number now")).to_be_hidden()
    expect(advice).to_have_class("advice advice--urgent")
    screenshot(page, "patient-offline-advice")
