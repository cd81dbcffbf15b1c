"""Each person's language: chosen in settings, taken from the browser, the clinic's default."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import Factory, login, post_form
from webapp.services import invites


def _html_lang(response: object) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert match, "no <html lang>"
    return match.group(1)


def test_pages_follow_the_browser_then_the_clinic_default(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _html_lang(client.get("/login")) == "en"
    spanish = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert _html_lang(spanish) == "es"
    # A browser asking only for languages the app does not speak: the clinic's default.
    monkeypatch.setitem(app.config, "CLINIC_LANGUAGE", "es")
    assert _html_lang(client.get("/login", headers={"Accept-Language": "fr, de;q=0.8"})) == "es"


def test_a_persons_choice_wins_over_the_browser(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient()
    patient.language = "es"
    session.flush()
    login(client, patient)
    assert _html_lang(client.get("/me/", headers={"Accept-Language": "en"})) == "es"


@pytest.mark.parametrize("role", ["patient", "therapist"])
def test_choosing_spanish_in_settings_changes_the_page_language(
    client: FlaskClient, session: Session, make: Factory, role: str
) -> None:
    person = make.patient() if role == "patient" else make.therapist()
    login(client, person)
    page = client.get("/account").get_data(as_text=True)
    assert re.search(r'<option selected value="en">English</option>', page)
    assert '<option value="es">Español</option>' in page
    response = post_form(
        client,
        "/account/profile",
        {"name": person.display_name, "timezone": person.timezone, "language": "es"},
    )
    assert response.status_code == 303
    session.refresh(person)
    assert person.language == "es"
    page = client.get("/account")
    assert _html_lang(page) == "es"
    assert '<option selected value="es">Español</option>' in page.get_data(as_text=True)


def test_a_language_the_app_does_not_speak_is_refused_next_to_the_field(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient()
    login(client, patient)
    response = post_form(
        client,
        "/account/profile",
        {"name": "Someone New", "timezone": patient.timezone, "language": "xx"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please choose a language from the list." in html
    assert 'value="Someone New"' in html
    session.refresh(patient)
    assert patient.language is None and patient.display_name != "Someone New"


@pytest.mark.parametrize(
    ("accept", "stored"), [("es-ES,es;q=0.9,en;q=0.8", "es"), ("fr-FR", None), (None, None)]
)
def test_redeeming_an_invite_keeps_the_browsers_language(
    app: Flask, session: Session, make: Factory, accept: str | None, stored: str | None
) -> None:
    patient = make.patient(login=None, password=None)
    token = invites.issue(session, patient, created_by=None, ttl_days=7)
    session.commit()
    phone = app.test_client()
    headers = {"Accept-Language": accept} if accept else {}
    page = phone.get(f"/i/{token}", headers=headers).get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert csrf
    words = "tea in the garden at four"
    form = {"csrf_token": csrf.group(1), "login": "rosa.d", "password": words, "confirm": words}
    response = phone.post(f"/i/{token}", data=form, headers=headers)
    assert response.status_code == 303
    session.refresh(patient)
    assert patient.language == stored
