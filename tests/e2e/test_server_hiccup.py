"""A tap answered by the proxy alone (502: the web instance behind it died) is not lost.

The proxy cannot resend a form once the instance took it and died; the page keeps it in the
outbox and sends it again, and the client id makes the server count it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import Factory
from tests.e2e.conftest import PHONE, SHORT_PROGRAM, LiveServer, sign_in
from webapp.models import Completion


def _patient(live_server: LiveServer, login: str) -> int:
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist()
        patient = make.patient(therapist, name="Iris Novak", login=login)
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
        return patient.id


def _done(live_server: LiveServer, patient_id: int) -> list[str]:
    with live_server.session() as session:
        found = session.scalars(select(Completion).where(Completion.patient_id == patient_id))
        return sorted(c.exercise.slug for c in found)


def _phone(new_context: Callable[..., Any]) -> Any:
    # The service worker's own fetches would pass the test's stand-in proxy by.
    return new_context(viewport=PHONE, service_workers="block").new_page()


def _first_post_answered_by_the_proxy(page: Any, path: str) -> list[int]:
    """Answer the first POST to ``path`` with a proxy's 502; let the rest through."""
    answered: list[int] = []

    def handle(route: Any) -> None:
        if route.request.method == "POST" and not answered:
            answered.append(502)
            route.fulfill(status=502, body="Bad Gateway", content_type="text/plain")
        else:
            route.continue_()

    page.route(f"**{path}", handle)
    return answered


def test_mark_done_answered_502_is_kept_and_sent_once(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    patient_id = _patient(live_server, "hiccup.today@test.example")
    page = _phone(new_context)
    sign_in(page, live_server.url, "hiccup.today@test.example")
    page.goto(f"{live_server.url}/me/")
    answered = _first_post_answered_by_the_proxy(page, "/me/completions")

    page.get_by_role("button", name="Mark done Chin tuck").click()

    expect(page.get_by_text("1 of 2 done")).to_be_visible()
    assert answered == [502]
    assert _done(live_server, patient_id) == ["chin-tuck"]
    page.reload()
    expect(page.get_by_text("1 of 2 done")).to_be_visible()


def test_the_player_keeps_a_mark_done_answered_502(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    patient_id = _patient(live_server, "hiccup.player@test.example")
    page = _phone(new_context)
    sign_in(page, live_server.url, "hiccup.player@test.example")
    page.goto(f"{live_server.url}/me/play")
    answered = _first_post_answered_by_the_proxy(page, "/me/completions")

    page.get_by_role("button", name="Mark done Chin tuck").click()

    expect(page.locator("#step-2")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert answered == [502]
    page.goto(f"{live_server.url}/me/")
    expect(page.get_by_text("1 of 2 done")).to_be_visible()
    assert _done(live_server, patient_id) == ["chin-tuck"]
