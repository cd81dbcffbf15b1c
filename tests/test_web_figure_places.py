"""Figures beyond the exercise page: thumbnails in lists, the player's pace, the handout."""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, login
from webapp.models import Exercise

THUMB = re.compile(r'<img class="thumb" src="(/figures/(\d+)/([0-9a-f]{12})\.svg)" alt=""[^>]*>')


def _exercise(session: Session, slug: str) -> Exercise:
    found = session.scalar(select(Exercise).where(Exercise.slug == slug))
    assert found is not None
    return found


def test_today_shows_a_lazy_cacheable_start_thumbnail_per_exercise(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.program(patient, therapist=therapist)
    login(client, patient)
    html = client.get("/me/").get_data(as_text=True)
    found = THUMB.findall(html)
    assert [int(i) for _, i, _ in found] == [
        _exercise(session, "chin-tuck").id,
        _exercise(session, "ankle-pumps").id,
    ]
    assert html.count('loading="lazy"') >= 2 and "<svg" not in html.split("today-plan")[1][:4000]

    url = found[0][0]
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    svg = gzip.decompress(response.get_data()).decode()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and "viewBox" in root.attrib
    assert "<script" not in svg and " style=" not in svg and "href" not in svg
    assert len(svg) < 2500 and len(response.get_data()) < 700  # small on a phone's first visit

    # A page from before a change asks for the old version: today's picture, not kept.
    old = client.get(url.replace(found[0][2], "0" * 12))
    assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"


def test_a_thumbnail_changes_its_url_when_the_exercise_changes(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    login(client, therapist)
    program = make.program(make.patient(therapist), therapist=therapist)
    picker = client.get(f"/clinic/programs/{program.id}/picker?q=bridge").get_data(as_text=True)
    bridge = _exercise(session, "bridge")
    before = [url for url, i, _ in THUMB.findall(picker) if int(i) == bridge.id]
    assert before, "the builder's search results show the start thumbnail"
    bridge.content_version += 1
    session.flush()
    picker = client.get(f"/clinic/programs/{program.id}/picker?q=bridge").get_data(as_text=True)
    after = [url for url, i, _ in THUMB.findall(picker) if int(i) == bridge.id]
    assert after and after != before


def test_thumbnails_only_for_people_who_may_see_the_exercise(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    # Not self-care and not in this patient's program.
    hidden = _exercise(session, "post-op-quad-set")
    url = f"/figures/{hidden.id}/000000000000.svg"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    login(client, patient)
    assert client.get(url).status_code == 404
    login(client, therapist)
    assert client.get(url).status_code == 200


def test_the_player_paces_each_figure_to_its_hold_timer(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    doses = {"chin-tuck": {"hold_seconds": "8"}, "ankle-pumps": {"hold_seconds": "0"}}
    make.program(patient, therapist=therapist, times_per_day=1, doses=doses)
    login(client, patient)
    html = client.get("/me/play").get_data(as_text=True)
    first, second = html.split('id="step-2"')
    # 8 s on the clock: the figure moves for 2 s, holds 6, and its hold ends with the clock.
    assert 'id="figure-1"' in first and 'data-figure-hold-end="8.0"' in first
    assert "<animateTransform" in first and 'class="figure figure--still"' in first
    assert 'id="figure-2"' in second and "data-figure-reach" in second
