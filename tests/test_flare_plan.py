"""The flare-up plan: the therapist sets it, the patient switches to it from Today, and back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, login, post_form
from webapp.models import Alert, Program, ProgramStatus, User, utcnow
from webapp.services import clock, flares, plan, today


@pytest.fixture
def people(make: Factory) -> tuple[User, User, Program]:
    """A therapist, their patient and the patient's program (chin tuck, ankle pumps, 2x a day)."""
    therapist = make.therapist()
    patient = make.patient(therapist, name="Rosa Diaz")
    start = clock.local_today(patient.timezone) - timedelta(days=7)
    program = make.program(patient, start, therapist=therapist)
    return therapist, patient, program


def _lineage(program: Program, slug: str) -> str:
    return next(i.lineage for i in plan.current_items(program) if i.exercise.slug == slug)


def _set_plan(client: FlaskClient, patient: User, program: Program, **changes: str) -> object:
    form = {
        f"flare-{_lineage(program, 'chin-tuck')}": "lighter",
        f"flare-{_lineage(program, 'ankle-pumps')}": "out",
        "comfort": "Warmth for 15 minutes.\nShort easy walks.",
        "when_to_call": "If it is not easing after three days.",
        "days": "3",
        **changes,
    }
    return post_form(client, f"/clinic/patients/{patient.id}/flare-plan", form)


def test_the_therapist_sets_the_plan_without_javascript(
    client: FlaskClient, session: Session, people: tuple[User, User, Program]
) -> None:
    therapist, patient, program = people
    login(client, therapist)
    html = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert "Flare-up plan" in html and "Lighter: 1 set of 3, once a day" in html
    response = _set_plan(client, patient, program)
    assert response.status_code == 303  # type: ignore[attr-defined]
    saved = flares.plan_of(session, patient)
    assert saved is not None and saved.days == 3
    assert saved.exercises == {_lineage(program, "chin-tuck"): "lighter"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days": "9"}, "from 1 to 7"),
        ({"days": "soon"}, "from 1 to 7"),
        ({"comfort": "x" * 1001}, "under 1000 characters"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(
    client: FlaskClient,
    session: Session,
    people: tuple[User, User, Program],
    changes: dict[str, str],
    message: str,
) -> None:
    therapist, patient, program = people
    login(client, therapist)
    response = _set_plan(client, patient, program, **changes)
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert message in html and "If it is not easing after three days." in html
    assert flares.plan_of(session, patient) is None


def test_at_least_one_exercise_stays(
    client: FlaskClient, session: Session, people: tuple[User, User, Program]
) -> None:
    therapist, patient, program = people
    login(client, therapist)
    response = _set_plan(
        client, patient, program, **{f"flare-{_lineage(program, 'chin-tuck')}": "out"}
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Keep at least one exercise" in response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_the_patient_switches_from_today_and_the_therapist_sees_it(
    client: FlaskClient, session: Session, people: tuple[User, User, Program]
) -> None:
    therapist, patient, program = people
    login(client, therapist)
    _set_plan(client, patient, program)
    login(client, patient)
    home = client.get("/me/").get_data(as_text=True)
    assert "Having a flare-up?" in home and "0 of 4 done" in home
    response = post_form(client, "/me/flare")
    assert response.status_code == 303
    home = client.get("/me/").get_data(as_text=True)
    assert "Flare-up plan until" in home and "Short easy walks." in home
    assert "0 of 1 done" in home and "Ankle pumps" not in home
    assert "3 times" in home and "5 times" not in home and "× today" not in home  # lighter
    # Tapped twice: one spell.
    post_form(client, "/me/flare")
    assert len(flares.spells(session, patient)) == 1
    # The therapist sees that they did: an alert, and the page says so.
    alert = session.scalars(select(Alert).where(Alert.patient_id == patient.id)).one()
    assert alert.kind == "flare_plan" and alert.status == "open"
    login(client, therapist)
    page = client.get(f"/clinic/patients/{patient.id}").get_data(as_text=True)
    assert "Flare-up plan started" in page and "Rosa switched to it on" in page


def test_the_usual_plan_comes_back_after_the_days(
    session: Session, make: Factory, people: tuple[User, User, Program]
) -> None:
    therapist, patient, program = people
    lineages = {_lineage(program, "chin-tuck"): "same"}
    flares.save_plan(session, therapist, patient, flares.FlarePlanInput(lineages, days="2"))
    now = utcnow()
    day = clock.local_today(patient.timezone, now)
    spell = flares.start_spell(session, patient, today=day, now=now)
    assert spell.status is ProgramStatus.FLARE and spell.end_date == day + timedelta(days=1)
    assert today.plan_for(session, patient, now=now).total_slots == 2
    assert today.plan_for(session, patient, now=now + timedelta(days=1)).total_slots == 2
    assert today.plan_for(session, patient, now=now + timedelta(days=2)).total_slots == 4


def test_back_to_the_usual_plan_early(
    client: FlaskClient, session: Session, people: tuple[User, User, Program]
) -> None:
    therapist, patient, program = people
    flares.save_plan(
        session,
        therapist,
        patient,
        flares.FlarePlanInput({_lineage(program, "ankle-pumps"): "lighter"}),
    )
    login(client, patient)
    post_form(client, "/me/flare")
    assert "0 of 1 done" in client.get("/me/").get_data(as_text=True)
    post_form(client, "/me/flare/end")
    home = client.get("/me/").get_data(as_text=True)
    assert "0 of 4 done" in home and "Having a flare-up?" in home


def test_no_plan_no_switch(
    client: FlaskClient, session: Session, people: tuple[User, User, Program]
) -> None:
    _therapist, patient, _program = people
    login(client, patient)
    assert "Having a flare-up?" not in client.get("/me/").get_data(as_text=True)
    response = post_form(client, "/me/flare", follow_redirects=True)
    assert "no flare-up plan" in response.get_data(as_text=True)
    assert flares.spells(session, patient) == []


def test_only_the_patients_therapist_sets_it(
    client: FlaskClient, session: Session, make: Factory, people: tuple[User, User, Program]
) -> None:
    _therapist, patient, program = people
    login(client, make.therapist())
    assert _set_plan(client, patient, program).status_code == 404  # type: ignore[attr-defined]
    login(client, patient)
    assert _set_plan(client, patient, program).status_code in (403, 404)  # type: ignore[attr-defined]
    assert flares.plan_of(session, patient) is None
