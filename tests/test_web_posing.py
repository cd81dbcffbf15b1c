"""The pose editor: a therapist poses a clinic exercise's figure; the checks and who may."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, login, post_form
from webapp.models import Exercise, ExerciseSource, User
from webapp.services.library import posing

HX = {"HX-Request": "true"}


@pytest.fixture
def clinic_exercise(session: Session) -> Exercise:
    """A clinic-made exercise with no figure yet."""
    exercise = Exercise(
        slug="clinic-seated-knee-lift",
        source=ExerciseSource.CLINIC,
        title="Seated knee lift",
        kind="mobility",
        purpose="Keeps the hip moving.",
        steps=["Sit tall on a firm chair.", "Lift one knee a little, then lower it."],
        cautions=["Stop on sharp pain."],
    )
    session.add(exercise)
    session.flush()
    return exercise


def _sitting_knee_lift(**changes: str) -> dict[str, Any]:
    draft = posing.draft_for_base("side", "sitting")
    form: dict[str, Any] = {"view": "side", "base": "sitting", "from": "", "action": "save"}
    for frame in posing.FRAMES:
        for joint in posing.JOINTS:
            form[posing.field_name(frame, joint)] = draft.value(frame, joint)
    form["end-hip_r"] = "115"
    form.update(changes)
    return form


def _field(html: str, name: str) -> str:
    found = re.search(
        rf'<div class="field pose-joint[^"]*">\s*<label[^>]*for="{name}".*?</div>', html, re.S
    )
    assert found, name
    return found.group(0)


def test_a_therapist_poses_a_clinic_exercise_and_patients_see_the_figure(
    client: FlaskClient, session: Session, make: Factory, clinic_exercise: Exercise
) -> None:
    therapist = make.therapist()
    login(client, therapist)
    edit = client.get(f"/library/{clinic_exercise.id}/edit").get_data(as_text=True)
    assert f'href="/library/{clinic_exercise.id}/pose"' in edit and "Pose the figure" in edit

    page = client.get(f"/library/{clinic_exercise.id}/pose")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'type="range"' in html
    assert "Knee flexion: normal 0° to 135°" in html

    base = post_form(
        client,
        f"/library/{clinic_exercise.id}/pose",
        {"view": "side", "base": "sitting", "action": "base"},
    )
    assert base.status_code == 200
    assert 'name="start-knee_r" min="-30" max="165" step="1" value="90"' in base.get_data(
        as_text=True
    )

    preview = post_form(
        client, f"/library/{clinic_exercise.id}/pose/preview", _sitting_knee_lift(), headers=HX
    )
    fragment = preview.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="pose-preview"') and "<svg" in fragment

    saved = post_form(client, f"/library/{clinic_exercise.id}/pose", _sitting_knee_lift())
    assert saved.status_code == 303
    session.refresh(clinic_exercise)
    assert clinic_exercise.pose is not None
    assert clinic_exercise.pose["base"] == "sitting" and clinic_exercise.pose["end"]["hip_r"] == 115

    # The figure shows where built-in ones do, drawn from the saved pose.
    shown = client.get(f"/library/{clinic_exercise.id}").get_data(as_text=True)
    assert "data-figure-moving" in shown and "Seated knee lift" in shown
    picker_program = make.program(make.patient(therapist), therapist=therapist)
    picker = client.get(f"/clinic/programs/{picker_program.id}/picker?q=knee+lift").get_data(
        as_text=True
    )
    thumb = re.search(rf'src="(/figures/{clinic_exercise.id}/[0-9a-f]{{12}}\.svg)"', picker)
    assert thumb and client.get(thumb.group(1)).status_code == 200


def test_an_angle_beyond_normal_range_is_refused_next_to_its_slider(
    client: FlaskClient, session: Session, make: Factory, clinic_exercise: Exercise
) -> None:
    login(client, make.therapist())
    form = _sitting_knee_lift(**{"end-knee_r": "170", "start-elbow_l": "ten"})
    response = post_form(client, f"/library/{clinic_exercise.id}/pose", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    knee = _field(html, "end-knee_r")
    assert "170° is outside the normal range of knee flexion (0° to 135°)." in knee
    assert 'value="170"' in knee  # what was given stays, in a box to correct it
    elbow = _field(html, "start-elbow_l")
    assert "Please give the angle as a number of degrees." in elbow and 'value="ten"' in elbow
    assert 'value="115"' in _field(html, "end-hip_r")  # the rest as it was set
    # Lists that were tampered with fall back to a known choice instead of failing.
    odd = post_form(client, f"/library/{clinic_exercise.id}/pose", {**form, "view": "hand_side"})
    assert odd.status_code == 422 and 'value="side" selected' in odd.get_data(as_text=True)
    session.refresh(clinic_exercise)
    assert clinic_exercise.pose is None


def test_a_pose_that_does_not_move_is_refused_with_the_figure_checks(
    client: FlaskClient, session: Session, make: Factory, clinic_exercise: Exercise
) -> None:
    login(client, make.therapist())
    still = _sitting_knee_lift(**{"end-hip_r": "85"})
    response = post_form(client, f"/library/{clinic_exercise.id}/pose", still)
    assert response.status_code == 422
    assert "start and end differ by only" in response.get_data(as_text=True)


def test_starting_from_a_built_in_exercise_keeps_its_props(
    client: FlaskClient, session: Session, make: Factory, clinic_exercise: Exercise
) -> None:
    login(client, make.therapist())
    url = f"/library/{clinic_exercise.id}/pose"
    copied = post_form(client, url, {"action": "copy", "source": "bridge"})
    html = copied.get_data(as_text=True)
    assert copied.status_code == 200 and 'name="from" value="bridge"' in html
    refused = post_form(client, url, {"action": "copy", "source": "no-such-exercise"})
    assert refused.status_code == 422 and posing.UNKNOWN_SOURCE in refused.get_data(as_text=True)

    form = {
        m.group(1): m.group(2) for m in re.finditer(r'name="([a-z_-]+)"[^>]*value="([^"]*)"', html)
    }
    form.update({"view": "side", "base": "lying_back", "action": "save"})
    assert post_form(client, url, form).status_code == 303
    session.refresh(clinic_exercise)
    assert clinic_exercise.pose and clinic_exercise.pose["from"] == "bridge"
    poses = posing.poses_of(clinic_exercise)
    assert poses is not None and poses.support == "mat"


@pytest.mark.parametrize("who", ["anonymous", "patient", "admin"])
def test_only_therapists_pose_figures(
    client: FlaskClient, make: Factory, clinic_exercise: Exercise, who: str
) -> None:
    therapist = make.therapist()
    users: dict[str, User | None] = {
        "anonymous": None,
        "patient": make.patient(therapist),
        "admin": make.admin(),
    }
    user = users[who]
    if user is not None:
        login(client, user)
    url = f"/library/{clinic_exercise.id}/pose"
    for response in (
        client.get(url),
        post_form(client, url, _sitting_knee_lift()),
        post_form(client, f"{url}/preview", _sitting_knee_lift(), headers=HX),
    ):
        assert response.status_code in ((302, 400) if user is None else (404,)), (
            response.status_code
        )
    assert clinic_exercise.pose is None


def test_built_in_figures_are_not_posed_here(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    login(client, make.therapist())
    bridge = session.scalar(select(Exercise).where(Exercise.slug == "bridge"))
    assert bridge is not None
    assert client.get(f"/library/{bridge.id}/pose").status_code == 404
    assert post_form(client, f"/library/{bridge.id}/pose", _sitting_knee_lift()).status_code == 404
