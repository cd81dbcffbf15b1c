"""Warning signs: each ticked sign sends the patient to the right place, and says so honestly."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, local, login, post_form
from tests.test_content_data import _grade
from webapp.content import warning_signs
from webapp.models import Alert, User
from webapp.services import alerts, checkins, devices

MORNING = local("Europe/London", 2026, 4, 1, 9, 0)

# Where each sign must send the patient (issue 12), written out here rather than read from
# the content, so that a change of routing in the TOML has to change this table too.
ROUTING: dict[str, str] = {
    "chest_breathing": "emergency_number",
    "stroke_signs": "emergency_number",
    "bladder_bowel": "emergency_department",
    "fever_wound": "surgical_team_today",
    "calf_clot": "medical_advice_today",
    "back_pain_fever": "medical_advice_today",
    "hot_joint_fever": "medical_advice_today",
    "back_pain_serious": "doctor_soon",
    "numbness_weakness": "clinic_today",
    "fall_injury": "clinic_before_exercising",
}
URGENT = {"emergency_number", "emergency_department", "surgical_team_today", "medical_advice_today"}


def _save(
    session: Session, patient: User, at: datetime = MORNING, **kw: object
) -> checkins.SavedCheckIn:
    data = checkins.CheckInInput(**{"pain": "3", **kw})  # type: ignore[arg-type]
    return checkins.save(session, patient, data, now=at)


def test_every_sign_is_routed_and_every_route_is_used() -> None:
    content = warning_signs.content()
    assert {key: sign.route for key, sign in content.signs.items()} == ROUTING
    assert set(ROUTING.values()) == set(content.routes)
    assert all(sign.source.strip() for sign in content.signs.values())


@pytest.mark.parametrize(("sign", "route"), sorted(ROUTING.items()))
def test_a_crafted_checkin_routes_each_sign(
    session: Session, make: Factory, sign: str, route: str
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    saved = _save(session, patient, warning_signs=[sign])
    assert [r.key for r in saved.flags.routes] == [route]
    assert saved.flags.urgent is (route in URGENT)
    alert = session.scalars(select(Alert).where(Alert.patient_id == patient.id)).one()
    assert alert.kind == "red_flag"
    assert warning_signs.content().signs[sign].label in alert.detail


def test_the_most_urgent_advice_comes_first(session: Session, make: Factory) -> None:
    patient = make.patient()
    saved = _save(session, patient, warning_signs=["fall_injury", "calf_clot", "chest_breathing"])
    assert [r.key for r in saved.flags.routes] == [
        "emergency_number",
        "medical_advice_today",
        "clinic_before_exercising",
    ]


def test_bladder_and_bowel_signs_go_to_the_emergency_department_only() -> None:
    content = warning_signs.content()
    question = content.signs["bladder_bowel"].question.lower()
    for early_sign in ("genitals", "back passage", "inner thighs", "passing urine", "both legs"):
        assert early_sign in question
    advice = " ".join(content.routes["emergency_department"].advice).lower()
    assert "emergency department" in advice and "not an urgent-care" in advice


def test_only_fever_or_a_bad_wound_after_surgery_counts() -> None:
    question = warning_signs.content().signs["fever_wound"].question.lower()
    assert "operation" in question and "chills" in question
    assert all(w in question for w in ("hot", "red", "oozing", "opening"))


def test_high_pain_advice_keeps_a_bad_back_moving() -> None:
    advice = " ".join(warning_signs.content().pain.advice).lower()
    assert "keep gently moving" in advice and "resting in bed" in advice
    assert not re.search(r"\brest[,.]", advice)


def test_new_signs_after_an_acknowledged_alert_raise_a_new_one(
    session: Session, make: Factory
) -> None:
    patient = make.patient(make.therapist())
    _save(session, patient, warning_signs=["numbness_weakness"])
    first = session.scalars(select(Alert)).one()
    first.status = "acknowledged"
    # Still the same sign: the therapist knows, so it stays quiet.
    _save(session, patient, MORNING.replace(day=2), warning_signs=["numbness_weakness"])
    assert session.scalars(select(Alert).where(Alert.status == "open")).all() == []
    # Chest pain is news: a new alert.
    _save(session, patient, MORNING.replace(day=3), warning_signs=["chest_breathing"])
    raised = session.scalars(select(Alert).where(Alert.status == "open")).one()
    assert "Chest pain" in raised.detail


# --- what the patient reads ------------------------------------------------------------------


def _advice(html: str) -> str:
    found = re.search(r"<section[^>]*data-advice>.*?</section>", html, re.S)
    assert found, "no advice on the page"
    return found.group(0)


def test_the_page_says_where_to_go_without_overpromising(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient(make.therapist())
    login(client, patient)
    response = post_form(
        client,
        "/me/checkin",
        {"pain": "3", "warning_signs": "bladder_bowel"},
        follow_redirects=True,
    )
    advice = _advice(response.get_data(as_text=True))
    assert "Go to a hospital emergency department now" in advice
    assert "advice--urgent" in advice
    assert "We&#39;ve told your therapist" not in advice and "We've told" not in advice
    assert "Don&#39;t wait for them" in advice or "Don't wait for them" in advice


def test_a_therapist_with_alert_pushes_on_a_phone_is_told_at_once(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    alerts.save_settings(
        session, therapist, inactivity_days="3", pain_threshold="8", push_alerts=True
    )
    devices.save(session, therapist, endpoint="https://push.example/t1", p256dh="x", auth="y")
    patient = make.patient(therapist)
    login(client, patient)
    response = post_form(
        client, "/me/checkin", {"pain": "2", "warning_signs": "stroke_signs"}, follow_redirects=True
    )
    advice = _advice(response.get_data(as_text=True))
    assert "Call the emergency number now" in advice
    assert "told your therapist" in advice


def test_pushes_wanted_but_no_phone_is_not_telling(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    alerts.save_settings(
        session, therapist, inactivity_days="3", pain_threshold="8", push_alerts=True
    )
    patient = make.patient(therapist)
    login(client, patient)
    response = post_form(
        client, "/me/checkin", {"pain": "2", "warning_signs": "calf_clot"}, follow_redirects=True
    )
    advice = _advice(response.get_data(as_text=True))
    assert "Get medical advice today" in advice and "told your therapist" not in advice


def test_the_emergency_number_is_offered_when_the_clinic_set_it(
    client: FlaskClient, app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "EMERGENCY_NUMBER", "999")
    patient = make.patient()
    login(client, patient)
    response = post_form(
        client,
        "/me/checkin",
        {"pain": "2", "warning_signs": "chest_breathing"},
        follow_redirects=True,
    )
    assert 'href="tel:999"' in _advice(response.get_data(as_text=True))


def test_high_pain_advice_on_the_page(client: FlaskClient, make: Factory) -> None:
    patient = make.patient()
    login(client, patient)
    response = post_form(client, "/me/checkin", {"pain": "9"}, follow_redirects=True)
    advice = _advice(response.get_data(as_text=True))
    assert "Your pain is high today" in advice and "keep gently moving" in advice


def test_the_page_hands_every_piece_of_advice_to_the_phone(
    client: FlaskClient, make: Factory
) -> None:
    patient = make.patient()
    login(client, patient)
    html = client.get("/me/checkin").get_data(as_text=True)
    box = re.search(r"<section[^>]*data-offline-advice[^>]*>.*?</section>", html, re.S)
    assert box and "hidden" in box.group(0).split(">")[0]
    assert 'data-high-pain-from="8"' in box.group(0)
    for route in warning_signs.content().routes:
        assert f'data-advice-route="{route}"' in box.group(0)
    for sign, route in ROUTING.items():
        assert f'value="{sign}" data-route="{route}"' in html
    assert "<script>" not in html  # no inline script: offline.js reads the markup


def test_the_therapist_reads_the_sign_in_words(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    make.checkin(patient, warning_signs=["calf_clot"])
    login(client, therapist)
    html = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert "Calf pain, swelling or warmth (possible clot)" in html


def test_the_advice_reads_plainly() -> None:
    """Read in a fright: the advice stays near grade 6, the questions under grade 8."""
    content = warning_signs.content()
    for route in content.routes.values():
        assert _grade(list(route.advice)) <= 7.0, route.key
    for sign in content.signs.values():
        assert _grade([sign.question]) <= 8.0, sign.key
    assert _grade(list(content.pain.advice)) <= 6.0
