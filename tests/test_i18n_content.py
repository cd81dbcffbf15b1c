"""Clinical content in the reader's language: exercises, templates, advice, labels.

A Spanish-speaking patient reads the exercise library, their program's notes, the check-in's
advice and the body map in Spanish; the outcome questionnaires say plainly that they are in
English only. Whatever has no translation is shown in English, never blank.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, count_queries, login, page_text, post_form
from webapp.content import soreness, warning_signs
from webapp.models import Exercise, ProgramTemplate, User
from webapp.services import clock, library, programs
from webapp.services.library import shipped

# quad-set's [exercise.es] block in content/library/knees.toml.
QUAD_SET_ES = "Tensar el muslo (contracción del cuádriceps)"
QUAD_SET_EN = "Thigh tightening (quad set)"
QUAD_STEP_ES = "Mantén la tensión y luego relaja del todo."
QUAD_CAUTION_ES = "Detente si notas entumecimiento u hormigueo en la pierna o el pie."


def test_today_and_the_player_show_the_exercise_in_spanish(
    client: FlaskClient, spanish_patient: User
) -> None:
    login(client, spanish_patient)
    today = page_text(client, "/me/")
    assert QUAD_SET_ES in today and QUAD_SET_EN not in today
    player = page_text(client, "/me/play")
    assert QUAD_SET_ES in player and QUAD_STEP_ES in player and QUAD_CAUTION_ES in player
    assert "Hold, then relax completely." not in player


def test_the_exercise_page_is_in_spanish_and_falls_back_to_english_per_exercise(
    client: FlaskClient, make: Factory, spanish_patient: User
) -> None:
    login(client, spanish_patient)
    quad = make.exercise("quad-set")
    page = page_text(client, f"/library/{quad.id}")
    assert f"<h1>{QUAD_SET_ES}</h1>" in page
    assert "Activa el músculo del muslo" in page and QUAD_STEP_ES in page
    # An exercise without a Spanish text yet: the English, not an empty page.
    chin = make.exercise("chin-tuck")
    if not chin.translations.get("es"):
        assert f"<h1>{chin.title}</h1>" in page_text(client, f"/library/{chin.id}")


def test_an_english_reader_still_reads_english(
    client: FlaskClient, session: Session, spanish_patient: User
) -> None:
    spanish_patient.language = "en"
    session.flush()
    login(client, spanish_patient)
    today = page_text(client, "/me/")
    assert QUAD_SET_EN in today and QUAD_SET_ES not in today


def test_spanish_costs_today_no_query(client: FlaskClient, session: Session, make: Factory) -> None:
    counts = {}
    for language in ("en", "es"):
        patient = make.patient()
        patient.language = language
        make.program(patient, slugs=["quad-set", "chin-tuck"])
        session.commit()
        login(client, patient)
        client.get("/me/")
        with count_queries(session) as statements:
            assert client.get("/me/").status_code == 200
        counts[language] = len(statements)
    assert counts["es"] == counts["en"]


def test_library_search_finds_spanish_words_for_a_spanish_reader(
    client: FlaskClient, spanish_patient: User
) -> None:
    login(client, spanish_patient)
    # Without the accent, as people type on a phone.
    found = page_text(client, "/library/?q=cuadriceps")
    assert QUAD_SET_ES in found
    # A body region's Spanish name finds it too, and the filter lists regions in Spanish.
    assert QUAD_SET_ES in page_text(client, "/library/?q=rodillas")
    assert ">Rodillas</option>" in found


def test_sync_follows_the_translations_without_a_version_bump(session: Session) -> None:
    quad = session.scalars(select(Exercise).where(Exercise.slug == "quad-set")).one()
    quad.translations = {}
    session.flush()
    report = library.sync_builtin(session)
    assert "translations:quad-set" in report.updated
    assert quad.text("es").title == QUAD_SET_ES
    # Running it again changes nothing.
    assert "translations:quad-set" not in library.sync_builtin(session).updated


def test_a_clinic_rewrite_drops_that_fields_translation(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    quad = make.exercise("quad-set")
    data = library.input_from_exercise(quad)
    data.title = "Thigh squeeze"
    library.update_exercise(session, therapist, quad, data)
    text = quad.text("es")
    # The clinic's English title, not the shipped Spanish one that no longer matches it...
    assert text.title == "Thigh squeeze"
    # ... while the untouched fields keep their Spanish.
    assert QUAD_STEP_ES in text.steps
    library.sync_builtin(session)
    assert quad.text("es").title == "Thigh squeeze"


def test_a_program_from_a_template_has_its_notes_in_the_patients_language(
    session: Session, make: Factory
) -> None:
    therapist = make.therapist()  # reads English
    template = session.scalars(
        select(ProgramTemplate).where(ProgramTemplate.slug == "low-back-pain")
    ).one()
    for language, note, title in (
        ("es", "Un buen calentamiento: empieza por este.", "Dolor lumbar: lo básico de cada día"),
        ("en", "A good warm-up; start with this one.", "Low back pain — daily basics"),
    ):
        patient = make.patient()
        patient.language = language
        program = programs.create_program(
            session,
            therapist,
            patient,
            today=clock.local_today(patient.timezone),
            template=template,
        )
        assert program.items[0].note == note
        assert program.title == title


def test_a_spanish_therapist_chooses_among_spanish_template_titles(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    therapist.language = "es"
    patient = make.patient(therapist)
    session.flush()
    login(client, therapist)
    page = page_text(client, f"/clinic/patients/{patient.id}/program")
    assert "Artrosis de rodilla: fuerza y movimiento" in page


def test_the_warning_sign_advice_is_in_spanish(client: FlaskClient, spanish_patient: User) -> None:
    login(client, spanish_patient)
    form = page_text(client, "/me/checkin")
    assert "Después de una operación: fiebre o escalofríos" in form
    response = post_form(
        client,
        "/me/checkin",
        {"client_id": "ci-espanol1", "pain": "9", "warning_signs": "fever_wound"},
    )
    assert response.status_code == 303
    html = page_text(client, response.headers["Location"])
    assert "Contacta hoy con tu equipo quirúrgico" in html
    assert "Llama hoy al equipo que te operó." in html
    assert "Hoy tienes mucho dolor" in html
    assert "Contact your surgical team today" not in html


def test_the_soreness_card_is_in_spanish(client: FlaskClient, spanish_patient: User) -> None:
    login(client, spanish_patient)
    html = page_text(client, "/me/soreness")
    assert "¿Agujetas normales o hay que parar?" in html and "Para y pide ayuda" in html
    assert "Stop and get help" not in html


def test_a_body_map_label_is_in_spanish(client: FlaskClient, spanish_patient: User) -> None:
    login(client, spanish_patient)
    html = page_text(client, "/me/checkin")
    assert "Rodillas (izquierda)" in html and "Knees (left)" not in html


def test_the_questionnaire_says_it_is_in_english_only(
    client: FlaskClient, make: Factory, spanish_patient: User
) -> None:
    make.outcome(spanish_patient, "psfs")
    login(client, spanish_patient)
    html = page_text(client, "/me/questionnaires/psfs")
    assert "Este cuestionario solo está en inglés." in html


def test_an_english_reader_sees_no_language_notice(
    client: FlaskClient, make: Factory, session: Session, spanish_patient: User
) -> None:
    spanish_patient.language = "en"
    make.outcome(spanish_patient, "psfs")
    session.flush()
    login(client, spanish_patient)
    assert "data-english-only" not in page_text(client, "/me/questionnaires/psfs")


def test_the_therapist_panel_says_a_spanish_patient_answers_in_english(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    patient.language = "es"
    make.outcome(patient, "psfs")
    session.flush()
    login(client, therapist)
    html = page_text(client, f"/clinic/patients/{patient.id}")
    assert "Patients who read Spanish answer them in English." in html
    therapist.language = "es"
    session.flush()
    html = page_text(client, f"/clinic/patients/{patient.id}")
    assert "Los cuestionarios están solo en inglés" in html


# --- The Spanish safety text is complete ------------------------------------------------------


def test_every_warning_sign_and_its_advice_has_its_spanish() -> None:
    english, spanish = warning_signs.content("en"), warning_signs.content("es")
    assert spanish.routes.keys() == english.routes.keys()
    for key, route in english.routes.items():
        theirs = spanish.routes[key]
        # Same rank, urgency and door; every line said, none left in English.
        assert (theirs.rank, theirs.urgent, theirs.call) == (route.rank, route.urgent, route.call)
        assert len(theirs.advice) == len(route.advice), key
        assert theirs.heading != route.heading, key
        assert not set(theirs.advice) & set(route.advice), key
    for key, sign in english.signs.items():
        theirs = spanish.signs[key]
        assert theirs.route == sign.route
        assert theirs.question != sign.question and theirs.label != sign.label, key
    assert spanish.pain.heading != english.pain.heading
    assert len(spanish.pain.advice) == len(english.pain.advice)
    assert "{rise}" in spanish.pain.rise and spanish.pain.rise != english.pain.rise


def test_the_soreness_card_has_all_its_spanish() -> None:
    english, spanish = soreness.card("en"), soreness.card("es")
    for name in ("heading", "fine_heading", "less_heading", "stop_heading", "stop"):
        assert getattr(spanish, name) != getattr(english, name), name
    for name in ("fine", "less", "less_advice"):
        assert len(getattr(spanish, name)) == len(getattr(english, name)), name
        assert not set(getattr(spanish, name)) & set(getattr(english, name)), name


def test_a_language_without_a_translation_reads_english() -> None:
    assert warning_signs.content("fr") == warning_signs.content("en")
    assert soreness.card("fr") == soreness.card("en")


def test_a_spanish_therapist_reads_exercise_titles_in_spanish(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    therapist.language = "es"
    patient = make.patient(therapist)
    make.program(patient, therapist=therapist, slugs=["quad-set", "chin-tuck"])
    session.flush()
    login(client, therapist)
    page = page_text(client, f"/clinic/patients/{patient.id}")
    assert QUAD_SET_ES in page and QUAD_SET_EN not in page
    builder = page_text(client, f"/clinic/patients/{patient.id}/program")
    assert QUAD_SET_ES in builder and QUAD_SET_EN not in builder


def test_a_question_about_an_exercise_names_it_in_each_readers_language(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()  # reads English
    patient = make.patient(therapist)
    patient.language = "es"
    make.program(patient, therapist=therapist, slugs=["quad-set", "chin-tuck"])
    quad = make.exercise("quad-set")
    session.flush()
    login(client, patient)
    assert QUAD_SET_ES in page_text(client, f"/me/messages?exercise={quad.id}")
    post_form(client, "/me/messages", {"body": "¿Es normal que tiemble?", "exercise_id": quad.id})
    assert QUAD_SET_ES in page_text(client, "/me/messages")
    client.post("/logout")
    login(client, therapist)
    page = page_text(client, f"/clinic/patients/{patient.id}/messages")
    assert QUAD_SET_EN in page and QUAD_SET_ES not in page


def test_the_patients_download_names_exercises_in_their_language(
    client: FlaskClient, spanish_patient: User
) -> None:
    login(client, spanish_patient)
    data = client.get("/me/export.json").get_json()
    assert QUAD_SET_ES in {i["exercise"] for i in data["programs"][0]["items"]}


def test_a_translation_that_does_not_line_up_with_the_english_is_not_used() -> None:
    data = {
        "title": "Thigh tightening",
        "purpose": "Wakes up the thigh.",
        "steps": ["One.", "Two."],
        "cautions": ["Stop for sharp pain."],
        "es": {"title": "Tensar el muslo", "steps": ["Uno."], "cautions": ["Para si duele."]},
    }
    assert shipped.exercise_translations(data) == {
        "es": {"title": "Tensar el muslo", "cautions": ["Para si duele."]}
    }


def test_the_edit_form_says_a_change_replaces_the_spanish(
    client: FlaskClient, make: Factory
) -> None:
    therapist = make.therapist()
    login(client, therapist)
    quad = make.exercise("quad-set")
    page = page_text(client, f"/library/{quad.id}/edit")
    assert "they read your English words for the part you changed" in page


def test_the_figure_is_named_in_spanish_for_a_spanish_reader(
    client: FlaskClient, make: Factory, spanish_patient: User
) -> None:
    login(client, spanish_patient)
    quad = make.exercise("quad-set")
    page = page_text(client, f"/library/{quad.id}")
    # Its own Spanish description (alt_es in content/poses); tests/test_i18n_figures.py.
    assert "<title>Una persona acostada en una cama, con una pierna estirada" in page
    # The English description (content/poses) is not read out on a Spanish page.
    assert "A person lies on a bed with one leg straight" not in page


def test_the_exercise_form_offers_kinds_and_regions_in_spanish(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    therapist.language = "es"
    session.flush()
    login(client, therapist)
    page = page_text(client, "/library/new")
    assert ">Fortalecimiento</option>" in page and "Rodillas" in page
    assert ">Strengthening</option>" not in page
