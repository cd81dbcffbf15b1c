"""Each person's language: chosen in settings, taken from the browser, the clinic's default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, count_queries, login, post_form
from webapp.models import Program, ProgramTemplate, User
from webapp.services import invites, languages


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


def test_the_therapist_can_give_a_new_patient_their_language(
    app: Flask, client: FlaskClient, session: Session, make: Factory
) -> None:
    # The therapist reads English and knows the patient speaks Spanish: the program started
    # from a template has its notes in Spanish, and the patient's English phone does not
    # undo the choice when they redeem the invite.
    therapist = make.therapist()
    login(client, therapist)
    form = client.get("/clinic/patients/new").get_data(as_text=True)
    assert 'name="language"><option value="">As their phone asks</option>' in form  # first
    assert '<option value="es">Español</option>' in form
    template = session.scalars(
        select(ProgramTemplate).where(ProgramTemplate.slug == "low-back-pain")
    ).one()
    fields = {"name": "Rosa Díaz", "timezone": "Europe/Madrid", "template": str(template.id)}
    refused = post_form(client, "/clinic/patients/new", {**fields, "language": "xx"})
    assert refused.status_code == 422
    assert "Please choose a language from the list." in refused.get_data(as_text=True)
    response = post_form(client, "/clinic/patients/new", {**fields, "language": "es"})
    assert response.status_code == 303
    rosa = session.scalars(select(User).where(User.display_name == "Rosa Díaz")).one()
    assert rosa.language == "es"
    program = session.scalars(select(Program).where(Program.patient_id == rosa.id)).one()
    assert program.items[0].note == "Un buen calentamiento: empieza por este."
    token = invites.issue(session, rosa, created_by=therapist, ttl_days=7)
    session.commit()
    phone = app.test_client()
    page = phone.get(f"/i/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert csrf
    words = "tea in the garden at four"
    form_data = {
        "csrf_token": csrf.group(1),
        "login": "rosa.d",
        "password": words,
        "confirm": words,
    }
    assert phone.post(f"/i/{token}", data=form_data).status_code == 303
    session.refresh(rosa)
    assert rosa.language == "es"


# --- Today in the patient's language --------------------------------------------------------


def _today(client: FlaskClient, session: Session, make: Factory, language: str | None) -> str:
    patient = make.patient()
    patient.language = language
    make.program(patient, times_per_day=2)
    session.commit()
    login(client, patient)
    # The browser asks for the other language: the person's own choice wins.
    other = "en" if language == "es" else "es"
    response = client.get("/me/", headers={"Accept-Language": other} if language else {})
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_a_spanish_speaking_patient_sees_today_in_spanish(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    html = _today(client, session, make, "es")
    assert '<html lang="es">' in html
    assert re.search(r"Buen(os días|as tardes|as noches), ", html)
    assert "Ejercicios de hoy" in html and "0 de 4 hechos" in html
    assert "Empezar con la guía" in html
    assert "Empieza cuando te venga bien. Incluso un solo ejercicio cuenta." in html
    assert "Marcar 1.ª vez como hecha" in html and "Marcar 2.ª vez como hecha" in html
    assert "¿Cómo estás hoy?" in html and ">Hacer el registro</a>" in html
    assert ">Hoy</a>" in html and ">Ajustes</a>" in html and "Ir al contenido" in html
    assert "Cerrar la sesión de " in html
    assert "En una emergencia, llama al número de emergencias de tu zona." in html
    for english in ("Today's exercises", "of 4 done", "Mark 1st done", "Skip to content"):
        assert english not in html


def test_an_english_speaking_patient_sees_today_in_english(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    html = _today(client, session, make, "en")
    assert '<html lang="en">' in html
    assert "Today's exercises" in html and "0 of 4 done" in html
    assert "Mark 1st done" in html and "Start with the guide" in html
    assert "Ejercicios de hoy" not in html


def test_spanish_plurals_follow_the_count(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient()
    patient.language = "es"
    make.program(patient, slugs=["chin-tuck"], times_per_day=1)
    session.commit()
    login(client, patient)
    html = client.get("/me/").get_data(as_text=True)
    assert "0 de 1 hecho<" in html and "Marcar como hecho" in html


def test_the_language_costs_today_no_query(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    counts = {}
    for language in ("en", "es"):
        patient = make.patient()
        patient.language = language
        make.program(patient)
        session.commit()
        login(client, patient)
        client.get("/me/")
        with count_queries(session) as statements:
            assert client.get("/me/").status_code == 200
        counts[language] = len(statements)
    assert counts["es"] == counts["en"]


# --- The catalogs ---------------------------------------------------------------------------

TRANSLATIONS = Path(__file__).resolve().parent.parent / "webapp" / "translations"


@pytest.mark.parametrize("language", [code for code in languages.SUPPORTED if code != "en"])
def test_the_committed_catalog_is_compiled_and_complete(language: str, tmp_path: Path) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not all(_strings(m.string)))]
    assert not untranslated, f"translate these in {language}/messages.po: {untranslated}"
    with (tmp_path / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)
    committed = (folder / "messages.mo").read_bytes()
    assert committed == (tmp_path / "messages.mo").read_bytes(), (
        "messages.mo is older than messages.po: run `make translations` and commit the .mo"
    )


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_the_sign_in_page_speaks_the_browsers_language(client: FlaskClient) -> None:
    spanish = {"Accept-Language": "es"}
    html = client.get("/login", headers=spanish).get_data(as_text=True)
    assert "<h1>Iniciar sesión</h1>" in html and "Correo electrónico o nombre de usuario" in html
    assert "Mantener la sesión iniciada en este dispositivo" in html
    assert "¿Olvidaste tu contraseña?" in html and "Sign in" not in html
    response = post_form(client, "/login", {"login": "", "password": ""}, headers=spanish)
    errors = response.get_data(as_text=True)
    assert "Escribe tu correo electrónico o tu nombre de usuario." in errors


def test_the_notifications_card_speaks_the_patients_language(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient()
    patient.language = "es"
    session.commit()
    login(client, patient)
    html = client.get("/me/reminders").get_data(as_text=True)
    assert "Notificaciones en este teléfono" in html and "Enviar una prueba" in html
    assert "Las notificaciones necesitan un navegador que las admita." in html
    assert "Notifications on this phone" not in html
