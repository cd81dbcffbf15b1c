"""The pages around the app and the admin's pages, as a Spanish-speaking person sees them."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, Factory, login, post_form
from webapp.models import InvitePurpose, User, utcnow
from webapp.services import invites, reminders, twofactor, weekly_summary
from webapp.services.twofactor import Policy
from webapp.web import sessions

SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}


def _html(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _error_of(html: str, field: str) -> str:
    """Return the message shown next to a form field (tied to it for screen readers)."""
    match = re.search(rf'<p class="field__error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no error next to {field}"
    assert f'aria-describedby="{field}-error"' in html or f"{field}-error" in html
    return match.group(1)


def _speaks_spanish(person: User, session: Session) -> User:
    person.language = "es"
    session.flush()
    return person


# --- Invite, forgotten password, new password --------------------------------------------


def test_the_invite_page_speaks_the_browsers_language(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient(name="Lucía Martín", password=None)
    # No email: she chooses the name she signs in with.
    patient.login = None
    patient.email = None
    token = invites.issue(session, patient, created_by=None, ttl_days=7)
    session.commit()
    page = _html(client.get(f"/i/{token}", headers=SPANISH))
    assert '<html lang="es">' in page
    assert "<h1>Te damos la bienvenida, Lucía</h1>" in page
    assert "ha preparado Between Visits para ti. Elige una contraseña y listo." in page
    assert "Elige un nombre de usuario" in page and "Contraseña nueva" in page
    assert "Al menos 10 caracteres. Una frase corta que puedas recordar funciona bien." in page
    assert "Guardar y continuar" in page
    for english in ("Welcome,", "Choose a password", "Save and continue", "Type it again"):
        assert english not in page
    # Nothing typed: the message sits next to the field, in Spanish.
    form = {"login": "lucia.m", "password": "", "confirm": ""}
    refused = post_form(client, f"/i/{token}", form, headers=SPANISH)
    assert refused.status_code == 422
    html = _html(refused)
    assert _error_of(html, "password") == "Elige una contraseña."
    assert _error_of(html, "confirm") == "Vuelve a escribir la contraseña."


def test_a_link_that_does_not_work_says_so_in_spanish(client: FlaskClient) -> None:
    response = client.get("/i/" + "A" * 43, headers=SPANISH)
    assert response.status_code == 404
    html = _html(response)
    assert "<h1>Este enlace no funciona</h1>" in html
    assert "Pide a la clínica un enlace nuevo." in html
    assert "This link does not work" not in html


def test_forgot_password_and_choosing_a_new_one_in_spanish(
    app: Flask, client: FlaskClient, session: Session, make: Factory, monkeypatch: Any
) -> None:
    page = _html(client.get("/forgot", headers=SPANISH))
    assert "<h1>¿Olvidaste tu contraseña?</h1>" in page
    assert "Esta clínica no envía correos, así que no podemos mandarte un enlace." in page
    assert "Volver a iniciar sesión" in page and "Forgot your password?" not in page
    # With email on, the form; an empty address is answered next to the field.
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    monkeypatch.setitem(app.config, "MAIL_FROM", "clinic@example.org")
    page = _html(client.get("/forgot", headers=SPANISH))
    assert "Tu correo electrónico" in page and "Enviarme un enlace" in page
    refused = post_form(client, "/forgot", {"email": ""}, headers=SPANISH)
    assert refused.status_code == 422
    assert _error_of(_html(refused), "email") == "Escribe tu correo electrónico."
    # The emailed link opens the page to choose a new password.
    therapist = make.therapist(name="Marta Gil")
    token = invites.issue(session, therapist, created_by=None, purpose=InvitePurpose.RESET)
    session.commit()
    page = _html(client.get(f"/i/{token}", headers=SPANISH))
    assert "<h1>Elige una contraseña nueva</h1>" in page
    assert "Hola, Marta. Elige una contraseña nueva para volver a entrar en tu cuenta." in page
    assert "Iniciarás sesión con <strong>" in page


# --- Two-factor sign-in -----------------------------------------------------------------------


@pytest.fixture
def two_factor_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "STAFF_TWO_FACTOR", Policy.ALL)


@pytest.mark.usefixtures("two_factor_on")
def test_setting_up_two_factor_sign_in_in_spanish(client: FlaskClient, make: Factory) -> None:
    admin = make.admin()
    data = {"login": admin.login, "password": PASSWORD}
    assert post_form(client, "/login", data, headers=SPANISH).status_code == 303
    page = _html(client.get("/login/setup", headers=SPANISH))
    assert "<h1>Configura el inicio de sesión en dos pasos</h1>" in page
    assert "En la aplicación, añade una cuenta y escanea este código:" in page
    assert 'aria-label="Código QR para escanear con tu aplicación de autenticación"' in page
    assert "Activar e iniciar sesión" in page and "Cancelar y empezar de nuevo" in page
    refused = post_form(client, "/login/setup", {"code": ""}, headers=SPANISH)
    assert refused.status_code == 422
    assert _error_of(_html(refused), "code") == "Escribe el código."
    assert "Set up two-factor sign-in" not in _html(refused)


@pytest.mark.usefixtures("two_factor_on")
def test_the_code_step_and_the_two_factor_page_in_spanish(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = _speaks_spanish(make.therapist(), session)
    secret = twofactor.new_secret()
    earlier = utcnow() - timedelta(minutes=10)
    codes = twofactor.enrol(session, therapist, secret, pyotp.TOTP(secret).at(earlier), now=earlier)
    session.commit()
    # The browser asks for English: the person's own choice wins from the code step on,
    # though they are not signed in yet.
    english = {"Accept-Language": "en"}
    data = {"login": therapist.login, "password": PASSWORD}
    assert post_form(client, "/login", data, headers=english).status_code == 303
    step = client.get("/login/code", headers=english)
    page = _html(step)
    assert '<html lang="es">' in page and step.headers["Content-Language"] == "es"
    assert "<h1>Iniciar sesión: código</h1>" in page
    assert "¿No tienes el teléfono a mano? Escribe uno de tus códigos de recuperación." in page
    wrong = post_form(client, "/login/code", {"code": ""}, headers=english)
    assert _error_of(_html(wrong), "code") == "Escribe el código."
    signed_in = post_form(
        client, "/login/code", {"code": codes[0]}, headers=english, follow_redirects=True
    )
    html = _html(client.get("/account/two-factor", headers=english))
    assert "<h1>Inicio de sesión en dos pasos</h1>" in html
    assert "Activado desde el " in html and "Quedan 9 códigos de recuperación." in html
    assert "Crear códigos de recuperación nuevos" in html
    assert "Usaste un código de recuperación; te quedan 9." in _html(signed_in)


# --- Error pages ----------------------------------------------------------------------------


def test_error_pages_in_spanish(app: Flask, client: FlaskClient, monkeypatch: Any) -> None:
    missing = client.get("/no-such-page", headers=SPANISH)
    assert missing.status_code == 404
    assert "<h1>No encontramos esa página</h1>" in _html(missing)
    assert "Ir a tu página de inicio" in _html(missing)
    # A form sent without its token (CSRF): nothing saved, said in Spanish.
    refused = client.post("/login", data={"login": "x", "password": "y"}, headers=SPANISH)
    assert refused.status_code == 400
    assert "<h1>Vuelve a intentarlo, por favor</h1>" in _html(refused)
    assert "Please try that again" not in _html(refused)
    # Too many tries.
    monkeypatch.setitem(app.config, "INVITE_RATE_LIMIT", "1 per minute")
    client.get("/i/" + "B" * 43, headers=SPANISH)
    paused = client.get("/i/" + "B" * 43, headers=SPANISH)
    assert paused.status_code == 429
    assert "<h1>Demasiados intentos</h1>" in _html(paused)
    assert "Espera un minuto y vuelve a intentarlo." in _html(paused)


def test_a_page_the_person_may_not_see_answers_in_their_language(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    # The app answers "not found" rather than "forbidden", so it gives nothing away.
    patient = _speaks_spanish(make.patient(), session)
    login(client, patient)
    response = client.get("/admin/")
    assert response.status_code == 404
    html = _html(response)
    assert "<h1>No encontramos esa página</h1>" in html and "We can't find" not in html


def test_the_sign_out_and_session_messages_are_spanish(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient()
    login(client, patient)
    response = post_form(client, "/logout", headers=SPANISH, follow_redirects=True)
    assert "Has cerrado la sesión." in _html(response)


# --- Offline page, manifest, service worker ---------------------------------------------------


def test_the_offline_page_in_each_language(client: FlaskClient) -> None:
    spanish = client.get("/offline/es", headers={"Accept-Language": "en"})
    assert spanish.headers["Content-Language"] == "es"
    html = _html(spanish)
    assert '<html lang="es">' in html and "<h1>No tienes conexión</h1>" in html
    assert "Ir a Hoy" in html and "You're offline" not in html
    assert "<h1>You're offline</h1>" in _html(client.get("/offline/en", headers=SPANISH))
    assert "<h1>No tienes conexión</h1>" in _html(client.get("/offline", headers=SPANISH))
    assert client.get("/offline/xx").status_code == 404


def test_the_service_worker_keeps_one_offline_page_and_knows_each_language(
    client: FlaskClient,
) -> None:
    body = _html(client.get("/sw.js"))
    match = re.search(r"const LANGUAGES = (\[.*?\]);", body)
    assert match and json.loads(match.group(1)) == ["en", "es"]
    precache = re.search(r"const PRECACHE = (\[.*?\]);", body)
    assert precache
    offline = [url for url in json.loads(precache.group(1)) if url.startswith("/offline")]
    assert offline == ["/offline"]  # one page on a phone's first load, in its language
    assert client.get("/offline", headers=SPANISH).headers["Content-Language"] == "es"
    # Pages say their language, which the worker notes to pick the offline page.
    assert client.get("/login", headers=SPANISH).headers["Content-Language"] == "es"


def test_the_manifest_speaks_the_language_the_page_names(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = _speaks_spanish(make.patient(), session)
    login(client, patient)
    page = _html(client.get("/me/"))
    link = re.search(r'<link rel="manifest" href="([^"]+)">', page)
    assert link and link.group(1) == "/manifest.webmanifest?lang=es"
    # Browsers fetch the manifest without cookies: the address alone decides.
    anonymous = client.application.test_client()
    response = anonymous.get(link.group(1), headers={"Accept-Language": "en"})
    manifest = json.loads(response.get_data())
    assert manifest["lang"] == "es" and manifest["dir"] == "ltr"
    assert manifest["description"].startswith("Tu programa en casa entre visitas a ")
    assert [s["short_name"] for s in manifest["shortcuts"]] == ["Hoy", "Registro"]
    assert manifest["name"] == "Between Visits" and manifest["id"] == "/"
    assert "Vary" not in response.headers or "Accept-Language" not in response.headers["Vary"]


def test_a_manifest_without_a_language_follows_the_browser(client: FlaskClient) -> None:
    response = client.get("/manifest.webmanifest", headers=SPANISH)
    assert "Accept-Language" in response.headers["Vary"]
    assert json.loads(response.get_data())["shortcuts"][1]["name"] == "Registro diario"
    english = json.loads(client.get("/manifest.webmanifest").get_data())
    assert english["lang"] == "en" and english["shortcuts"][0]["name"] == "Today"


# --- Admin ----------------------------------------------------------------------------------


@pytest.fixture
def spanish_admin(client: FlaskClient, session: Session, make: Factory) -> User:
    admin = _speaks_spanish(make.admin(), session)
    session.commit()
    login(client, admin)
    return admin


@pytest.mark.usefixtures("spanish_admin")
def test_the_admin_home_in_spanish(client: FlaskClient, make: Factory) -> None:
    make.therapist(name="Pablo Ruiz")
    html = _html(client.get("/admin/"))
    assert "<h1>Terapeutas</h1>" in html and "<h2>Todos los terapeutas</h2>" in html
    assert "El correo está desactivado" in html and "Añadir y mostrar el enlace" in html
    assert 'Desactivar<span class="visually-hidden"> a Pablo Ruiz</span>' in html
    assert "Add a therapist" not in html and "Disable" not in html
    refused = post_form(client, "/admin/", {"name": "", "email": ""})
    assert refused.status_code == 422
    assert _error_of(_html(refused), "name") == "Escribe el nombre del terapeuta."
    assert _error_of(_html(refused), "email") == "Escribe una dirección de correo electrónico."
    added = post_form(client, "/admin/", {"name": "Ana Soto", "email": "ana@example.org"})
    html = _html(added)
    assert "Se ha añadido a Ana Soto. Dale el enlace de abajo." in html
    assert 'aria-label="Código QR del enlace de invitación"' in html


@pytest.mark.usefixtures("spanish_admin")
def test_the_admin_patients_audit_and_erase_pages_in_spanish(
    client: FlaskClient, make: Factory
) -> None:
    patient = make.patient(name="Nuria Campos")
    html = _html(client.get("/admin/patients"))
    assert "<h1>Pacientes</h1>" in html
    assert "Pasa un paciente a otro terapeuta" in html
    assert "Nuevo terapeuta para Nuria Campos" in html
    assert "Move a patient" not in html
    audit = _html(client.get("/admin/audit"))
    assert "Cuándo (UTC)" in audit and "Quién" in audit and "Who viewed" not in audit
    erase = _html(client.get(f"/admin/patients/{patient.id}/erase"))
    assert "<h1>Borrar el historial de Nuria Campos</h1>" in erase
    assert "No se puede deshacer." in erase and "Borrar para siempre" in erase
    assert "Exactamente como lo tiene la clínica: Nuria Campos" in erase
    refused = post_form(client, f"/admin/patients/{patient.id}/erase", {"name": ""})
    assert refused.status_code == 422
    assert _error_of(_html(refused), "name") == "Escribe el nombre completo del paciente."
    moved = post_form(
        client,
        f"/admin/patients/{patient.id}/therapist",
        {"therapist_id": "999999"},
        follow_redirects=True,
    )
    assert "Elige un terapeuta activo." in _html(moved)


# --- Settings, unsubscribe, snooze -------------------------------------------------------------


def test_the_settings_page_in_spanish(client: FlaskClient, session: Session, make: Factory) -> None:
    therapist = _speaks_spanish(make.therapist(), session)
    login(client, therapist)
    html = _html(client.get("/account"))
    assert '<h2 id="profile-h">Tus datos</h2>' in html and "Zona horaria" in html
    assert "Cambiar la contraseña" in html and "Contraseña actual" in html
    assert "Your details" not in html and "Change password" not in html
    refused = post_form(client, "/account/password", {"current": "", "new": "", "confirm": ""})
    assert _error_of(_html(refused), "current") == "Escribe tu contraseña actual."
    saved = post_form(
        client,
        "/account/profile",
        {"name": therapist.display_name, "timezone": therapist.timezone, "language": "es"},
        follow_redirects=True,
    )
    assert "Tus datos están guardados." in _html(saved)


def test_the_unsubscribe_page_speaks_the_persons_language(
    app: Flask, client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = _speaks_spanish(make.therapist(), session)
    session.commit()
    token = weekly_summary.unsubscribe_token(str(app.config["SECRET_KEY"]), therapist.id)
    url = f"/email/unsubscribe/{therapist.id}/{token}"
    # Opened from the email, signed out, on a browser set to English.
    html = _html(client.get(url, headers={"Accept-Language": "en"}))
    assert '<html lang="es">' in html and "Dejar de recibir el resumen semanal" in html
    done = _html(client.post(url, headers={"Accept-Language": "en"}))
    assert "Ya no recibirás el resumen semanal." in done


def test_the_snooze_page_and_the_test_push_answer_in_spanish(
    app: Flask, client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = _speaks_spanish(make.patient(), session)
    session.commit()
    login(client, patient)
    token = reminders.snooze_token(str(app.config["SECRET_KEY"]), 999999, patient.id)
    page = _html(client.get(f"/me/snooze/{token}"))
    assert "<h1>¿Te lo recordamos más tarde?</h1>" in page and "Posponer 30 minutos" in page
    gone = _html(post_form(client, f"/me/snooze/{token}"))
    assert "<h1>Este recordatorio ya pasó</h1>" in gone and "Ir a Hoy" in gone
    # No device takes notifications yet: the answer comes back on the page, in Spanish.
    sent = post_form(client, "/push/test", headers={"Referer": "/me/"}, follow_redirects=True)
    assert "Todavía ningún dispositivo recibe notificaciones: actívalas primero." in _html(sent)


def test_a_staff_session_that_ran_out_says_so_in_spanish(
    client: FlaskClient, session: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    moment = [1_800_000_000.0]
    monkeypatch.setattr(sessions, "now", lambda: moment[0])
    therapist = _speaks_spanish(make.therapist(), session)
    session.commit()
    login(client, therapist)
    moment[0] += 31 * 60
    ended = client.get("/account")
    assert ended.status_code == 303
    page = _html(client.get(ended.headers["Location"], headers=SPANISH))
    assert "Se cerró tu sesión tras 30 minutos sin actividad." in page
    assert "<h1>Iniciar sesión</h1>" in page and "without activity" not in page
