"""Nothing done offline is lost, sent by the wrong person or misdated; slow is not offline.

Real Chromium against the live server. The outbox's sends are the page's own (after an
`online` event or on opening a page), so the tests can watch them with Playwright.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import Factory
from tests.e2e.conftest import (
    PHONE,
    SHORT_PROGRAM,
    LiveServer,
    screenshot,
    sign_in,
    wait_for_controller,
)
from webapp.models import CheckIn, Completion, User, base
from webapp.services import clock, programs
from webapp.web.formatting import long_date

SLOW_SECONDS = 5
QUEUED = "Saved on this phone — will sync"


def _patient(live_server: LiveServer, login: str, name: str = "Noor Haddad") -> int:
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist()
        patient = make.patient(therapist, name=name, login=login)
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
        return patient.id


def _completions(live_server: LiveServer, patient_id: int) -> list[tuple[str, date]]:
    """Return what the server recorded as done: (exercise, local date)."""
    with live_server.session() as session:
        found = session.scalars(select(Completion).where(Completion.patient_id == patient_id))
        return [(c.exercise.slug, c.local_date) for c in found]


def _waiting_on_this_phone(page: Any) -> int:
    return int(page.evaluate("() => self.bvOutbox.all().then((all) => all.length)"))


def _posts_of(page: Any, path: str) -> list[dict[str, str]]:
    """Record the headers of every POST sent to a path from the page or its service worker.

    Whichever flushes the outbox first sends it (the page on "online", the worker on its
    background sync), so the requests are watched on the whole context, not the page alone.
    """
    seen: list[dict[str, str]] = []
    page.context.on(
        "request",
        lambda r: seen.append(r.headers) if r.method == "POST" and r.url.endswith(path) else None,
    )
    return seen


@pytest.fixture
def slow_view(live_server: LiveServer) -> Iterator[Callable[[str], None]]:
    """Make one view of the live server answer only after a few seconds."""
    views = live_server.app.view_functions
    saved: dict[str, Any] = {}

    def slow_down(endpoint: str) -> None:
        real = saved.setdefault(endpoint, views[endpoint])

        def slow(*args: Any, **kwargs: Any) -> Any:
            time.sleep(SLOW_SECONDS)
            return real(*args, **kwargs)

        views[endpoint] = slow

    yield slow_down
    views.update(saved)


def test_a_slow_page_that_is_not_kept_offline_still_arrives(
    live_server: LiveServer, new_context: Callable[..., Any], slow_view: Callable[[str], None]
) -> None:
    with live_server.session() as session:
        Factory(session).therapist(name="Maria Lopez", login="slow.clinic@test.example")
    page = new_context().new_page()
    sign_in(page, live_server.url, "slow.clinic@test.example")
    wait_for_controller(page)
    slow_view("therapist.patients")
    started = time.monotonic()
    page.goto(f"{live_server.url}/clinic/", timeout=20_000)
    assert time.monotonic() - started >= SLOW_SECONDS
    expect(page.get_by_role("heading", name="My patients")).to_be_visible()
    expect(page.get_by_role("heading", name="You're offline")).to_have_count(0)


def test_a_queued_action_survives_a_session_rollover(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    patient_id = _patient(live_server, "rollover.e2e@test.example")
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "rollover.e2e@test.example")
    wait_for_controller(page)
    page.goto(f"{live_server.url}/me/")
    old_token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    context.set_offline(True)
    page.get_by_role("button", name="Mark done Chin tuck").click()
    expect(page.get_by_text(QUEUED)).to_be_visible()

    # The phone closed the browser: the session cookie is gone, "keep me signed in" is
    # not, so the next request starts a new session whose token the page does not have.
    context.clear_cookies(name="bv_session")
    posts = _posts_of(page, "/me/completions")
    context.set_offline(False)
    expect(page.get_by_text("Synced what you did offline.")).to_be_visible()
    expect(page.get_by_text("1 of 2 done")).to_be_visible()
    assert _completions(live_server, patient_id) == [
        ("chin-tuck", clock.local_today("Europe/London"))
    ]
    assert posts and all(p.get("x-csrftoken") not in (None, old_token) for p in posts)
    assert _waiting_on_this_phone(page) == 0

    # Online this time: the session rolls over again under the open page, whose tokens
    # are now stale. Mark done is answered "bad token"; it is kept and sent, not lost.
    context.clear_cookies(name="bv_session")
    page.get_by_role("button", name="Mark done Ankle pumps").click()
    expect(page.get_by_text("2 of 2 done")).to_be_visible()
    page.reload()
    expect(page.get_by_text("2 of 2 done")).to_be_visible()
    assert sorted(_completions(live_server, patient_id)) == [
        ("ankle-pumps", clock.local_today("Europe/London")),
        ("chin-tuck", clock.local_today("Europe/London")),
    ]


def test_a_queued_action_waits_for_the_person_who_did_it(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    noor = _patient(live_server, "owner.e2e@test.example", name="Noor Haddad")
    omar = _patient(live_server, "other.e2e@test.example", name="Omar Farouk")
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "owner.e2e@test.example")
    wait_for_controller(page)
    page.goto(f"{live_server.url}/me/")
    context.set_offline(True)
    page.get_by_role("button", name="Mark done Chin tuck").click()
    expect(page.get_by_text(QUEUED)).to_be_visible()

    # The connection comes back too poor to carry the send, and Noor signs out.
    context.route("**/me/completions", lambda route: route.abort())
    context.set_offline(False)
    expect(page.locator("[data-sync-status]")).to_contain_text("saved on this phone")
    page.get_by_role("button", name="Sign out Noor Haddad").click()
    expect(page.get_by_text("1 thing waiting to sync — sign in to send it.")).to_be_visible()
    screenshot(page, "signed-out-sync-waiting")
    # Signed out, with a good connection: the outbox tries again and keeps it.
    context.unroute("**/me/completions")
    posts = _posts_of(page, "/me/completions")
    page.reload()
    expect(page.get_by_text("1 thing waiting to sync — sign in to send it.")).to_be_visible()
    page.wait_for_timeout(1000)
    assert posts == [] and _waiting_on_this_phone(page) == 1
    assert _completions(live_server, noor) == []

    # Omar signs in on the same phone: Noor's action is not his to send.
    with page.expect_response(lambda r: r.url.endswith("/outbox/token")):
        sign_in(page, live_server.url, "other.e2e@test.example")
    expect(page.get_by_text("0 of 2 done")).to_be_visible()
    page.wait_for_timeout(1000)
    assert posts == []
    assert _completions(live_server, noor) == [] and _completions(live_server, omar) == []
    expect(page.get_by_text("waiting to sync")).to_have_count(0)
    assert _waiting_on_this_phone(page) == 1
    page.get_by_role("button", name="Sign out Omar Farouk").click()
    expect(page.get_by_text("1 thing waiting to sync — sign in to send it.")).to_be_visible()

    # Noor signs in again: it is sent, once.
    sign_in(page, live_server.url, "owner.e2e@test.example")
    expect(page.get_by_text("1 of 2 done")).to_be_visible()
    page.reload()
    expect(page.get_by_text("1 of 2 done")).to_be_visible()
    assert len(_completions(live_server, noor)) == 1
    assert _completions(live_server, omar) == []
    assert _waiting_on_this_phone(page) == 0


def _move_server_clock(monkeypatch: pytest.MonkeyPatch, by: timedelta) -> None:
    """Move the live server's clock: every module that reads the time does it through utcnow."""
    real = base.utcnow

    def later() -> Any:
        return real() + by

    for module in list(sys.modules.values()):
        if module.__name__.startswith("webapp") and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", later)


def test_a_saved_copy_opened_the_next_day(
    live_server: LiveServer, new_context: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    patient_id = _patient(live_server, "next.day.e2e@test.example")
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "next.day.e2e@test.example")
    wait_for_controller(page)
    # Day one, online: a real check-in, and the pages saved for offline use.
    day_one = clock.local_today("Europe/London")
    page.goto(f"{live_server.url}/me/checkin")
    page.locator(".scale-field").first.locator(".scale__option", has_text="6").click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("Thank you — your check-in is saved.")).to_be_visible()
    page.goto(f"{live_server.url}/me/")
    expect(page.get_by_text("You're offline")).to_be_hidden()

    # The next day, on the phone and at the clinic; the phone has no signal.
    one_day = timedelta(days=1)
    page.clock.install(time=base.utcnow() + one_day)
    _move_server_clock(monkeypatch, one_day)
    context.set_offline(True)
    page.goto(f"{live_server.url}/me/")
    expect(
        page.get_by_text(f"You're offline — this is your plan from {long_date(day_one)}.")
    ).to_be_visible()
    screenshot(page, "patient-offline-next-day")
    page.get_by_role("button", name="Mark done Chin tuck").click()
    expect(page.get_by_text(QUEUED)).to_be_visible()
    page.goto(f"{live_server.url}/me/checkin")
    expect(
        page.get_by_text(f"You're offline — this page is from {long_date(day_one)}.")
    ).to_be_visible()
    page.locator(".scale-field").first.locator(".scale__option", has_text="3").click()
    page.get_by_role("button", name="Update check-in").click()
    expect(page.get_by_text("saved on this phone — it will sync")).to_be_visible()

    context.set_offline(False)
    expect(page.get_by_text("Synced what you did offline.")).to_be_visible()
    day_two = day_one + one_day
    assert _completions(live_server, patient_id) == [("chin-tuck", day_two)]
    with live_server.session() as session:
        saved = session.scalars(
            select(CheckIn).where(CheckIn.patient_id == patient_id).order_by(CheckIn.local_date)
        ).all()
        assert [(c.local_date, c.pain) for c in saved] == [(day_one, 6), (day_two, 3)]


def test_an_action_refused_for_good_is_set_aside_and_the_patient_told(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    patient_id = _patient(live_server, "refused.e2e@test.example")
    page = new_context(viewport=PHONE).new_page()
    context = page.context
    sign_in(page, live_server.url, "refused.e2e@test.example")
    wait_for_controller(page)
    page.goto(f"{live_server.url}/me/")
    context.set_offline(True)
    page.get_by_role("button", name="Mark done Chin tuck").click()
    expect(page.get_by_text(QUEUED)).to_be_visible()
    # Meanwhile, the therapist takes the exercise out of the plan.
    with live_server.session() as session:
        program = programs.active_program(session, session.get(User, patient_id))
        assert program is not None and program.therapist is not None
        item = next(i for i in programs.current_items(program) if i.exercise.slug == "chin-tuck")
        day = clock.local_today("Europe/London")
        programs.remove_item(session, program.therapist, program, item, today=day)

    context.set_offline(False)
    notice = page.get_by_role("alert").filter(has_text="Not saved")
    expect(notice).to_contain_text(
        f"Not saved: Chin tuck ({long_date(day)}). This exercise is not in today's plan any more."
    )
    assert _completions(live_server, patient_id) == []
    expect(page.get_by_text(QUEUED)).to_have_count(0)  # the plan as it is now
    expect(page.get_by_text("0 of 1 done")).to_be_visible()
    screenshot(page, "patient-sync-refused")
    page.reload()  # told until the patient has seen it
    expect(notice).to_be_visible()
    notice.get_by_role("button", name="OK").click()
    expect(notice).to_have_count(0)
    assert _waiting_on_this_phone(page) == 0
    page.reload()
    expect(page.get_by_text("Not saved")).to_have_count(0)
