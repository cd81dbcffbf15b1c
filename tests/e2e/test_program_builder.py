"""The program builder in real Chromium: search, build with htmx, reorder, assign."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.conftest import PASSWORD, Factory
from tests.e2e.conftest import PHONE, LiveServer, screenshot


def _sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email or sign-in name").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My patients").wait_for()


def test_search_build_reorder_assign(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist(login="builder.e2e@test.example")
        patient = make.patient(therapist, name="Omar Farouk")
        patient_id = patient.id

    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(page, live_server.url, "builder.e2e@test.example")

    # The library filters as you type, without a page load.
    page.get_by_role("link", name="Library").click()
    page.get_by_label("Search").fill("ankle")
    page.locator("#library-results").get_by_role("link", name="Ankle pumps", exact=True).wait_for()
    page.wait_for_url("**/library/?q=ankle**")  # the URL follows, so Back and sharing work

    page.goto(f"{live_server.url}/clinic/patients/{patient_id}")
    page.get_by_role("link", name="Build a program").click()
    page.get_by_role("button", name="Or start with an empty program").click()
    page.get_by_text("No exercises yet").wait_for()
    builder_url = page.url

    search = page.get_by_label("Search the library")
    for query, title in [
        ("chin", "Chin tuck"),
        ("ankle pumps", "Ankle pumps"),
        ("belly breathing", "Belly breathing"),
    ]:
        search.fill(query)
        page.locator("#picker-results").get_by_role(
            "button", name=f"Add {title}", exact=True
        ).click()
        page.locator("#program-items").get_by_role("link", name=title, exact=True).wait_for()
    assert page.url == builder_url  # everything happened in place
    titles = page.locator(".program-item__title a").all_inner_texts()
    assert titles == ["Chin tuck", "Ankle pumps", "Belly breathing"]

    # Change a dose in place; a bad value is explained next to the field.
    item = page.locator(".program-item", has_text="Ankle pumps")
    item.get_by_text("Change dose").click()
    item.get_by_label("Repetitions (1–100)").fill("150")
    item.get_by_role("button", name="Save dose of Ankle pumps").click()
    item = page.locator(".program-item", has_text="Ankle pumps")
    item.get_by_text("Repetitions must be from 1 to 100.").wait_for()
    assert item.get_by_label("Repetitions (1–100)").input_value() == "150"
    item.get_by_label("Repetitions (1–100)").fill("20")
    item.get_by_role("button", name="Save dose of Ankle pumps").click()
    page.locator(".program-item", has_text="Ankle pumps").get_by_text("20 times").wait_for()

    # Reorder with the buttons: breathing to the top.
    titles_now = page.locator(".program-item__title a")
    page.get_by_role("button", name="Move up: Belly breathing").click()
    expect(titles_now).to_have_text(["Chin tuck", "Belly breathing", "Ankle pumps"])
    page.get_by_role("button", name="Move up: Belly breathing").click()
    expect(titles_now).to_have_text(["Belly breathing", "Chin tuck", "Ankle pumps"])

    phone_view = new_context(viewport=PHONE, is_mobile=True).new_page()
    phone_view.context.add_cookies(page.context.cookies())
    phone_view.goto(builder_url)
    screenshot(phone_view, "therapist-program-builder")

    page.get_by_role("button", name="Assign to Omar").click()
    page.get_by_text("Omar now has this program on their phone.").wait_for()
    page.get_by_text("Assigned").first.wait_for()

    with live_server.session() as session:
        from webapp.models import User
        from webapp.services import programs

        program = programs.active_program(session, session.get(User, patient_id))
        assert program is not None
        assert [i.exercise.title for i in programs.current_items(program)] == [
            "Belly breathing",
            "Chin tuck",
            "Ankle pumps",
        ]
        assert programs.current_items(program)[2].reps == 20
