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

from tests.conftest import IN_CI, make_test_app
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
        RATELIMIT_ENABLED=False,
    )
    with app.app_context():
        upgrade()
        library.sync_builtin(db.session)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
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


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot under test-artifacts/ for the README and for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
