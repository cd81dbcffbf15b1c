"""Print buttons in real Chromium: a print layout without JavaScript, the dialog with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import Factory
from tests.e2e.conftest import SHORT_PROGRAM, LiveServer, sign_in
from webapp.services import programs

# Counts calls instead of opening the real dialog (which would block a headless page).
COUNT_PRINTS = "window.print = () => { window.bvPrinted = (window.bvPrinted || 0) + 1; };"


@pytest.fixture(scope="module")
def printable(live_server: LiveServer) -> dict[str, Any]:
    """A therapist and a patient with an assigned program."""
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist(login="print.therapist@test.example", name="Rhea Print")
        patient = make.patient(therapist, login="print.patient@test.example", name="Paul Paper")
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
        program = programs.active_program(session, patient)
        assert program is not None
        return {"patient": patient.id, "program": program.id}


def _expect_print_layout(page: Any) -> None:
    assert "print=1" in page.url
    expect(page.get_by_text("This page is ready to print")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("link", name="Print", exact=True)).to_be_hidden()


def test_print_buttons_lead_to_a_print_layout_without_javascript(
    live_server: LiveServer, new_context: Callable[..., Any], printable: dict[str, Any]
) -> None:
    therapist = new_context(java_script_enabled=False).new_page()
    sign_in(therapist, live_server.url, "print.therapist@test.example")
    for path in (
        f"/clinic/patients/{printable['patient']}/report",
        f"/clinic/programs/{printable['program']}/handout",
    ):
        therapist.goto(live_server.url + path)
        therapist.get_by_role("link", name="Print", exact=True).click()
        _expect_print_layout(therapist)
        expect(therapist.get_by_role("heading", level=1)).to_be_visible()

    # The invite sheet: its print layout shows the code and the words meant for paper.
    therapist.goto(f"{live_server.url}/clinic/patients/new")
    therapist.get_by_label("Patient's name").fill("Nina Newcomer")
    therapist.get_by_role("button", name="Add and show the invite").click()
    therapist.get_by_role("link", name="Print", exact=True).click()
    _expect_print_layout(therapist)
    expect(therapist.get_by_role("img", name="QR code of the invite link")).to_be_visible()
    expect(therapist.get_by_text("Scan this code with your phone's camera")).to_be_visible()

    patient = new_context(java_script_enabled=False).new_page()
    sign_in(patient, live_server.url, "print.patient@test.example")
    patient.goto(f"{live_server.url}/me/program")
    patient.get_by_role("link", name="Print version").click()
    patient.get_by_role("link", name="Print", exact=True).click()
    _expect_print_layout(patient)
    patient.get_by_role("link", name="Back to the page").click()
    expect(patient.get_by_role("navigation", name="Main")).to_be_visible()


def test_print_buttons_open_the_print_dialog_with_javascript(
    live_server: LiveServer, new_context: Callable[..., Any], printable: dict[str, Any]
) -> None:
    context = new_context()
    context.add_init_script(COUNT_PRINTS)
    page = context.new_page()
    sign_in(page, live_server.url, "print.therapist@test.example")
    report = f"{live_server.url}/clinic/patients/{printable['patient']}/report"
    page.goto(report)
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Print", exact=True).click()
    page.wait_for_function("() => window.bvPrinted === 1")
    assert page.url == report
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
