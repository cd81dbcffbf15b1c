"""Nothing done offline is lost, sent by the wrong person or misdated; slow is not offline.

Real Chromium against the live server. The outbox's sends are the page's own (after an
`online` event or on opening a page), so the tests can watch them with Playwright.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import Factory
from tests.e2e.conftest import LiveServer, sign_in, wait_for_controller

SLOW_SECONDS = 5


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
