"""A questionnaire answered with no connection waits on the phone and is recorded once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import Factory
from tests.e2e.conftest import PHONE, LiveServer, sign_in, wait_for_controller
from webapp.models import OutcomeResponse


def _responses(live_server: LiveServer, patient_id: int) -> list[tuple[str, float | None]]:
    with live_server.session() as session:
        found = session.scalars(
            select(OutcomeResponse).where(OutcomeResponse.patient_id == patient_id)
        )
        return [(r.status, r.score) for r in found]


def test_an_offline_answer_syncs_once(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    """PEG answered offline: kept on the phone, sent once back online, scored."""
    with live_server.session() as session:
        make = Factory(session)
        patient = make.patient(make.therapist(), login="peg.offline@test.example")
        make.outcome(patient, "peg")
        patient_id = patient.id
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "peg.offline@test.example")
    wait_for_controller(page)
    page.goto(f"{live_server.url}/me/questionnaires/peg")
    context.set_offline(True)
    for name, value in (("item-p", "6"), ("item-e", "5"), ("item-g", "7")):
        page.locator(f'input[name="{name}"][value="{value}"]').check(force=True)
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Your answers are saved on this phone")).to_be_visible()
    assert _responses(live_server, patient_id) == []
    context.set_offline(False)
    expect(page.get_by_text("Synced what you did offline.")).to_be_visible()
    assert _responses(live_server, patient_id) == [("complete", 6.0)]
    # Opening Today flushes the outbox again: nothing is left to send twice.
    page.goto(f"{live_server.url}/me/")
    expect(page.get_by_text("how are your activities going")).to_have_count(0)
    assert _responses(live_server, patient_id) == [("complete", 6.0)]


def test_an_interrupted_questionnaire_keeps_each_answer(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    """Each answer is kept as it is given; reopening shows it without pressing anything."""
    with live_server.session() as session:
        make = Factory(session)
        patient = make.patient(make.therapist(), login="peg.interrupted@test.example")
        make.outcome(patient, "peg")
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, live_server.url, "peg.interrupted@test.example")
    page.goto(f"{live_server.url}/me/questionnaires/peg")
    page.locator('input[name="item-p"][value="4"]').check(force=True)
    expect(page.get_by_text("Your answers so far are kept.")).to_be_visible()
    page.goto(f"{live_server.url}/me/")
    expect(
        page.get_by_role("link", name="Continue: how are your activities going?")
    ).to_be_visible()
    page.goto(f"{live_server.url}/me/questionnaires/peg")
    expect(page.locator('input[name="item-p"][value="4"]')).to_be_checked()
