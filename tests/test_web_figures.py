"""The exercise page shows its figure: moving, still on request, nothing for clinic-made ones."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, login
from webapp.models import Exercise, ExerciseSource


def _exercise(session: Session, slug: str) -> Exercise:
    found = session.scalar(select(Exercise).where(Exercise.slug == slug))
    assert found is not None
    return found


def test_exercise_page_shows_the_moving_figure_with_a_pause_button(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    login(client, make.patient(make.therapist()))
    exercise = _exercise(session, "bridge")
    response = client.get(f"/library/{exercise.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="exfig"' in html and "data-figure-moving" in html
    assert "<animateTransform" in html and 'class="figure figure--still"' in html
    assert "lifts the hips a little off the floor" in html  # the figure's accessible name
    assert "data-figure-toggle" in html and "Pause the picture" in html
    assert f'href="/library/{exercise.id}?figure=still#figure"' in html
    assert "js/figure.js" in html
    # Still allowed by the policy: the page sets no style attribute and loads no script inline.
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert " style=" not in html


def test_still_pictures_without_javascript(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    login(client, make.patient(make.therapist()))
    exercise = _exercise(session, "bridge")
    html = client.get(f"/library/{exercise.id}?figure=still").get_data(as_text=True)
    assert "exfig--still" in html and "data-figure-moving" not in html
    assert "<animateTransform" not in html
    assert "The starting position comes first, then the end position." in html
    assert f'href="/library/{exercise.id}#figure"' in html


def test_the_figure_follows_the_exercise_dose(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    login(client, make.patient(make.therapist()))
    exercise = _exercise(session, "bridge")
    first = client.get(f"/library/{exercise.id}").get_data(as_text=True)
    exercise.hold_seconds = 9
    session.flush()
    second = client.get(f"/library/{exercise.id}").get_data(as_text=True)
    assert 'dur="14s"' in second and 'dur="14s"' not in first


def test_a_clinic_made_exercise_has_no_figure(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    therapist = make.therapist()
    exercise = Exercise(
        slug="clinic-shoulder-shrug",
        source=ExerciseSource.CLINIC,
        title="Shoulder shrug at the desk",
        kind="mobility",
        purpose="Loosens the shoulders.",
        steps=["Sit tall."],
        cautions=["Stop on sharp pain."],
    )
    session.add(exercise)
    session.flush()
    login(client, therapist)
    html = client.get(f"/library/{exercise.id}").get_data(as_text=True)
    assert "Shoulder shrug at the desk" in html and "exfig" not in html
