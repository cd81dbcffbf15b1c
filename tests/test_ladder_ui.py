"""Easier and harder versions: "Too hard? Try ..." for patients, a one-click swap in the builder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import Factory, login, post_form
from webapp.models import Program, User
from webapp.services import care, clock, plan, programs

HX = {"HX-Request": "true"}


def _titles(program: Program) -> list[str]:
    return [i.exercise.title for i in plan.current_items(program)]


@pytest.fixture
def patient(make: Factory) -> User:
    return make.patient(name="Rosa Diaz")


def test_the_exercise_page_offers_easier_and_harder(
    client: FlaskClient, make: Factory, patient: User
) -> None:
    login(client, patient)
    slr = make.exercise("straight-leg-raise")
    html = client.get(f"/library/{slr.id}").get_data(as_text=True)
    quad = make.exercise("quad-set")
    assert "Too hard?</strong> Try" in html and f'href="/library/{quad.id}"' in html
    assert "Too easy?</strong> Ask your therapist about" in html and "Sit to stand" in html


def test_the_patient_sees_no_surgical_rung_they_were_not_given(
    client: FlaskClient, make: Factory, patient: User
) -> None:
    login(client, patient)
    quad = make.exercise("quad-set")
    html = client.get(f"/library/{quad.id}").get_data(as_text=True)
    assert "Straight leg raise" in html
    assert "after leg surgery" not in html.split("Too easy?")[-1]


def test_the_player_says_too_hard_try(client: FlaskClient, make: Factory, patient: User) -> None:
    start = clock.local_today(patient.timezone) - timedelta(days=1)
    make.program(patient, start, slugs=["straight-leg-raise"])
    login(client, patient)
    html = client.get("/me/play").get_data(as_text=True)
    assert "Too hard?</strong> Try" in html and "Thigh tightening (quad set)" in html


def _builder_program(make: Factory, patient: User, slugs: list[str], **kw: object) -> Program:
    therapist = make.therapist()
    care.link(make.session, therapist, patient)
    start = clock.local_today(patient.timezone) - timedelta(days=3)
    return make.program(patient, start, therapist=therapist, slugs=slugs, **kw)  # type: ignore[arg-type]


def test_the_builder_shows_the_ladder_and_swaps_without_javascript(
    client: FlaskClient, session: Session, make: Factory, patient: User
) -> None:
    program = _builder_program(make, patient, ["chin-tuck", "straight-leg-raise", "ankle-pumps"])
    login(client, program.therapist)  # type: ignore[arg-type]
    html = client.get(f"/clinic/patients/{patient.id}/program").get_data(as_text=True)
    assert "Swap in Sit to stand" in html and "Swap in Thigh tightening (quad set)" in html
    slr = next(i for i in plan.current_items(program) if i.exercise.slug == "straight-leg-raise")
    sit = make.exercise("sit-to-stand")
    response = post_form(
        client,
        f"/clinic/programs/{program.id}/items/{slr.id}/swap",
        {"exercise_id": str(sit.id)},
    )
    assert response.status_code == 303
    session.refresh(program)
    assert _titles(program) == ["Chin tuck", "Sit to stand", "Ankle pumps"]
    swapped = plan.current_items(program)[1]
    assert swapped.times_per_day == 2 and swapped.reps == sit.reps  # its own dose, same rhythm
    # The past keeps what was prescribed then.
    assert any(i.exercise.slug == "straight-leg-raise" for i in program.items)


def test_the_swap_with_htmx_answers_the_list(
    client: FlaskClient, session: Session, make: Factory, patient: User
) -> None:
    program = _builder_program(make, patient, ["chin-tuck"])
    login(client, program.therapist)  # type: ignore[arg-type]
    item = plan.current_items(program)[0]
    nods = make.exercise("deep-neck-nods")
    response = post_form(
        client,
        f"/clinic/programs/{program.id}/items/{item.id}/swap",
        {"exercise_id": str(nods.id)},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="card" id="program-items"')
    assert nods.title in html


def test_only_a_rung_of_the_ladder_can_be_swapped_in(
    client: FlaskClient, session: Session, make: Factory, patient: User
) -> None:
    program = _builder_program(make, patient, ["chin-tuck"])
    login(client, program.therapist)  # type: ignore[arg-type]
    item = plan.current_items(program)[0]
    other = make.exercise("sit-to-stand")
    response = post_form(
        client,
        f"/clinic/programs/{program.id}/items/{item.id}/swap",
        {"exercise_id": str(other.id)},
        follow_redirects=True,
    )
    assert "not an easier or harder version" in response.get_data(as_text=True)
    session.refresh(program)
    assert _titles(program) == ["Chin tuck"]


def test_the_operated_side_comes_along(
    client: FlaskClient, session: Session, make: Factory, patient: User
) -> None:
    therapist = make.therapist()
    care.link(session, therapist, patient)
    today = clock.local_today(patient.timezone)
    program = programs.create_program(session, therapist, patient, today=today)
    quad = make.exercise("post-op-quad-set")
    programs.add_item(session, therapist, program, quad, today=today, side="left")
    programs.assign(session, therapist, program, today=today)
    login(client, therapist)
    item = plan.current_items(program)[0]
    arc = make.exercise("post-op-short-arc-quad")
    post_form(
        client,
        f"/clinic/programs/{program.id}/items/{item.id}/swap",
        {"exercise_id": str(arc.id)},
    )
    session.refresh(program)
    [now] = plan.current_items(program)
    assert now.exercise.slug == "post-op-short-arc-quad" and now.side == "left"


def test_another_therapist_cannot_swap(
    client: FlaskClient, session: Session, make: Factory, patient: User
) -> None:
    program = _builder_program(make, patient, ["chin-tuck"])
    login(client, make.therapist())
    item = plan.current_items(program)[0]
    nods = make.exercise("deep-neck-nods")
    response = post_form(
        client,
        f"/clinic/programs/{program.id}/items/{item.id}/swap",
        {"exercise_id": str(nods.id)},
    )
    assert response.status_code == 404
    session.refresh(program)
    assert _titles(program) == ["Chin tuck"]
