"""A phone's notifications belong to whoever is signed in on it, in real Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import Factory
from tests.e2e.conftest import LiveServer, screenshot, sign_in, wait_for_controller
from tests.pushservice import PushService
from webapp.models import PushSubscription
from webapp.web.push.device import DEVICE_COOKIE

# Chromium here cannot reach a real push service (pushManager.subscribe never resolves), so
# the page's PushManager hands out subscriptions at the local push service instead, kept in
# localStorage like the browser keeps its own; "unsubscribe" is counted.
PUSH_MANAGER_STAND_IN = """
(() => {
  const HELD = "test:push-subscription";
  const wrap = (data) => data && {
    endpoint: data.endpoint,
    toJSON: () => data,
    unsubscribe: async () => {
      localStorage.removeItem(HELD);
      const before = Number(localStorage.getItem("test:unsubscribed") || 0);
      localStorage.setItem("test:unsubscribed", String(before + 1));
      return true;
    },
  };
  PushManager.prototype.getSubscription = async function () {
    return wrap(JSON.parse(localStorage.getItem(HELD) || "null"));
  };
  PushManager.prototype.subscribe = async function () {
    const next = localStorage.getItem("test:next-subscription");
    localStorage.setItem(HELD, next);
    return wrap(JSON.parse(next));
  };
})();
"""


@pytest.fixture
def push_service() -> Iterator[PushService]:
    """A local push service, standing in for the browser vendor's."""
    with PushService() as service:
        yield service


def _people(live_server: LiveServer) -> int:
    """Add Anna and Ben, patients of one therapist; return Anna's id."""
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist()
        anna = make.patient(therapist, name="Anna Berg", login="anna.devices@test.example")
        make.patient(therapist, name="Ben Hale", login="ben.devices@test.example")
        return anna.id


def _devices(live_server: LiveServer) -> list[tuple[int, str]]:
    with live_server.session() as session:
        return [
            (s.user_id, s.endpoint)
            for s in session.scalars(select(PushSubscription).order_by(PushSubscription.id))
        ]


def _turn_on(page: Any, base: str, subscription: dict[str, Any]) -> None:
    page.goto(f"{base}/me/reminders")
    page.evaluate(
        "(s) => localStorage.setItem('test:next-subscription', s)", json.dumps(subscription)
    )
    page.get_by_role("button", name="Turn on notifications").click()
    expect(page.get_by_text("Notifications are on for this phone.")).to_be_visible()


def _device_cookie(context: Any) -> str | None:
    found = [c["value"] for c in context.cookies() if c["name"] == DEVICE_COOKIE]
    return found[0] if found else None


def test_signing_out_forgets_the_device_and_the_next_person_does_not_inherit_it(
    live_server: LiveServer, persistent_context: Any, push_service: PushService
) -> None:
    anna_id = _people(live_server)
    base = live_server.url
    context = persistent_context
    context.grant_permissions(["notifications"], origin=base)
    context.add_init_script(PUSH_MANAGER_STAND_IN)
    page = context.new_page()
    sign_in(page, base, "anna.devices@test.example")
    wait_for_controller(page)

    phone = push_service.subscribe("anna-phone")
    _turn_on(page, base, phone)
    assert _devices(live_server) == [(anna_id, phone["endpoint"])]

    # Anna signs out from the footer: the server forgets the phone, the page unsubscribes.
    page.get_by_role("button", name="Sign out Anna Berg").click()
    page.wait_for_url(f"{base}/login")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert _devices(live_server) == []
    assert page.evaluate("() => localStorage.getItem('test:unsubscribed')") == "1"
    assert page.evaluate("() => localStorage.getItem('test:push-subscription')") is None
    assert _device_cookie(context) is None

    # Anna turns notifications on again, and her session ends without a sign-out (the
    # browser was closed; she did not tick anything special). Ben signs in on the phone.
    sign_in(page, base, "anna.devices@test.example")
    again = push_service.subscribe("anna-phone-2")
    _turn_on(page, base, again)
    assert _devices(live_server) == [(anna_id, again["endpoint"])]
    context.clear_cookies(name="bv_session")
    context.clear_cookies(name="bv_remember")
    sign_in(page, base, "ben.devices@test.example")
    assert _devices(live_server) == []  # Anna's reminders no longer come to this phone
    page.goto(f"{base}/me/reminders")
    # The browser still holds Anna's subscription, but for Ben notifications are off here.
    assert page.evaluate("() => localStorage.getItem('test:push-subscription')") is not None
    expect(page.get_by_role("button", name="Turn on notifications")).to_be_visible()
    expect(page.get_by_text("Notifications are on for this phone.")).to_be_hidden()
    screenshot(page, "push-device-after-another-sign-in")
    # Nobody's notifications come here now, Ben's included, until he turns them on.
    assert _devices(live_server) == []
