"""A Spanish-speaking patient reads every page of their own in Spanish, scripts' words included."""

from __future__ import annotations

import html as htmllib
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, login, post_form
from webapp.models import Exercise, User
from webapp.services import clock


def _text(page: str) -> str:
    """Return what a person reads on a page: no tags, no attributes, entities decoded."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _json_attribute(page: str, pattern: str) -> dict[str, Any]:
    """Return the JSON a page hands to a script in a single-quoted attribute."""
    match = re.search(pattern + r"='([^']*)'", page)
    assert match, f"no {pattern} on the page"
    data: dict[str, Any] = json.loads(htmllib.unescape(match.group(1)))
    return data


@pytest.fixture
def paciente(client: FlaskClient, session: Session, make: Factory) -> User:
    """Sign in a Spanish-speaking patient with a therapist and a program (browser in English)."""
    therapist = make.therapist(name="Ana Terapeuta")
    patient = make.patient(therapist, name="Lucía Gómez")
    patient.language = "es"
    make.program(patient, therapist=therapist, times_per_day=1)
    session.commit()
    login(client, patient)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return patient


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return str(response.get_data(as_text=True))


def test_the_check_in_is_in_spanish(client: FlaskClient, paciente: User) -> None:
    page = _page(client, "/me/checkin")
    text = _text(page)
    for spanish in (
        "Registro diario",
        "Dolor ahora mismo",
        "el peor imaginable",
        "¿Dónde te duele? Toca el cuerpo o elige de la lista",
        "O elige de una lista",
        "Rigidez",
        "Sueño de anoche",
        "¿Has notado algo de esto desde tu último registro?",
        "¿Algo más para tu terapeuta? (opcional)",
        "Guardar el registro",
        "← Volver a Hoy",
    ):
        assert spanish in text, spanish
    assert 'data-offline-label="Tu registro"' in page
    for english in ("Daily check-in", "Pain right now", "Save check-in", "Back to Today"):
        assert english not in text, english


def test_progress_is_in_spanish(client: FlaskClient, paciente: User) -> None:
    text = _text(_page(client, "/me/progress"))
    for spanish in (
        "Mi progreso",
        "Las últimas seis semanas",
        "días seguidos",
        "(un día de descanso no rompe la racha)",
        "El dolor en una tabla",
        "Cambio de plan",
        "Ejercicios hechos por semana",
        "Calendario",
        "todo hecho",
        "nada previsto",
    ):
        assert spanish in text, spanish
    for english in ("My progress", "The last six weeks", "in a row", "Pain as a table", "all done"):
        assert english not in text, english


def test_the_pain_trend_is_one_spanish_sentence(
    client: FlaskClient, session: Session, make: Factory, paciente: User
) -> None:
    today = clock.local_today(paciente.timezone)
    for back in (40, 39, 38):
        make.checkin(paciente, today - timedelta(days=back), pain=7)
    for back, pain in ((2, 4), (1, 3), (0, 3)):
        make.checkin(paciente, today - timedelta(days=back), pain=pain)
    session.commit()
    text = _text(_page(client, "/me/progress"))
    # Averages written the Spanish way: (4 + 3 + 3) / 3 is "3,3", (4 + 3) / 2 is "3,5".
    assert "Dolor: 7 la primera semana, 3,3 la última semana: una mejora real." in text
    assert "Media de 7 días" in text and " 3,5 " in text
    assert "a real improvement" not in text


def test_the_program_is_in_spanish(client: FlaskClient, paciente: User) -> None:
    text = _text(_page(client, "/me/program"))
    assert "Mi programa" in text and "Versión para imprimir" in text
    assert "1× al día" in text and re.search(r"Desde el \S", text)
    assert "Print version" not in text and "× a day" not in text and "Since " not in text


def test_the_player_is_in_spanish_and_hands_its_words_to_the_script(
    client: FlaskClient, paciente: User
) -> None:
    page = _page(client, "/me/play")
    text = _text(page)
    for spanish in (
        "Ejercicios guiados",
        "Quedan 2.",
        "Muévete con suavidad; para si algo te causa dolor agudo, entumecimiento o mareo.",
        "Ejercicio 1 de 2",
        "Preguntar sobre este ejercicio",
        "Saltar por ahora",
        "Listo",
        "Empezar",
        "¿Qué tal ha ido? (opcional)",
    ):
        assert spanish in text, spanish
    for english in ("Guided exercises", "to go.", "Skip for now", "Ask about this exercise"):
        assert english not in text, english
    # The timer's words, as player.js reads them from the page.
    words = _json_attribute(page, r'<div class="player" data-player data-total="2" data-text')
    assert words["left"] == "Lado izquierdo" and words["start"] == "Empezar"
    assert words["set"] == "Serie {set} de {sets}"
    assert words["finished"] == "Terminado. ¡Bien hecho! Pulsa «Marcar como hecho»."
    assert "Left side" not in page and "Rep done" not in page


def test_self_care_is_in_spanish(client: FlaskClient, session: Session, paciente: User) -> None:
    stretch = session.scalar(select(Exercise).where(Exercise.slug == "knee-to-chest"))
    assert stretch is not None
    text = _text(_page(client, f"/me/selfcare/{stretch.id}"))
    assert "Autocuidado: no forma parte de tu programa, y no pasa nada." in text
    assert "Anotado como autocuidado" in text and "Volver a la biblioteca" in text
    assert "not part of your program" not in text
    response = post_form(client, f"/me/selfcare/{stretch.id}", {"client_id": "autocuidado-1"})
    assert response.status_code == 303
    after = _text(_page(client, response.headers["Location"]))
    assert "anotado como autocuidado. ¡Buen trabajo!" in after
    assert "Nice work" not in after


def test_the_questionnaire_is_in_spanish(
    client: FlaskClient, session: Session, make: Factory, paciente: User
) -> None:
    make.outcome(paciente, "psfs")
    session.commit()
    page = _page(client, "/me/questionnaires/psfs")
    text = _text(page)
    assert "Actividad 1" in text and "Actividad 2 (opcional)" in text
    assert "Terminar más tarde" in text and "Hecho" in text
    assert 'data-autosave-kept="Tus respuestas hasta ahora están guardadas."' in page
    assert "Finish later" not in text and "Activity 1" not in text


def test_messages_are_in_spanish(client: FlaskClient, paciente: User) -> None:
    text = _text(_page(client, "/me/messages"))
    for spanish in (
        "Pregunta a tu terapeuta",
        "Todavía no hay mensajes.",
        "Escribe un mensaje",
        "Tu equipo de atención: Ana Terapeuta.",
        "Tu clínica suele responder en 1 día laborable.",
        "Tu mensaje",
        "Solo texto. Todas las personas que te atienden en la clínica pueden leerlo.",
        "Enviar",
    ):
        assert spanish in text, spanish
    for english in ("Ask your therapist", "No messages yet", "1 working day", "Your message"):
        assert english not in text, english
    response = post_form(client, "/me/messages", {"body": "¿Puedo hacerlo dos veces?"})
    assert response.status_code == 303
    after = _text(_page(client, response.headers["Location"]))
    assert "Enviado." in after and "Tú ·" in after and "Aún no leído" in after
    assert "Retirar este mensaje" in after and "Not read yet" not in after


def test_reminders_are_in_spanish_with_errors_beside_their_field(
    client: FlaskClient, paciente: User
) -> None:
    text = _text(_page(client, "/me/reminders"))
    for spanish in (
        "Recordatorios",
        "Notificaciones en este teléfono",
        "Recordarme hacer mis ejercicios",
        "Horas de silencio: nada te molesta",
        "Guardar recordatorios",
    ):
        assert spanish in text, spanish
    assert "Save reminders" not in text and "Quiet hours" not in text
    response = post_form(
        client,
        "/me/reminders",
        {"checkin_on": "on", "checkin_time": "late", "quiet_start": "22:00", "quiet_end": "07:00"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Revisa los campos marcados abajo." in page
    assert (
        '<p class="field__error" id="checkin_time-error">Escribe una hora como 08:00.</p>' in page
    )
    assert "Please enter a time" not in page


def test_flash_messages_are_in_spanish(client: FlaskClient, paciente: User) -> None:
    response = post_form(client, "/me/timezone", {"timezone": "Europe/Madrid"})
    assert response.status_code == 303
    assert "Tu día sigue ahora la zona horaria Europe/Madrid." in _text(_page(client, "/me/"))


def test_the_offline_scripts_get_their_words_in_spanish(
    client: FlaskClient, paciente: User
) -> None:
    response = client.get("/script-text.json")
    assert response.headers["Content-Language"] == "es"
    words = response.get_json()
    assert words["queued"] == (
        "Guardado en este teléfono: se sincronizará cuando vuelvas a tener conexión."
    )
    assert words["waiting"]["one"].startswith("{n} cosa guardada")
    assert words["waiting"]["other"].startswith("{n} cosas guardadas")
    assert words["refused"] == "No guardado: {what} ({day}). {reason}"
    assert words["offline"].startswith("No hay conexión")
    # The words are not carried by every page: Today fetches them only when needed.
    assert "Guardado en este teléfono" not in _page(client, "/me/")
    english = client.get("/script-text/en.json").get_json()
    assert english["queued"].startswith("Saved on this phone")


def test_a_refusal_the_outbox_shows_is_in_spanish(client: FlaskClient, paciente: User) -> None:
    response = post_form(
        client,
        "/me/completions",
        {"client_id": "fuera-del-plan-1", "item_id": "999999", "slot": "0"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 404
    assert response.get_json()["error"] == "Este ejercicio ya no está en el plan de hoy."


def test_an_english_speaking_patient_still_reads_english(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient()
    make.program(patient)
    session.commit()
    login(client, patient)
    assert "Save check-in" in _page(client, "/me/checkin")
    page = _page(client, "/me/play")
    assert "Guided exercises" in page
    assert _json_attribute(page, r'data-player data-total="\d+" data-text')["left"] == "Left side"
