"""A patient's whole day on a phone, in real Chromium, with the browser's fake clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import PASSWORD, Factory
from tests.e2e.conftest import PHONE, SHORT_PROGRAM, LiveServer, screenshot
from webapp.models import CheckIn, Completion


def test_player_checkin_and_progress(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist()
        patient = make.patient(therapist, name="Lena Brook", login="lena.e2e@test.example")
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
        patient_id = patient.id

    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.clock.install()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email or sign-in name").fill("lena.e2e@test.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("0 of 2 done").wait_for()
    screenshot(page, "patient-today")

    page.get_by_role("link", name="Start with the guide").click()
    first = page.locator("#step-1")
    second = page.locator("#step-2")
    expect(first).to_be_visible()
    expect(second).to_be_hidden()
    phase, clock_face = first.locator("[data-phase]"), first.locator("[data-clock]")
    expect(phase).to_have_text("Set 1 of 2 · Hold 1 of 2")
    expect(clock_face).to_have_text("0:05")
    screenshot(page, "patient-player")

    start = first.locator("[data-toggle]")
    for set_number in (1, 2):
        for hold in (1, 2):
            expect(phase).to_have_text(f"Set {set_number} of 2 · Hold {hold} of 2")
            start.click()
            page.clock.run_for(2000)
            expect(clock_face).to_have_text("0:03")
            page.clock.run_for(3500)
        if set_number == 1:
            expect(phase).to_have_text("Rest — next: set 2")
            expect(clock_face).to_have_text("0:10")
            page.clock.run_for(10_500)
    expect(phase).to_have_text("Finished — well done. Press “Mark done”.")

    first.get_by_text("How was it? (optional)").click()
    first.locator(".scale__option", has_text="2").first.click()
    first.get_by_label("About right").check()
    first.get_by_role("button", name="Mark done Chin tuck").click()
    expect(second).to_be_visible()

    reps = second.locator("[data-phase]")
    for rep in (1, 2, 3):
        expect(reps).to_have_text(f"Rep {rep} of 3")
        second.get_by_role("button", name="Rep done").click()
    expect(reps).to_have_text("Finished — well done. Press “Mark done”.")
    second.get_by_role("button", name="Mark done Ankle pumps").click()
    page.get_by_role("heading", name="All done for now").wait_for()

    page.get_by_role("link", name="Daily check-in").click()
    page.locator(".scale-field").first.locator(".scale__option", has_text="4").click()
    # Tap the left knee on the body map: the matching checkbox follows.
    page.locator('.bodymap-picker [data-key="knees:left"]').first.click()
    expect(page.locator('input[name="regions"][value="knees:left"]')).to_be_checked()
    page.get_by_label("Good").check()
    screenshot(page, "patient-checkin")
    page.get_by_role("button", name="Save check-in").click()
    page.get_by_text("Thank you — your check-in is saved.").wait_for()

    page.get_by_role("link", name="Progress").click()
    page.get_by_role("heading", name="My progress").wait_for()
    expect(page.get_by_text("of this week's exercises done")).to_contain_text("100%")
    expect(page.locator(".chart--pain circle")).to_have_count(1)
    screenshot(page, "patient-progress")

    with live_server.session() as session:
        done = session.scalars(select(Completion).where(Completion.patient_id == patient_id)).all()
        assert len(done) == 2
        rated = next(c for c in done if c.pain_during is not None)
        assert rated.pain_during == 2 and rated.difficulty == "right"
        checkin = session.scalar(select(CheckIn).where(CheckIn.patient_id == patient_id))
        assert checkin is not None and checkin.pain == 4 and checkin.regions == ["knees:left"]
