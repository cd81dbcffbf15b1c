"""Right to left, once: the main pages with ``dir="rtl"`` forced keep their layout, mirrored.

No language the app speaks is written right to left yet; the stylesheets use logical
properties (inline-start/end) so that adding one needs no layout work. This opens the main
pages at phone size, sets ``<html dir="rtl">`` and checks that nothing scrolls sideways and
that what starts a line sits on the right: headings' and table cells' text, the focused skip
link, the brand, a card's accent border.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import Factory
from tests.e2e.conftest import ARTIFACTS, PHONE, SHORT_PROGRAM, LiveServer, sign_in
from webapp.services import alerts, clock

PAGES = {
    "rtl.patient@test.example": ["/me/", "/me/play", "/me/checkin", "/me/progress"],
    "rtl.therapist@test.example": [
        "/clinic/",
        "/clinic/patients/{patient}",
        "/clinic/patients/{patient}/program",
    ],
}

# What sits where once the page is right to left (run in the page).
_MIRRORED = """() => {
  const found = [];
  const doc = document.documentElement;
  const width = doc.clientWidth;
  if (doc.scrollWidth > width) found.push(`page ${doc.scrollWidth}px wide in ${width}px`);
  // Inside a box that scrolls or clips (a wide table's region) or a drawing, parts may
  // lie beyond the page: the box is what must fit.
  const contained = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (up.tagName.toLowerCase() === "svg" || getComputedStyle(up).overflowX !== "visible") {
        return true;
      }
    }
    return false;
  };
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1)
        && getComputedStyle(el).position !== "absolute" && !contained(el)) {
      const name = el.getAttribute("class") || "";
      found.push(`${el.tagName.toLowerCase()}.${name} outside the page`);
    }
  }
  // A heading's or a table cell's text starts on the right of its box.
  for (const heading of document.querySelectorAll("main h1, main h2, main th, main td")) {
    const range = document.createRange();
    range.selectNodeContents(heading);
    const text = range.getBoundingClientRect();
    const box = heading.getBoundingClientRect();
    const style = getComputedStyle(heading);
    const right = box.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
    const room = right - box.left - parseFloat(style.paddingLeft) - text.width;
    if (text.width && room > 8 && Math.abs(right - text.right) > 2) {
      found.push(`"${heading.textContent.trim()}" does not start on the right`);
    }
  }
  // The skip link, once focused, shows at the start of the line: the right.
  const skip = document.querySelector(".skip-link");
  if (skip) {
    skip.focus();
    const box = skip.getBoundingClientRect();
    if (box.left + box.width / 2 < width / 2) found.push("the skip link shows on the left");
    skip.blur();
  }
  const brand = document.querySelector(".brand");
  if (brand) {
    const box = brand.getBoundingClientRect();
    if (box.left + box.width / 2 < width / 2) found.push("the brand is not on the right");
  }
  // An accent border on the inline-start side is drawn on the right.
  for (const el of document.querySelectorAll(".cautions, .alert-item")) {
    const style = getComputedStyle(el);
    if (parseFloat(style.borderRightWidth) <= parseFloat(style.borderLeftWidth)) {
      found.push(`.${el.className}'s start border is not on the right`);
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def rtl_clinic(live_server: LiveServer) -> dict[str, Any]:
    """A therapist and a patient with a program, check-ins and an open alert."""
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist(login="rtl.therapist@test.example", name="Rana Haddad")
        patient = make.patient(therapist, login="rtl.patient@test.example", name="Omar Saleh")
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
        today = clock.local_today(patient.timezone)
        for offset in range(0, 7):
            make.checkin(patient, today - timedelta(days=offset), pain=4 + offset % 5)
        alerts.evaluate(session, patient)
        return {"patient": patient.id}


@pytest.mark.parametrize("login", list(PAGES), ids=["patient", "therapist"])
def test_main_pages_mirror_when_right_to_left(
    live_server: LiveServer,
    new_context: Callable[..., Any],
    rtl_clinic: dict[str, Any],
    login: str,
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(page, live_server.url, login)
    problems: dict[str, list[str]] = {}
    for path in PAGES[login]:
        page.goto(live_server.url + path.format(**rtl_clinic))
        page.wait_for_load_state("networkidle")
        page.evaluate("() => { document.documentElement.dir = 'rtl'; }")
        found = page.evaluate(_MIRRORED)
        ARTIFACTS.mkdir(exist_ok=True)
        name = path.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "home"
        page.screenshot(path=str(ARTIFACTS / f"rtl-{name}.png"))
        if found:
            problems[path] = found
    assert problems == {}
