"""The installable, offline-first app in real Chromium: install, offline, sync, push, update."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.conftest import Factory
from tests.e2e.conftest import (
    PHONE,
    SHORT_PROGRAM,
    LiveServer,
    screenshot,
    sign_in,
    wait_for_controller,
)
from tests.pushservice import PushService
from webapp.models import CheckIn, Completion, User
from webapp.services import devices


def _patient(live_server: LiveServer, login: str) -> int:
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist()
        patient = make.patient(therapist, name="Noor Haddad", login=login)
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
        return patient.id


def test_installable_in_a_real_profile(live_server: LiveServer, persistent_context: Any) -> None:
    _patient(live_server, "install.e2e@test.example")
    page = persistent_context.new_page()
    sign_in(page, live_server.url, "install.e2e@test.example")
    wait_for_controller(page)
    cdp = persistent_context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    parsed = json.loads(manifest["data"])
    assert parsed["display"] == "standalone" and parsed["start_url"].startswith("/me/")
    for icon in parsed["icons"]:
        response = page.request.get(f"{live_server.url}{icon['src']}")
        assert response.ok, icon


def test_offline_plan_and_actions_sync_exactly_once(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    patient_id = _patient(live_server, "offline.e2e@test.example")
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, "offline.e2e@test.example")
    wait_for_controller(page)
    for path in ("/me/program", "/me/checkin", "/me/"):  # visited once with a connection
        page.goto(f"{live_server.url}{path}")

    context.set_offline(True)
    page.goto(f"{live_server.url}/me/program")
    expect(page.get_by_role("heading", name="Chin tuck")).to_be_visible()
    page.goto(f"{live_server.url}/me/")
    expect(page.get_by_text("0 of 2 done")).to_be_visible()
    page.get_by_role("button", name="Mark done Chin tuck").click()
    expect(page.get_by_text("Saved on this phone — will sync").first).to_be_visible()
    screenshot(page, "patient-offline")

    page.goto(f"{live_server.url}/me/checkin")
    page.locator(".scale-field").first.locator(".scale__option", has_text="3").click()
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_text("saved on this phone — it will sync")).to_be_visible()
    page.close()  # the app is closed while still offline

    with live_server.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(Completion)
                .where(Completion.patient_id == patient_id)
            )
            == 0
        )

    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{live_server.url}/me/")
    expect(page.get_by_text("1 of 2 done")).to_be_visible(timeout=15_000)
    # The check-in goes after the exercise: wait until the phone holds nothing more (a
    # reload in the middle of a send would cancel it, to be sent again on the next open).
    page.wait_for_function("() => self.bvOutbox.all().then((all) => all.length === 0)")
    page.reload()  # opening again must not send anything twice
    expect(page.get_by_text("1 of 2 done")).to_be_visible()
    time.sleep(0.5)
    with live_server.session() as session:
        completions = session.scalars(
            select(Completion).where(Completion.patient_id == patient_id)
        ).all()
        checkins = session.scalars(select(CheckIn).where(CheckIn.patient_id == patient_id)).all()
        assert len(completions) == 1 and completions[0].exercise.slug == "chin-tuck"
        assert len(checkins) == 1 and checkins[0].pain == 3


@pytest.fixture
def push_service() -> Iterator[PushService]:
    """A local push service, standing in for the browser vendor's."""
    with PushService() as service:
        yield service


def test_push_reaches_the_service_worker_and_shows(
    live_server: LiveServer, persistent_context: Any, push_service: PushService
) -> None:
    patient_id = _patient(live_server, "push.e2e@test.example")
    origin = live_server.url
    persistent_context.grant_permissions(["notifications"], origin=origin)
    page = persistent_context.new_page()
    cdp = persistent_context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(
            r["registrationId"] for r in event["registrations"] if r["scopeURL"] == f"{origin}/"
        ),
    )
    cdp.send("ServiceWorker.enable")
    sign_in(page, origin, "push.e2e@test.example")
    wait_for_controller(page)
    assert registrations

    # Chromium here cannot reach a real push service (pushManager.subscribe never resolves),
    # so the device's subscription points at the local one, stored the normal way.
    with live_server.session() as session:
        sub = push_service.subscribe("chromium-device")
        devices.save(
            session,
            session.get(User, patient_id),
            endpoint=sub["endpoint"],
            p256dh=sub["keys"]["p256dh"],
            auth=sub["keys"]["auth"],
        )
    # "Send a test", through the app's real sending path.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    sent = page.request.post(
        f"{origin}/push/test", headers={"X-CSRFToken": token, "Accept": "application/json"}
    )
    assert sent.json() == {"devices": 1, "sent": 1, "inapp": 0}
    assert push_service.wait_for(1, 10)
    delivery = push_service.deliveries[0]
    assert delivery.vapid_claims["aud"] == push_service.origin
    # Hand what the push service decrypted to the service worker, as the browser would.
    # (Headless Chromium sometimes drops a message handed over while the worker is starting;
    # a second hand-over of the same message then shows it. The tag keeps it to one.)
    notifications: list[dict[str, Any]] = []
    for _attempt in range(3):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": origin,
                "registrationId": registrations[-1],
                "data": json.dumps(delivery.payload),
            },
        )
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and not notifications:
            notifications = page.evaluate(
                "() => navigator.serviceWorker.ready.then(r => r.getNotifications())"
                ".then(list => list.map(n => ({title: n.title, tag: n.tag, body: n.body,"
                " url: n.data && n.data.url})))"
            )
            time.sleep(0.2)
        if notifications:
            break
    assert notifications == [
        {
            "title": "This is how your reminders will look",
            "tag": delivery.topic,
            "body": delivery.payload["notification"]["body"],
            "url": delivery.payload["notification"]["navigate"],
        }
    ]


def test_a_new_version_asks_before_reloading(
    live_server: LiveServer, new_context: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _patient(live_server, "update.e2e@test.example")
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, live_server.url, "update.e2e@test.example")
    wait_for_controller(page)
    first = page.evaluate("() => navigator.serviceWorker.controller.scriptURL")
    from webapp.web.pwa import routes

    monkeypatch.setattr(routes, "shell_version", lambda: "next-version")
    page.reload()
    page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
    bar = page.locator("[data-update]")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("Update available")
    # Nothing changes until the patient says so.
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL") == first
    with page.expect_navigation():
        bar.get_by_role("button", name="Reload").click()
    page.wait_for_load_state()
    version = page.evaluate(
        "() => caches.keys().then(keys => keys.filter(k => k.startsWith('bv-shell-')))"
    )
    assert version == ["bv-shell-next-version"]


def test_signing_out_forgets_the_saved_pages(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    _patient(live_server, "shared.phone@test.example")
    context = new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "shared.phone@test.example")
    wait_for_controller(page)
    page.goto(f"{live_server.url}/me/program")
    page.goto(f"{live_server.url}/me/")
    expect(page.locator(".today__hello")).to_contain_text("Noor")
    page.get_by_role("button", name="Sign out Noor Haddad").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    context.set_offline(True)
    for path in ("/me/", "/me/program"):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
        assert "Noor" not in page.content()


def test_the_offline_page_follows_a_change_of_language(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    # The worker keeps one offline page, in the language of whoever installed it; a person
    # who then switches to Spanish must not meet an English page when the network goes.
    _patient(live_server, "switches.language@test.example")
    context = new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server.url, "switches.language@test.example")
    wait_for_controller(page)
    page.goto(f"{live_server.url}/account")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Save details").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/me/")  # a page in Spanish: the worker swaps the offline page
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.wait_for_function(
        """async () => {
            const kept = await (await caches.keys()).reduce(async (found, name) =>
                (await found) || (name.startsWith("bv-shell-") &&
                    (await (await caches.open(name)).match("/offline"))), Promise.resolve(null));
            return kept && kept.headers.get("Content-Language") === "es";
        }"""
    )
    context.set_offline(True)
    page.goto(f"{live_server.url}/clinic/")  # no saved copy of this one: the offline page
    expect(page.get_by_role("heading", name="No tienes conexión")).to_be_visible()


def test_an_iphone_is_shown_how_to_add_the_app_to_its_home_screen(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    # Today carries only a placeholder; the card is fetched where installing is possible.
    _patient(live_server, "iphone.install@test.example")
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
    )
    context = new_context(viewport=PHONE, user_agent=iphone)
    page = context.new_page()
    sign_in(page, live_server.url, "iphone.install@test.example")
    page.goto(f"{live_server.url}/me/")
    card = page.locator("[data-install]")
    expect(
        card.get_by_role("heading", name="Keep Between Visits on your home screen")
    ).to_be_visible()
    expect(card.get_by_text("Add to Home Screen")).to_be_visible()
    expect(card.get_by_role("button", name="Install the app")).to_be_hidden()
    card.get_by_role("button", name="Got it").click()
    expect(card).to_be_hidden()
    page.reload()
    expect(
        page.get_by_role("heading", name="Keep Between Visits on your home screen")
    ).to_have_count(0)
