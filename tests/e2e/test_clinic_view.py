"""The therapist's 30 seconds before a session, in real Chromium."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import Factory
from tests.e2e.conftest import SHORT_PROGRAM, LiveServer, screenshot, sign_in
from webapp.models import Alert, Appointment, utcnow
from webapp.services import alerts, clock


def test_dashboard_patient_acknowledge_and_book(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.session() as session:
        make = Factory(session)
        therapist = make.therapist(login="clinic.e2e@test.example", name="Iris Vale")
        patient = make.patient(therapist, name="Tomas Berg")
        calm = make.patient(therapist, name="Ada Calm")
        make.program(patient, therapist=therapist, **SHORT_PROGRAM)
        today = clock.local_today(patient.timezone)
        make.checkin(patient, today, pain=9, regions=["neck"], note="Neck locked this morning")
        alerts.evaluate(session, patient)
        patient_id, calm_id = patient.id, calm.id

    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, live_server.url, "clinic.e2e@test.example")
    expect(page.locator(".lead")).to_have_text("1 of 2 needs attention.")
    rows = page.locator(".patient-row")
    expect(rows.first).to_contain_text("Tomas Berg")  # who needs attention comes first
    expect(rows.first).to_contain_text("1 alert")
    page.get_by_label("Show").select_option("no_visit")
    expect(page.locator(".patient-row")).to_have_count(2)
    assert calm_id

    rows.first.get_by_role("link", name="Tomas Berg").click()
    expect(page.get_by_role("heading", name="Tomas Berg")).to_be_visible()
    alert_box = page.locator(".alert-item").first
    expect(alert_box).to_contain_text("High pain")
    alert_box.get_by_label("Note (what you did or will do)").fill("Phoned: rest, heat, see Friday.")
    alert_box.get_by_role("button", name="Acknowledge High pain").click()
    expect(page.get_by_text("Acknowledged")).to_be_visible()
    expect(page.get_by_text("Phoned: rest, heat, see Friday.")).to_be_visible()

    day = (clock.local_today("Europe/London") + timedelta(days=3)).isoformat()
    page.get_by_label("Date").fill(day)
    page.get_by_label("Time").fill("15:30")
    page.get_by_label("Length (minutes)").fill("45")
    page.get_by_label("Where (optional)").fill("Room 2")
    page.get_by_role("button", name="Book visit").click()
    expect(page.get_by_text("Visit booked for")).to_be_visible()
    screenshot(page, "therapist-patient-detail")

    with live_server.session() as session:
        alert = session.scalar(select(Alert).where(Alert.patient_id == patient_id))
        assert alert is not None and alert.status == "acknowledged"
        visit = session.scalar(select(Appointment).where(Appointment.patient_id == patient_id))
        assert visit is not None and visit.starts_at > utcnow() and visit.place_note == "Room 2"
