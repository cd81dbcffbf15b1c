"""Where exercise figures show, in real Chromium: the guided player, the printed handout,
and the exercise editor where a therapist poses a clinic exercise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import Factory
from tests.e2e.conftest import (
    PHONE,
    SHORT_PROGRAM,
    LiveServer,
    screenshot,
    sign_in,
    wait_for_controller,
)
from webapp.models import Exercise, ExerciseSource

MOVING = "#step-1 [data-figure-moving] svg"
TIME = f"() => document.querySelector('{MOVING}').getCurrentTime()"
PAUSED = f"() => document.querySelector('{MOVING}').animationsPaused()"


@pytest.fixture(scope="module")
def player_patient(live_server: LiveServer) -> str:
    """A patient whose program starts with a 5-second hold (chin tuck)."""
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist()
        login = "figure.player@test.example"
        patient = make.patient(therapist, login=login)
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
    return login


def test_player_figure_moves_with_the_hold_timer_and_stops_when_paused(
    live_server: LiveServer, new_context: Callable[..., Any], player_patient: str
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, live_server.url, player_patient)
    page.goto(f"{live_server.url}/me/play")
    step = page.locator("#step-1")
    expect(step.locator("[data-figure-moving] svg")).to_be_visible()
    # Before the clock starts the figure stands still in its start position.
    assert page.evaluate(PAUSED) and page.evaluate(TIME) == 0
    page.wait_for_timeout(400)
    assert page.evaluate(TIME) == 0

    step.get_by_role("button", name="Start").click()
    page.wait_for_timeout(1500)
    assert not page.evaluate(PAUSED)
    moving_at = page.evaluate(TIME)
    assert 1.0 < moving_at < 2.5, moving_at

    step.get_by_role("button", name="Pause").click()
    assert page.evaluate(PAUSED)
    paused_at = page.evaluate(TIME)
    # The figure stands where the clock stopped: the same seconds into the hold.
    clock = step.locator("[data-clock]").inner_text()
    assert clock == "0:04" and 1.0 < paused_at < 2.5
    page.wait_for_timeout(700)
    assert page.evaluate(TIME) == paused_at, "the figure kept moving while the timer was paused"

    step.get_by_role("button", name="Resume").click()
    page.wait_for_timeout(600)
    assert page.evaluate(TIME) > paused_at + 0.3
    screenshot(page, "phone-player-figure")


def test_player_under_reduced_motion_shows_two_still_frames(
    live_server: LiveServer, new_context: Callable[..., Any], player_patient: str
) -> None:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, reduced_motion="reduce")
    page = context.new_page()
    sign_in(page, live_server.url, player_patient)
    page.goto(f"{live_server.url}/me/play")
    step = page.locator("#step-1")
    still = step.locator(".exfig__still > svg")
    expect(still).to_be_visible()
    assert still.locator("svg").count() == 2
    assert not step.locator("[data-figure-moving]").is_visible()

    step.get_by_role("button", name="Start").click()
    before = still.screenshot()
    page.wait_for_timeout(900)
    assert still.screenshot() == before
    # The hidden moving picture is kept still too.
    assert page.evaluate(PAUSED) and page.evaluate(TIME) == 0


def test_offline_the_program_figures_are_kept(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist()
        patient = make.patient(therapist, login="figure.offline@test.example")
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, "figure.offline@test.example")
    wait_for_controller(page)
    page.goto(f"{live_server.url}/me/")  # Today, once more with a connection, and nothing else
    thumbs = page.locator("img.thumb")
    expect(thumbs).to_have_count(2)
    # The worker keeps the player's page for Today's exercises in the background.
    page.wait_for_function(
        "() => caches.open('bv-pages').then((c) => c.match('/me/play')).then(Boolean)"
    )

    context.set_offline(True)
    page.goto(f"{live_server.url}/me/")
    expect(thumbs).to_have_count(2)
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.thumb')].every((i) => i.naturalWidth > 0)"
    )
    page.goto(f"{live_server.url}/me/play")
    expect(page.locator("#step-1 [data-figure-moving] svg")).to_be_visible()
    assert page.locator("#step-2 [data-figure-moving] svg").count() == 1


GREYS = """(svg) => [...svg.querySelectorAll('*')].flatMap((el) =>
  ['fill', 'stroke'].map((a) => el.getAttribute(a)).filter((c) => c && c.startsWith('#'))
).filter((c) => !/^#(000|fff|([0-9a-f]{2})\\2\\2)$/i.test(c))"""


def test_the_handout_prints_start_and_end_frames_in_black_and_white(
    live_server: LiveServer, new_context: Callable[..., Any], player_patient: str
) -> None:
    page = new_context().new_page()
    sign_in(page, live_server.url, player_patient)
    page.emulate_media(media="print")
    page.goto(f"{live_server.url}/me/program/handout")
    frames = page.locator(".handout__frames > svg")
    expect(frames).to_have_count(2)  # chin tuck and ankle pumps
    for i in range(2):
        figure = frames.nth(i)
        expect(figure).to_be_visible()
        assert figure.locator("svg").count() == 2  # start and end, side by side
        assert figure.locator("animateTransform").count() == 0
        assert figure.evaluate(GREYS) == [], "a colour on the printed handout"
        box = figure.bounding_box()
        assert box is not None and box["width"] > 150 and box["height"] > 40
    # The arrows of the movement print too (black, on the start frame).
    assert frames.first.locator('svg g[stroke="#000"] path[fill="#000"]').count() >= 1
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    screenshot(page, "handout-print")


def test_a_therapist_poses_a_clinic_exercise_and_an_angle_too_far_is_refused(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.session() as session:
        make = Factory(session)
        make.therapist(login="figure.poser@test.example")
        exercise = Exercise(
            slug="clinic-seated-hip-lift",
            source=ExerciseSource.CLINIC,
            title="Seated hip lift",
            kind="mobility",
            purpose="Keeps the hip moving.",
            steps=["Sit tall on a firm chair.", "Lift one knee a little, then lower it."],
            cautions=["Stop on sharp pain."],
        )
        session.add(exercise)
        session.flush()
        exercise_id = exercise.id
    page = new_context(viewport={"width": 1000, "height": 900}).new_page()
    sign_in(page, live_server.url, "figure.poser@test.example")
    page.goto(f"{live_server.url}/library/{exercise_id}/edit")
    page.get_by_role("link", name="Pose the figure").click()
    page.get_by_label("Base position").select_option("sitting")
    page.get_by_role("button", name="Start again from this position").click()
    expect(page.locator("#start-knee_r")).to_have_value("90")

    # A slider moves the preview (htmx) and shows its number.
    hip = page.locator("#end-hip_r")
    hip.fill("115")
    expect(hip.locator("xpath=following-sibling::output")).to_have_text("115°")
    expect(page.locator("#pose-preview svg svg")).to_have_count(2)
    expect(page.locator("#pose-preview")).not_to_contain_text("Not yet right")

    page.locator("#end-knee_r").fill("160")
    expect(page.locator("#pose-preview")).to_contain_text(
        "outside the normal range of knee flexion"
    )
    page.get_by_role("button", name="Save the figure").click()
    knee = page.get_by_label("Right knee").last
    expect(knee).to_have_value("160")
    message = "160° is outside the normal range of knee flexion (0° to 135°)."
    expect(page.locator("#end-knee_r-error")).to_have_text(message)
    assert knee.get_attribute("aria-describedby") == "end-knee_r-hint end-knee_r-error"
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    screenshot(page, "pose-editor-refused")

    knee.fill("100")
    page.get_by_role("button", name="Save the figure").click()
    expect(page.get_by_text("The figure is saved.")).to_be_visible()
    expect(page.locator("[data-figure-moving] svg")).to_be_visible()
