"""Exercise figures in real Chromium: they move, pause, stay still for reduced motion."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from tests.conftest import Factory
from tests.e2e.conftest import PHONE, LiveServer, screenshot, sign_in
from webapp.models import Exercise

ROOT = Path(__file__).resolve().parent.parent.parent
TIME = "() => document.querySelector('[data-figure-moving] svg').getCurrentTime()"


@pytest.fixture(scope="module")
def bridge(live_server: LiveServer) -> dict[str, Any]:
    """A patient and the self-care exercise they will look at."""
    with live_server.session() as session:
        make = Factory(session)
        make.patient(make.therapist(), login="figure.patient@test.example")
        exercise = session.scalar(select(Exercise).where(Exercise.slug == "bridge"))
        assert exercise is not None
        return {"url": f"{live_server.url}/library/{exercise.id}"}


def _serious(page: Any) -> list[str]:
    results = Axe().run(page)
    violations = results.response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def test_figure_moves_and_the_pause_button_stops_it(
    live_server: LiveServer, new_context: Callable[..., Any], bridge: dict[str, Any]
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, live_server.url, "figure.patient@test.example")
    page.goto(bridge["url"])
    figure = page.locator("[data-figure-moving] svg")
    assert figure.is_visible() and not page.locator(".exfig__still > svg").is_visible()
    first = page.evaluate(TIME)
    page.wait_for_timeout(700)
    assert page.evaluate(TIME) > first + 0.4, "the figure does not move"

    button = page.get_by_role("button", name="Pause the picture")
    button.click()
    assert page.evaluate(TIME.replace("getCurrentTime", "animationsPaused"))
    paused_at = page.evaluate(TIME)
    page.wait_for_timeout(600)
    assert page.evaluate(TIME) == paused_at, "the figure kept moving after Pause"

    page.get_by_role("button", name="Play the picture").click()
    page.wait_for_timeout(500)
    assert page.evaluate(TIME) > paused_at + 0.3
    assert _serious(page) == []
    screenshot(page, "phone-exercise-figure")


def test_reduced_motion_shows_two_still_frames(
    live_server: LiveServer, new_context: Callable[..., Any], bridge: dict[str, Any]
) -> None:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, reduced_motion="reduce")
    page = context.new_page()
    sign_in(page, live_server.url, "figure.patient@test.example")
    page.goto(bridge["url"])
    still = page.locator(".exfig__still > svg")
    assert still.is_visible()
    assert not page.locator("[data-figure-moving]").is_visible()
    assert not page.locator("[data-figure-toggle]").is_visible()
    # Two frames, each its own small picture, and nothing in them that moves.
    assert still.locator("svg").count() == 2
    assert still.locator("animateTransform").count() == 0
    before = still.screenshot()
    page.wait_for_timeout(800)
    assert still.screenshot() == before
    assert _serious(page) == []


def test_review_sheet_png_through_chromium(tmp_path: Path) -> None:
    # Its own process, as a clinician would run it (Playwright's sync API refuses to start
    # inside the test run's own browser loop).
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "figures", "sheet"]
        + ["--out", str(tmp_path / "sheet"), "--only", "bridge,clamshell"],
        cwd=ROOT,
        env={**os.environ, "INSTANCE_PATH": str(tmp_path / "instance")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    tmp_path = tmp_path / "sheet"
    html = (tmp_path / "figures-sheet.html").read_text()
    assert "Bridge" in html and "Clamshell" in html and "Knee to chest" not in html
    png = (tmp_path / "figures-sheet.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
