"""Accessibility in real Chromium: axe on every main page at phone size, plus screenshots."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from tests.conftest import Factory
from tests.e2e.conftest import (
    ARTIFACTS,
    PHONE,
    SHORT_PROGRAM,
    LiveServer,
    screenshot,
    sign_in,
)
from webapp.models import Exercise, utcnow
from webapp.services import clock, invites, programs

PATIENT_PAGES = [
    "/me/",
    "/me/play",
    "/me/checkin",
    "/me/soreness",
    "/me/progress",
    "/me/program",
    "/me/reminders",
    "/me/program/handout",
    "/me/messages",
    "/library/",
    "/library/{exercise}",
    "/account",
]
THERAPIST_PAGES = [
    "/clinic/",
    "/clinic/patients/{patient}",
    "/clinic/patients/{patient}/program",
    "/clinic/patients/{patient}/report",
    "/clinic/patients/{patient}/report?print=1",
    "/clinic/programs/{program}/handout",
    "/clinic/visits/{visit}",
    "/clinic/patients/{newcomer}/invite",
    "/clinic/settings",
    "/clinic/patients/new",
    "/clinic/messages",
    "/clinic/patients/{patient}/messages",
    "/clinic/quick-replies",
    "/library/new",
    "/library/?region=knees",
]
ADMIN_PAGES = ["/admin/", "/admin/patients", "/admin/audit"]
PUBLIC_PAGES = ["/login", "/forgot", "/i/{invite}", "/offline"]


@pytest.fixture(scope="module")
def clinic(live_server: LiveServer) -> dict[str, Any]:
    """A therapist, a patient with a program and a week of check-ins, an admin, an invite."""
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist(login="axe.therapist@test.example", name="Ada Axe")
        patient = make.patient(therapist, login="axe.patient@test.example", name="Pat Axe")
        make.admin(login="axe.admin@test.example")
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
        today = clock.local_today(patient.timezone)
        for offset in range(1, 8):
            make.checkin(
                patient, today - timedelta(days=offset), pain=3 + offset % 3, regions=["neck"]
            )
        newcomer = make.patient(therapist, login=None, password=None, name="Neve New")
        token = invites.issue(session, newcomer, created_by=therapist)
        exercise = session.scalar(select(Exercise).where(Exercise.slug == "chin-tuck"))
        assert exercise is not None
        program = programs.active_program(session, patient)
        assert program is not None
        visit = make.visit(patient, utcnow() + timedelta(days=3), therapist=therapist)
        # A therapist and a patient who both read the app in Spanish.
        terapeuta = make.therapist(login="axe.terapeuta@test.example", name="Marta Axe")
        paciente = make.patient(terapeuta, login="axe.paciente@test.example", name="Lucía Romero")
        terapeuta.language = paciente.language = "es"
        make.program(paciente, therapist=terapeuta, **SHORT_PROGRAM)
        for offset in range(1, 8):
            make.checkin(paciente, today - timedelta(days=offset), pain=2 + offset % 4)
        return {
            "paciente": paciente.id,
            "patient": patient.id,
            "exercise": exercise.id,
            "invite": token,
            "program": program.id,
            "visit": visit.id,
            "newcomer": newcomer.id,
        }


def _check(page: Any, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    return [
        f"{url}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    ("login", "paths"),
    [
        ("axe.patient@test.example", PATIENT_PAGES),
        ("axe.therapist@test.example", THERAPIST_PAGES),
        ("axe.admin@test.example", ADMIN_PAGES),
        (None, PUBLIC_PAGES),
    ],
    ids=["patient", "therapist", "admin", "public"],
)
def test_no_serious_or_critical_violations(
    live_server: LiveServer,
    new_context: Callable[..., Any],
    clinic: dict[str, Any],
    login: str | None,
    paths: list[str],
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    if login:
        sign_in(page, live_server.url, login)
    problems: list[str] = []
    for path in paths:
        problems += _check(page, live_server.url + path.format(**clinic))
    assert problems == []


def test_phone_screenshots_of_the_main_pages(
    live_server: LiveServer, new_context: Callable[..., Any], clinic: dict[str, Any]
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, live_server.url, "axe.patient@test.example")
    for name, path in [
        ("today", "/me/"),
        ("player", "/me/play"),
        ("checkin", "/me/checkin"),
        ("progress", "/me/progress"),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(
            path=str(screenshot(page, f"phone-{name}").with_name(f"phone-{name}-viewport.png"))
        )
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, live_server.url, "axe.therapist@test.example")
    page.goto(f"{live_server.url}/clinic/patients/{clinic['patient']}/program")
    screenshot(page, "phone-builder")
    wide = new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(wide, live_server.url, "axe.patient@test.example")
    wide.goto(f"{live_server.url}/me/progress")
    wide.screenshot(
        path=str(screenshot(wide, "wide-progress").with_name("wide-progress-viewport.png"))
    )


# Reflow (WCAG 1.4.10) at 320 CSS px, and text at 200 % (1.4.4) on a 390 px phone: the
# browser's own text-size setting doubles the root font size, so every rem and em grows.
REFLOW_VIEWS = {
    "320px": {"viewport": {"width": 320, "height": 640}, "font_px": 16},
    "390px-text-200": {"viewport": PHONE, "font_px": 32},
}

# What scrolls sideways: the page itself, or a box that is not a table's own scroll region.
_SIDEWAYS = """() => {
  const doc = document.documentElement;
  const found = [];
  if (doc.scrollWidth > doc.clientWidth) {
    found.push(`page ${doc.scrollWidth}px wide in ${doc.clientWidth}px`);
  }
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (style.overflowX !== "auto" && style.overflowX !== "scroll") continue;
    if (el.scrollWidth <= el.clientWidth) continue;
    const label = el.getAttribute("aria-label") || "";
    const region = el.matches('.table-scroll[role="region"][tabindex="0"]') && label
      && label !== "Table" && el.querySelector("table");
    if (!region) found.push(`${el.tagName.toLowerCase()}.${el.className} scrolls sideways`);
  }
  return found;
}"""


@pytest.mark.parametrize("view", list(REFLOW_VIEWS), ids=list(REFLOW_VIEWS))
@pytest.mark.parametrize(
    ("login", "paths"),
    [
        ("axe.patient@test.example", PATIENT_PAGES),
        ("axe.therapist@test.example", THERAPIST_PAGES),
        ("axe.admin@test.example", ADMIN_PAGES),
        (None, PUBLIC_PAGES),
    ],
    ids=["patient", "therapist", "admin", "public"],
)
def test_every_page_reflows_without_sideways_scrolling(
    live_server: LiveServer,
    new_context: Callable[..., Any],
    clinic: dict[str, Any],
    login: str | None,
    paths: list[str],
    view: str,
) -> None:
    settings = REFLOW_VIEWS[view]
    context = new_context(viewport=settings["viewport"], is_mobile=True, has_touch=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": settings["font_px"]}})
    if login:
        sign_in(page, live_server.url, login)
    problems: dict[str, list[str]] = {}
    for path in paths:
        url = live_server.url + path.format(**clinic)
        page.goto(url)
        page.wait_for_load_state("networkidle")
        root = page.evaluate("() => getComputedStyle(document.documentElement).fontSize")
        assert root == f"{settings['font_px']}px", f"text size not applied on {path}"
        for details in page.locator("details").all():
            details.evaluate("(el) => { el.open = true; }")
        found = page.evaluate(_SIDEWAYS)
        if found:
            problems[path] = found
            # The viewport only: a full-page capture re-emulates the screen and drops the
            # text size for the pages after this one.
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            page.screenshot(path=str(ARTIFACTS / f"reflow-{view}-{name}.png"))
    assert problems == {}


# The main pages as a Spanish-speaking patient and therapist see them, at phone size.
SPANISH_PAGES = {
    "axe.paciente@test.example": [
        ("today", "/me/"),
        ("player", "/me/play"),
        ("checkin", "/me/checkin"),
        ("progress", "/me/progress"),
    ],
    "axe.terapeuta@test.example": [
        ("my-patients", "/clinic/"),
        ("builder", "/clinic/patients/{paciente}/program"),
    ],
}


@pytest.mark.parametrize("login", list(SPANISH_PAGES), ids=["paciente", "terapeuta"])
def test_spanish_pages_pass_axe_with_phone_screenshots(
    live_server: LiveServer, new_context: Callable[..., Any], clinic: dict[str, Any], login: str
) -> None:
    """Spanish speakers' main pages: in Spanish, axe-clean, saved as es-phone-*.png."""
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, live_server.url, login)
    problems: list[str] = []
    for name, path in SPANISH_PAGES[login]:
        problems += _check(page, live_server.url + path.format(**clinic))
        assert page.evaluate("() => document.documentElement.lang") == "es", path
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"es-phone-{name}.png"))
        screenshot(page, f"es-phone-{name}-full")
    assert problems == []
    if login == "axe.paciente@test.example":
        page.goto(live_server.url + "/me/")
        assert "Ejercicios de hoy" in page.locator("main").inner_text()
        # Spanish buttons are wider ("Marcar como hecho"): they go below the exercise's name
        # rather than squeezing it into a column where words break in the middle.
        for title in page.locator(".plan-item__title").all():
            box = title.bounding_box()
            assert box is not None and box["width"] > 120, title.inner_text()
