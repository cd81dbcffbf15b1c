"""Erasure on request, in real Chromium: the patient asks, the admin confirms by the full name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tests.conftest import Factory
from tests.e2e.conftest import PHONE, LiveServer, sign_in
from webapp.models import AuditEvent, User

NAME = "Orla Penhallow"


def test_a_patient_asks_and_the_admin_erases_after_typing_the_name(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with live_server.session() as session:
        make = Factory(session)
        patient = make.patient(make.therapist(), name=NAME, login="orla.e2e@test.example")
        make.checkin(patient, pain=4, note="Stairs were easier")
        admin = make.admin(login="admin.erase.e2e@test.example")
        patient_id, patient_login, admin_login = patient.id, patient.login, admin.login

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(phone, live_server.url, patient_login or "")
    phone.goto(f"{live_server.url}/account")
    phone.get_by_role("button", name="Ask the clinic to erase my record").click()
    phone.get_by_text("Your request is sent.").wait_for()
    phone.get_by_text("What happens next:").wait_for()

    desk = new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(desk, live_server.url, admin_login or "")
    desk.goto(f"{live_server.url}/admin/patients")
    requests = desk.get_by_role("region", name="Asked to be erased")
    requests.get_by_role("link", name=f"Erase {NAME}").click()
    desk.get_by_role("heading", name=f"Erase {NAME}'s record").wait_for()

    field = desk.get_by_label("Type the patient's full name to confirm")
    field.fill("Orla Penhalow")
    desk.get_by_role("button", name="Erase for good").click()
    desk.get_by_text("This is not the patient's full name as the clinic has it.").wait_for()
    assert desk.get_by_label("Type the patient's full name to confirm").input_value() == (
        "Orla Penhalow"
    )
    with live_server.session() as session:
        assert session.get(User, patient_id) is not None

    desk.get_by_label("Type the patient's full name to confirm").fill(NAME)
    desk.get_by_role("button", name="Erase for good").click()
    desk.get_by_text("The patient's record is erased.").wait_for()
    assert NAME not in desk.content()
    with live_server.session() as session:
        assert session.get(User, patient_id) is None
        detail = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "patient.erase")
        ).all()
        assert len(detail) == 1 and NAME not in detail[0]
    # The patient's phone is signed out: the next page asks them to sign in.
    phone.goto(f"{live_server.url}/me/")
    phone.wait_for_url(lambda url: "/login" in url)
