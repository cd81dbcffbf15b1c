"""The clinic side in the therapist's language, and the handout in the patient's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import Factory, login, post_form
from webapp.models import User, utcnow
from webapp.services import programs


@pytest.fixture
def clinic(session: Session, make: Factory) -> dict[str, User]:
    """A therapist who reads the app in Spanish, with a patient who has a program."""
    therapist = make.therapist(name="Lucía Romero")
    therapist.language = "es"
    patient = make.patient(therapist, name="Rosa Diaz")
    make.program(patient, therapist=therapist)
    session.commit()
    return {"therapist": therapist, "patient": patient}


def _page(client: FlaskClient, path: str) -> str:
    # The browser asks for English: the therapist's own choice wins.
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang>"
    return match.group(1)


PAGES = {
    "my patients": (
        "/clinic/",
        ["Mis pacientes", "Ordenar por", "Última actividad", "Próxima visita"],
        ["My patients", "Sort by", "Last activity"],
    ),
    "patient": (
        "/clinic/patients/{pid}",
        ["Dolor, últimas seis semanas", "Notas privadas", "Reservar la próxima visita"],
        ["Pain, last six weeks", "Private notes", "Book the next visit", "Reset access"],
    ),
    "program builder": (
        "/clinic/patients/{pid}/program",
        ["Programa en casa de Rosa Diaz", "Añadir ejercicios", "Hoja para imprimir"],
        ["Home program for", "Add exercises", "Printable handout", "Change dose"],
    ),
    "library": (
        "/library/",
        ["Biblioteca de ejercicios", "Zona del cuerpo", "ejercicios"],
        ["Exercise library", "Body region", "New exercise"],
    ),
    "exercise": (
        "/library/{exid}",
        ["Cómo se hace", "Dosis habitual", "Seguridad"],
        ["How to do it", "Usual dose", ">Edit<"],
    ),
    "exercise edit": (
        "/library/{exid}/edit",
        ["Guardar el ejercicio", "Zonas del cuerpo", "Se hace un lado cada vez"],
        ["Save exercise", "Body regions", "Done one side at a time"],
    ),
    "new patient": (
        "/clinic/patients/new",
        ["Añadir un paciente", "Nombre del paciente", "Ninguno por ahora"],
        ["Add a patient", "Patient's name", "None yet: I will build it later"],
    ),
    "visit": (
        "/clinic/visits/{vid}",
        ["Mover la visita de Rosa", "Duración (minutos)", "Dónde (opcional)"],
        ["Move Rosa", "Length (minutes)", "Where (optional)"],
    ),
    "report": (
        "/clinic/patients/{pid}/report",
        ["Preparar la visita: Rosa Diaz", "Ejercicios valorados como demasiado difíciles"],
        ["Visit prep:", "Exercises rated too hard", "of planned exercises done"],
    ),
    "messages": (
        "/clinic/messages",
        ["Tus respuestas rápidas", "Aún no hay mensajes de tus pacientes."],
        ["Your quick replies", "No messages from your patients yet."],
    ),
    "conversation": (
        "/clinic/patients/{pid}/messages",
        ["Mensajes con Rosa", "Responder a Rosa", "Editar tus respuestas rápidas"],
        ["Messages with", "Answer Rosa", "Edit your quick replies"],
    ),
    "settings": (
        "/clinic/settings",
        ["Ajustes de las alertas", "Avisar cuando el dolor llegue a"],
        ["Alert settings", "Alert when pain is at or above"],
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_spanish_speaking_therapist_reads_the_clinic_in_spanish(
    client: FlaskClient, session: Session, make: Factory, clinic: dict[str, User], page: str
) -> None:
    therapist, patient = clinic["therapist"], clinic["patient"]
    visit = make.visit(patient, utcnow() + timedelta(days=3), therapist=therapist)
    exercise = make.exercise("cat-cow")
    session.commit()
    login(client, therapist)
    path, spanish, english = PAGES[page]
    html = _page(client, path.format(pid=patient.id, exid=exercise.id, vid=visit.id))
    assert _lang(html) == "es"
    for words in spanish:
        assert words in html, words
    for words in english:
        assert words not in html, words


def test_adding_a_patient_in_spanish_shows_the_error_and_the_invite_in_spanish(
    client: FlaskClient, session: Session, clinic: dict[str, User]
) -> None:
    login(client, clinic["therapist"])
    refused = post_form(client, "/clinic/patients/new", {"name": "", "timezone": "Europe/Madrid"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    # Next to the name field, tied to it for screen readers.
    assert re.search(
        r'<p class="field__error" id="name-error">\s*Escribe el nombre del paciente', html
    )
    assert "Please enter the patient's name." not in html

    added = post_form(
        client,
        "/clinic/patients/new",
        {"name": "Marta Gil", "timezone": "Europe/Madrid"},
        follow_redirects=True,
    )
    invite = added.get_data(as_text=True)
    assert "Invitar a Marta Gil" in invite
    assert "Enlace de invitación" in invite
    assert "Pide a Marta que escanee este código" in invite
    assert "Invite link" not in invite and "scan this code" not in invite


def test_a_builder_error_and_a_saved_message_in_spanish(
    client: FlaskClient, session: Session, clinic: dict[str, User]
) -> None:
    patient = clinic["patient"]
    login(client, clinic["therapist"])
    program = programs.working_program(session, patient)
    assert program is not None
    refused = post_form(
        client,
        f"/clinic/programs/{program.id}/details",
        {"title": "Espalda", "note": "", "start_date": "", "end_date": "31/12"},
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert re.search(r'id="program-end_date-error">Escribe una fecha como 2026-12-31\.</p>', html)
    note = post_form(
        client,
        f"/clinic/patients/{patient.id}/notes",
        {"body": "Le cuesta dormir."},
        follow_redirects=True,
    )
    assert "Nota guardada." in note.get_data(as_text=True)


@pytest.mark.parametrize(("therapist_language", "patient_language"), [("es", "en"), (None, "es")])
def test_the_handout_speaks_the_patients_language_not_the_therapists(
    client: FlaskClient,
    session: Session,
    clinic: dict[str, User],
    therapist_language: str | None,
    patient_language: str,
) -> None:
    therapist, patient = clinic["therapist"], clinic["patient"]
    therapist.language = therapist_language
    patient.language = patient_language
    session.commit()
    login(client, therapist)
    program = programs.working_program(session, patient)
    assert program is not None
    # The therapist's own pages stay in the therapist's language...
    builder = _page(client, f"/clinic/patients/{patient.id}/program")
    assert _lang(builder) == (therapist_language or "en")
    # ...and the handout the patient takes home is in the patient's.
    handout = _page(client, f"/clinic/programs/{program.id}/handout")
    assert _lang(handout) == patient_language
    if patient_language == "es":
        assert "Para Rosa Diaz" in handout
        assert "para y contacta con la clínica si sientes dolor agudo" in handout
        assert "Posición inicial y, después, posición final." in handout
        assert "Move gently and breathe" not in handout and "For Rosa Diaz" not in handout
    else:
        assert "For Rosa Diaz" in handout
        assert "stop and contact the clinic if you feel sharp pain" in handout
        assert "Muévete con suavidad" not in handout and "Para Rosa Diaz" not in handout
