"""Real-browser fixtures: a live server on its own database and Debian's Chromium.

Without Chromium these tests are skipped with the reason printed; under ``CI=true`` a
missing Chromium fails the run instead.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tests.conftest import IN_CI, PASSWORD, make_test_app
from webapp.extensions import db
from webapp.services import library

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


def chromium_path() -> str | None:
    """Return the path of Debian's Chromium, if installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here as a browser test; skip them (or fail in CI) without Chromium."""
    here = Path(__file__).parent
    mine = [item for item in items if Path(str(item.fspath)).is_relative_to(here)]
    for item in mine:
        item.add_marker(pytest.mark.browser)
    if mine and chromium_path() is None:
        if IN_CI:
            raise pytest.UsageError(
                "CI=true and Chromium is missing: run `make test`, which installs it."
            )
        for item in mine:
            item.add_marker(
                pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
            )


@dataclass
class LiveServer:
    """A running app and where to reach it."""

    app: Flask
    url: str

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Give a session on the live database; commit on success."""
        with self.app.app_context():
            yield db.session
            db.session.commit()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Start the app on a free port with its own migrated SQLite database."""
    from flask_migrate import upgrade

    base = tmp_path_factory.mktemp("live")
    app = make_test_app(
        f"sqlite:///{base / 'live.db'}",
        base / "instance",
        # Many sign-ins from one address in a few seconds: raise the limits, but keep the
        # limiter itself on (it is one object shared by every app in this process).
        LOGIN_RATE_LIMIT="1000 per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="1000 per minute",
        INVITE_RATE_LIMIT="1000 per minute",
    )
    with app.app_context():
        upgrade()
        library.sync_builtin(db.session)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Links in push payloads and invites point at this server.
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    """Start Playwright once for the run."""
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    instance = manager.start()
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    """Launch Debian's Chromium, headless."""
    chromium = playwright_instance.chromium.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.fixture
def new_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """Return a factory of fresh browser contexts, closed after the test."""
    contexts: list[Any] = []

    def factory(**kwargs: Any) -> Any:
        kwargs.setdefault("timezone_id", "Europe/London")
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def persistent_context(playwright_instance: Any, tmp_path: Path) -> Iterator[Any]:
    """A normal (not incognito) Chromium profile: installability and push need one."""
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=chromium_path(),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport=PHONE,
        timezone_id="Europe/London",
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


def sign_in(page: Any, base: str, login: str, password: str = PASSWORD) -> None:
    """Sign in through the form, like a person."""
    page.goto(f"{base}/login")
    page.get_by_label("Email or sign-in name").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


# A short program for the player, once a day: a hold with sets and rest, and a repetition one.
# Pass it to the factory: ``make.program(patient, therapist=therapist, **SHORT_PROGRAM)``.
SHORT_PROGRAM: dict[str, Any] = {
    "slugs": ("chin-tuck", "ankle-pumps"),
    "times_per_day": 1,
    "doses": {
        "chin-tuck": {"sets": "2", "reps": "2", "hold_seconds": "5", "rest_seconds": "10"},
        "ankle-pumps": {"sets": "1", "reps": "3", "hold_seconds": "0", "rest_seconds": "0"},
    },
}


def wait_for_controller(page: Any) -> None:
    """Wait until the service worker controls the page (reloading once if needed)."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => Boolean(navigator.serviceWorker.controller)"):
        page.reload()
    assert page.evaluate("() => Boolean(navigator.serviceWorker.controller)")


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot under test-artifacts/ for the README and for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
