"""What the app writes to a person outside their page speaks that person's language.

Pushes, emails, the calendar file and downloads are written in the recipient's language
(their choice, else the clinic's default), never in the language of whoever caused them.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from jobs import tasks
from tests import test_services_reminders as reminder_tests
from tests.conftest import Factory, csrf_token, local, login, post_form
from tests.mailserver import MailServer
from tests.pushservice import PushService
from tests.test_messages_notify import (
    _notices,
    smtp,  # noqa: F401  (the SMTP server fixture)
)
from tests.test_services_reminders import due_now, run, subscribe
from webapp.content import warning_signs
from webapp.models import User
from webapp.push import PushSender
from webapp.services import alert_words, dose, languages, messages
from webapp.services import today as today_service
from webapp.services.mail import wording
from webapp.services.outcomes import exports as outcome_exports
from webapp.services.outcomes import reading as outcomes_reading
from webapp.services.reminders import payload

push_service = reminder_tests.push_service
pushes = reminder_tests.pushes
sender = reminder_tests.sender

CLINIC = "Riverside Massage Therapy"


def _speaks(user: User, language: str | None) -> User:
    user.language = language
    return user


def test_a_message_push_speaks_the_spanish_patient_while_the_therapist_uses_english(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    maria = _speaks(make.therapist(), "en")
    ana = _speaks(make.patient(maria, timezone="Europe/Madrid"), "es")
    subscribe(session, pushes, ana, "ana-phone")
    now = local("Europe/Madrid", 2026, 3, 10, 12, 0)
    messages.send(session, maria, ana, "Rest tonight.", limits=messages.Limits(), now=now)
    assert run(session, sender, app, now).sent == 1
    assert pushes.wait_for(1, 5)
    notification = pushes.deliveries[0].payload["notification"]
    assert (notification["lang"], notification["dir"]) == ("es", "ltr")
    assert notification["title"] == f"Nuevo mensaje de {CLINIC}"
    assert notification["body"] == "Abre Between Visits para leerlo."
    assert languages.direction("ar") == "rtl"  # ready for a right-to-left language


def test_an_exercise_reminder_for_a_spanish_patient_counts_and_snoozes_in_spanish(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    maria = _speaks(make.therapist(), "en")
    ana = _speaks(make.patient(maria, timezone="Europe/Madrid"), "es")
    make.program(ana, date(2026, 3, 1))
    subscribe(session, pushes, ana, "ana-phone")
    now = local("Europe/Madrid", 2026, 3, 10, 8, 0)
    due_now(session, ana, "exercise", now, "r1-20260310")
    assert run(session, sender, app, now).sent == 1
    assert pushes.wait_for(1, 5)
    notification = pushes.deliveries[0].payload["notification"]
    assert notification["title"] == "Es hora de tus ejercicios"
    assert notification["body"].startswith("Te quedan 4 ejercicios hoy.")
    assert notification["actions"][0]["title"] == "Posponer 30 min"


def test_the_reverse_an_english_patient_and_a_spanish_therapist_each_read_their_own(
    app: Flask, session: Session, make: Factory, pushes: PushService, sender: PushSender
) -> None:
    lucia = _speaks(make.therapist(), "es")
    tom = _speaks(make.patient(lucia, timezone="Europe/London"), "en")
    subscribe(session, pushes, tom, "tom-phone")
    subscribe(session, pushes, lucia, "lucia-phone")
    now = local("Europe/London", 2026, 3, 10, 12, 0)
    messages.send(session, lucia, tom, "See you soon.", limits=messages.Limits(), now=now)
    messages.send(session, tom, tom, "Thank you!", limits=messages.Limits(), now=now)
    assert run(session, sender, app, now).sent == 2
    assert pushes.wait_for(2, 5)
    by_phone = {d.sub_id: d.payload["notification"] for d in pushes.deliveries}
    assert by_phone["tom-phone"]["title"] == f"New message from {CLINIC}"
    assert by_phone["tom-phone"]["lang"] == "en"
    assert by_phone["lucia-phone"]["title"] == f"Nuevo mensaje de {CLINIC}"
    assert by_phone["lucia-phone"]["lang"] == "es"


def test_the_message_email_is_in_the_recipients_language_with_its_html_lang(
    app: Flask,
    session: Session,
    make: Factory,
    smtp: MailServer,  # noqa: F811
) -> None:
    maria = _speaks(make.therapist(), "en")
    ana = _speaks(make.patient(maria), "es")
    message = messages.send(session, maria, ana, "Hola", limits=messages.Limits())
    for notice in _notices(session, message.id):
        notice.status = "inapp"
    session.commit()
    with app.app_context():
        assert tasks.email_unread_messages() == 1
        tasks.send_due_emails("t")
    [email] = smtp.wait_for(1)
    assert email["Subject"] == f"Nuevo mensaje de {CLINIC}"
    text, html = smtp.parts(email)
    assert f"Hola, {ana.first_name}:" in text
    assert "Inicia sesión para leerlo." in text
    assert '<html lang="es" dir="ltr">' in html and "Leer el mensaje" in html


def test_an_invite_follows_the_person_then_the_clinic_default(make: Factory) -> None:
    ana = _speaks(make.patient(), "es")
    email = wording.invite(ana, CLINIC, 7, "en")
    assert email.subject == f"Tu programa en casa en {CLINIC}"
    assert "Funciona una sola vez, durante 7 días." in email.text
    assert '<html lang="es" dir="ltr">' in email.html
    # Someone who has not chosen yet: the clinic's default language.
    newcomer = _speaks(make.patient(), None)
    assert wording.invite(newcomer, CLINIC, 1, "es").subject.startswith("Tu programa en casa")
    english = wording.invite(newcomer, CLINIC, 1, "en")
    assert english.subject == f"Your home program at {CLINIC}"
    assert (
        "It works once, for 1 day." in english.text and '<html lang="en" dir="ltr">' in english.html
    )


def test_the_visit_calendar_file_is_in_the_patients_language(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    ana = _speaks(make.patient(timezone="Europe/Madrid"), "es")
    visit = make.visit(ana, datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    login(client, ana)
    body = client.get(f"/me/visits/{visit.id}.ics").get_data(as_text=True)
    assert f"SUMMARY;LANGUAGE=es:Visita en {CLINIC}" in body
    assert "DESCRIPTION;LANGUAGE=es:Visita en la clínica" in body
    assert "Visit at" not in body


def test_csv_headers_are_in_the_downloaders_language(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    lucia = _speaks(make.therapist(), "es")
    tom = _speaks(make.patient(lucia), "en")
    make.checkin(tom, date(2026, 3, 9), pain=4)
    login(client, lucia)
    rows = list(csv.reader(io.StringIO(client.get(f"/clinic/patients/{tom.id}/export.csv").text)))
    assert rows[0][:5] == ["fecha", "tipo", "ejercicio", "vez", "dolor"]
    assert rows[1][:2] == ["2026-03-09", "registro diario"]
    client.post("/logout")
    login(client, tom)
    mine = list(csv.reader(io.StringIO(client.get("/me/export.csv").text)))
    assert mine[0][:5] == ["date", "record", "exercise", "round", "pain"]
    assert mine[1][:2] == ["2026-03-09", "check-in"]


def test_dates_on_a_spanish_page_are_written_by_babel(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    lucia = _speaks(make.therapist(), "es")
    tom = _speaks(make.patient(lucia, timezone="Europe/London"), "en")
    make.checkin(tom, date(2026, 11, 2), pain=4)
    login(client, lucia)
    page = client.get(f"/clinic/patients/{tom.id}").get_data(as_text=True)
    assert "lunes 2 de noviembre" in page
    assert "Monday" not in page and "November" not in page


def test_services_write_days_in_words_in_either_language() -> None:
    day = date(2026, 11, 3)
    assert languages.format_day("en", day, "weekday_day_month") == "Tuesday 3 November"
    assert languages.format_day("es", day, "weekday_day_month") == "martes 3 de noviembre"
    assert languages.format_day("es", day, "day_month_year") == "3 de noviembre de 2026"


def test_a_spanish_patient_reads_their_doses_in_spanish(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    ana = _speaks(make.patient(timezone="Europe/Madrid"), "es")
    make.program(ana, doses={"chin-tuck": {"sets": "2", "reps": "10", "hold_seconds": "20"}})
    login(client, ana)
    page = client.get("/me/").get_data(as_text=True)
    assert "2 series de 10, mantén 20 s" in page
    assert "5 veces" in page
    assert "sets of" not in page and "5 times" not in page


def test_doses_and_weekdays_in_words_in_either_language() -> None:
    item = SimpleNamespace(sets=3, reps=8, hold_seconds=90, side="left")
    assert dose.describe_dose(item, True) == "3 sets of 8, hold 1 min 30 s, left side"
    assert dose.describe_dose(item, True, language="es") == (
        "3 series de 8, mantén 1 min 30 s, lado izquierdo"
    )
    assert dose.describe_weekdays(0b0010101) == "Mon, Wed, Fri"
    assert dose.describe_weekdays(0b0010101, language="es") == "lun, mié, vie"
    assert dose.describe_weekdays(0b0011111, language="es") == "De lunes a viernes"


def test_a_services_refusal_reads_in_the_language_of_the_page_that_asked(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    ana = _speaks(make.patient(), "es")
    login(client, ana)
    token = csrf_token(client)
    form = {"csrf_token": token, "client_id": "ci-12345678", "note": "x" * 1001}
    html = client.post("/me/checkin", data=form).get_data(as_text=True)
    assert "Elige tu dolor del 0 al 10." in html
    assert "Escribe una nota de menos de 1000 caracteres." in html
    assert "Please choose your pain" not in html
    # The same refusal for an English reader, as before.
    tom = _speaks(make.patient(), "en")
    client.post("/logout")
    login(client, tom)
    form["csrf_token"] = csrf_token(client)
    html = client.post("/me/checkin", data=form).get_data(as_text=True)
    assert "Please choose your pain from 0 to 10." in html


def test_questionnaire_trends_say_when_in_the_readers_language() -> None:
    when = outcomes_reading._when
    assert when(date(2026, 11, 3), date(2026, 11, 20)) == "on 3 November"
    assert when(date(2026, 11, 3), date(2026, 11, 20), "es") == "el 3 de noviembre"
    assert when(date(2026, 10, 3), date(2026, 11, 20), "es") == "en octubre"
    assert when(date(2025, 10, 3), date(2026, 11, 20), "es") == "en octubre de 2025"
    every = SimpleNamespace(at_start=True, every_weeks=2, before_visits=True)
    assert outcomes_reading.schedule_words(every) == (  # type: ignore[arg-type]
        "at the start, every 2 weeks, the day before each visit"
    )
    assert outcomes_reading.schedule_words(every, "es") == (  # type: ignore[arg-type]
        "al inicio, cada 2 semanas, el día antes de cada visita"
    )


def test_an_alerts_reason_reads_in_the_therapists_language(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    lucia = _speaks(make.therapist(), "es")
    tom = _speaks(make.patient(lucia), "en")
    stored = alert_words.detail(alert_words.PAIN_HIGH, pain=9, day=date(2026, 3, 10))
    assert stored == "Pain 9/10 on 2026-03-10."  # the record stays as it always was
    make.alert(tom, "pain_high", detail=stored)
    login(client, lucia)
    page = client.get(f"/clinic/patients/{tom.id}").get_data(as_text=True)
    assert "Dolor 9/10 el 10 de marzo." in page
    assert "<strong>Dolor alto</strong>" in page and "High pain" not in page
    assert alert_words.describe(stored, "en") == stored
    rise = alert_words.detail(alert_words.PAIN_RISE, pain=8, day=date(2026, 3, 10), rise=3)
    assert alert_words.describe(rise, "es") == (
        "Dolor 8/10 el 10 de marzo, 3 por encima de la media de 7 días."
    )


def test_an_alert_push_speaks_the_therapists_language_whoever_the_patient(
    make: Factory,
) -> None:
    lucia = _speaks(make.therapist(), "es")
    tom = _speaks(make.patient(lucia), "en")
    stored = alert_words.detail(alert_words.INACTIVE, days=5)
    alert = make.alert(tom, "inactivity", detail=stored)
    occurrence = SimpleNamespace(key="alert-1", kind="alert")
    delivery = payload.alert_wording(occurrence, lucia, alert, tom)  # type: ignore[arg-type]
    assert delivery.title == f"Aviso: {tom.display_name}"
    assert delivery.body == "Sin ejercicios ni registro diario desde hace 5 días."
    assert delivery.language == "es"
    english = payload.alert_wording(occurrence, _speaks(make.therapist(), None), alert, None)  # type: ignore[arg-type]
    assert (english.title, english.body) == ("Alert: a patient", stored)


def test_the_questionnaire_csv_header_is_in_the_downloaders_language(make: Factory) -> None:
    assert outcome_exports.csv_text([]).splitlines() == [
        "date,questionnaire,occasion,item,activity,answer,score"
    ]
    assert outcome_exports.csv_text([], "es").splitlines() == [
        "fecha,cuestionario,ocasión,pregunta,actividad,respuesta,puntuación"
    ]


def test_a_spanish_patients_charts_speak_spanish(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    ana = _speaks(make.patient(timezone="Europe/Madrid"), "es")
    make.program(ana)
    login(client, ana)
    page = client.get("/me/progress").get_data(as_text=True)
    assert "Dolor de 0 (nada) a 10 (el peor), diario y media de 7 días" in page
    assert "Todavía no hay registros" in page and "No check-ins yet" not in page
    assert "100\u00a0%" in page and "100%" not in page  # Babel: a no-break space
    assert "from 0 (none) to 10 (worst)" not in page


def test_a_services_label_is_english_in_python_and_translated_where_a_page_shows_it(
    client: FlaskClient, make: Factory
) -> None:
    assert today_service.DIFFICULTIES["hard"] == "Too hard"
    ana = _speaks(make.patient(), "es")
    make.program(ana)
    login(client, ana)
    page = client.get("/me/play").get_data(as_text=True)
    assert "Demasiado difícil" in page and "Too hard" not in page


def test_todays_check_in_line_names_sleep_in_spanish(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    ana = _speaks(make.patient(timezone="Europe/Madrid"), "es")
    make.program(ana)
    make.checkin(ana, pain=4, sleep="good")
    login(client, ana)
    page = client.get("/me/").get_data(as_text=True)
    assert "Dolor 4/10" in page and "bien" in page
    assert "sleep good" not in page and " good." not in page


def test_a_red_flag_alert_names_the_warning_signs_in_the_therapists_language(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    lucia = _speaks(make.therapist(), "es")
    tom = _speaks(make.patient(lucia), "en")
    make.program(tom, therapist=lucia)
    session.commit()
    login(client, tom)
    post_form(client, "/me/checkin", {"pain": "2", "warning_signs": "calf_clot"})
    english = warning_signs.content().label("calf_clot")
    spanish = warning_signs.content("es").label("calf_clot")
    assert english != spanish
    login(client, lucia)
    page = client.get(f"/clinic/patients/{tom.id}").get_data(as_text=True)
    assert spanish in page and english not in page
