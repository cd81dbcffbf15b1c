"""The library and program builder over HTTP: access, htmx fragments, errors, uploads."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory, csrf_token, login, post_form
from webapp.models import Exercise, Program, ProgramStatus, ProgramTemplate, User, utcnow
from webapp.services import outcomes, programs

HX = {"HX-Request": "true"}


def _template_id(session: Session, slug: str) -> int:
    found = session.scalar(select(ProgramTemplate.id).where(ProgramTemplate.slug == slug))
    assert found is not None
    return found


def _exercise(session: Session, slug: str) -> Exercise:
    found = session.scalar(select(Exercise).where(Exercise.slug == slug))
    assert found is not None
    return found


@pytest.fixture
def care(make: Factory) -> dict[str, User]:
    """A therapist with a patient, and another therapist's patient."""
    therapist = make.therapist()
    return {
        "therapist": therapist,
        "patient": make.patient(therapist, name="Rosa Diaz"),
        "stranger": make.patient(make.therapist()),
    }


def _start(
    client: FlaskClient, session: Session, patient: User, slug: str = "low-back-pain"
) -> Program:
    response = post_form(
        client,
        f"/clinic/patients/{patient.id}/program",
        {"template_id": str(_template_id(session, slug))},
    )
    assert response.status_code == 303
    program = programs.working_program(session, patient)
    assert program is not None
    return program


def test_library_browse_and_htmx_results(client: FlaskClient, care: dict[str, User]) -> None:
    login(client, care["therapist"])
    page = client.get("/library/?region=knees")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and 'id="library-results"' in html
    fragment = client.get("/library/?q=ankle", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="library-results"')
    assert "Ankle" in body and "HX-Request" in fragment.headers["Vary"]


def test_patient_library_is_self_care_only(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["patient"])
    html = client.get("/library/").get_data(as_text=True)
    assert "My self-care" in html and "Pendulum" not in html
    pendulum = session.scalar(select(Exercise).where(Exercise.post_surgical.is_(True)))
    assert pendulum is not None
    assert client.get(f"/library/{pendulum.id}").status_code == 404
    assert client.get("/library/new").status_code == 404


def test_exercise_page_shows_steps_cautions_and_body_map(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["patient"])
    exercise = _exercise(session, "knee-to-chest")
    html = client.get(f"/library/{exercise.id}").get_data(as_text=True)
    assert exercise.steps[0] in html
    assert "Safety" in html and "sharp pain" in html
    assert 'aria-label="Target areas: Lower back' in html


@pytest.mark.parametrize("role", ["patient", "stranger_therapist", "admin"])
@pytest.mark.parametrize(
    "path", ["/clinic/patients/{pid}/program", "/clinic/programs/{prog}/handout"]
)
def test_builder_is_only_for_the_linked_therapist(
    app: object,
    client: FlaskClient,
    session: Session,
    make: Factory,
    care: dict[str, User],
    role: str,
    path: str,
) -> None:
    login(client, care["therapist"])
    program = _start(client, session, care["patient"])
    post_form(client, "/logout")
    intruder = {
        "patient": care["patient"],
        "stranger_therapist": make.therapist(),
        "admin": make.admin(),
    }[role]
    login(client, intruder)
    url = path.format(pid=care["patient"].id, prog=program.id)
    assert client.get(url).status_code == 404
    item = programs.current_items(program)[0]
    response = post_form(
        client,
        f"/clinic/programs/{program.id}/items/{item.id}",
        {
            "sets": "1",
            "reps": "1",
            "hold_seconds": "0",
            "rest_seconds": "0",
            "side": "both",
            "times_per_day": "1",
            "weekdays": "0",
        },
    )
    assert response.status_code == 404


def test_other_therapists_patient_program_is_not_found(
    client: FlaskClient, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    assert client.get(f"/clinic/patients/{care['stranger'].id}/program").status_code == 404
    response = post_form(client, f"/clinic/patients/{care['stranger'].id}/program")
    assert response.status_code == 404


def test_build_with_htmx(client: FlaskClient, session: Session, care: dict[str, User]) -> None:
    login(client, care["therapist"])
    response = post_form(client, f"/clinic/patients/{care['patient'].id}/program")
    assert response.status_code == 303
    program = programs.working_program(session, care["patient"])
    assert program is not None and not program.items
    picker = client.get(f"/clinic/programs/{program.id}/picker?q=chin", headers=HX)
    assert picker.get_data(as_text=True).lstrip().startswith('<div id="picker-results"')
    chin = _exercise(session, "chin-tuck")
    token = csrf_token(client)
    added = client.post(
        f"/clinic/programs/{program.id}/items",
        data={"exercise_id": str(chin.id)},
        headers={**HX, "X-CSRFToken": token},
    )
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and body.lstrip().startswith(
        '<section class="card" id="program-items"'
    )
    assert "Chin tuck" in body and added.headers["HX-Trigger"] == "program-changed"
    item = programs.current_items(program)[0]
    bad = client.post(
        f"/clinic/programs/{program.id}/items/{item.id}",
        data={
            "sets": "12",
            "reps": "ten",
            "hold_seconds": "5",
            "rest_seconds": "5",
            "side": "both",
            "times_per_day": "2",
            "weekdays": ["0", "3"],
            "note": "Gently",
        },
        headers={**HX, "X-CSRFToken": token},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert html.lstrip().startswith(f'<li class="program-item" id="item-{item.lineage}"')
    assert "Sets must be from 1 to 10." in html and "whole number" in html
    assert 'value="12"' in html and 'value="ten"' in html and 'value="Gently"' in html
    assert re.search(r'value="3" checked', html) and not re.search(r'value="1" checked', html)
    good = client.post(
        f"/clinic/programs/{program.id}/items/{item.id}",
        data={
            "sets": "2",
            "reps": "8",
            "hold_seconds": "5",
            "rest_seconds": "20",
            "side": "both",
            "times_per_day": "2",
            "weekdays": ["0", "3"],
            "note": "Gently",
        },
        headers={**HX, "X-CSRFToken": token},
    )
    assert good.status_code == 200 and "Saved" in good.get_data(as_text=True)
    assert item.sets == 2 and item.reps == 8 and item.note == "Gently"


def test_superscript_digits_in_a_dose_are_a_clear_message(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    program = _start(client, session, care["patient"])
    item = programs.current_items(program)[0]
    response = post_form(
        client,
        f"/clinic/programs/{program.id}/items/{item.id}",
        {
            "sets": "²",
            "reps": "10",
            "hold_seconds": "5",
            "rest_seconds": "5",
            "side": "both",
            "times_per_day": "1",
            # "²".isdigit() is True, but it is no weekday: as if none were ticked.
            "weekdays": ["²", "①"],
        },
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Sets: please enter a whole number from 1 to 10." in html and 'value="²"' in html
    assert "Please choose at least one day of the week." in html


def test_a_decompression_bomb_is_a_clear_message_next_to_the_picture(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    exercise = _exercise(session, "chin-tuck")
    # 900 million pixels in a 100-byte file; then one just past Pillow's warning.
    for bomb in (png_claiming(30_000, 30_000), png_claiming(10_000, 10_000)):
        response = post_form(
            client,
            f"/library/{exercise.id}/media",
            {"kind": "image", "image": (io.BytesIO(bomb), "huge.png")},
            content_type="multipart/form-data",
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        message = re.search(r'id="image-error">([^<]*)<', html)
        assert message and "more than 40 million pixels" in message.group(1)
    assert exercise.image is None


def test_build_without_javascript(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    program = _start(client, session, care["patient"])
    items = programs.current_items(program)
    # Invalid dose: the whole page comes back with the message next to the field.
    response = post_form(
        client,
        f"/clinic/programs/{program.id}/items/{items[1].id}",
        {
            "sets": "1",
            "reps": "500",
            "hold_seconds": "0",
            "rest_seconds": "0",
            "side": "both",
            "times_per_day": "1",
            "weekdays": "0",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in html
    assert "Repetitions must be from 1 to 100." in html and 'value="500"' in html
    # Move the last item to the top with plain forms.
    last = items[-1]
    for _ in range(len(items)):
        moved = post_form(
            client, f"/clinic/programs/{program.id}/items/{last.id}/move", {"direction": "up"}
        )
        assert moved.status_code == 303
    assert programs.current_items(program)[0].lineage == last.lineage
    removed = post_form(client, f"/clinic/programs/{program.id}/items/{last.id}/remove")
    assert removed.status_code == 303
    assert last.lineage not in [i.lineage for i in programs.current_items(program)]
    assigned = post_form(client, f"/clinic/programs/{program.id}/assign")
    assert assigned.status_code == 303
    assert program.status is ProgramStatus.ACTIVE
    page = client.get(assigned.headers["Location"]).get_data(as_text=True)
    assert "Rosa now has this program on their phone" in page


def test_details_errors_keep_input(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    program = _start(client, session, care["patient"])
    response = post_form(
        client,
        f"/clinic/programs/{program.id}/details",
        {"title": "My knees", "note": "n", "start_date": "2020-01-01", "end_date": "not a date"},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith(
        '<section class="card" id="program-details"'
    )
    assert 'value="My knees"' in html and "like 2026-12-31" in html


def test_save_template_and_handout(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    program = _start(client, session, care["patient"], "knee-osteoarthritis")
    response = post_form(client, f"/clinic/programs/{program.id}/template", {"template_title": ""})
    assert response.status_code == 422 and "Please name the template." in response.get_data(
        as_text=True
    )
    response = post_form(
        client, f"/clinic/programs/{program.id}/template", {"template_title": "Knees after hiking"}
    )
    assert response.status_code == 303
    assert session.scalar(
        select(ProgramTemplate).where(ProgramTemplate.title == "Knees after hiking")
    )
    handout = client.get(f"/clinic/programs/{program.id}/handout").get_data(as_text=True)
    for item in programs.current_items(program):
        assert item.exercise.title in handout and item.exercise.steps[0] in handout
    assert "sharp pain" in handout and "For Rosa Diaz" in handout


def _png(size: tuple[int, int] = (50, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """Return a tiny PNG file whose header claims a picture of this size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_upload_and_serve_media(
    app: object, client: FlaskClient, session: Session, make: Factory, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    pendulum = session.scalar(select(Exercise).where(Exercise.post_surgical.is_(True)))
    assert pendulum is not None
    url = f"/library/{pendulum.id}/media"
    wrong = post_form(
        client,
        url,
        {"kind": "image", "image": (io.BytesIO(_png()), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "really a PNG" in wrong.get_data(as_text=True)
    notimg = post_form(
        client,
        url,
        {"kind": "image", "image": (io.BytesIO(b"MZ...."), "x.png")},
        content_type="multipart/form-data",
    )
    assert notimg.status_code == 422 and "not a picture" in notimg.get_data(as_text=True)
    ok = post_form(
        client,
        url,
        {"kind": "image", "alt_text": "Arm hanging down", "image": (io.BytesIO(_png()), "arm.png")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 303
    assert pendulum.image is not None
    with client.get(f"/library/media/{pendulum.image.id}") as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
        assert served.headers["Cache-Control"] == "private, max-age=31536000, immutable"
        assert served.headers.get("ETag")
    # A patient sees a post-surgical picture only when it is in their own program.
    post_form(client, "/logout")
    login(client, care["patient"])
    assert client.get(f"/library/media/{pendulum.image.id}").status_code == 404
    program = programs.create_program(
        session, care["therapist"], care["patient"], today=utcnow().date()
    )
    programs.add_item(
        session, care["therapist"], program, pendulum, today=program.start_date, side="left"
    )
    with client.get(f"/library/media/{pendulum.image.id}") as served:
        assert served.status_code == 200
    post_form(client, "/logout")
    assert client.get(f"/library/media/{pendulum.image.id}").status_code == 302


def test_new_clinic_exercise_form_keeps_input(client: FlaskClient, care: dict[str, User]) -> None:
    login(client, care["therapist"])
    response = post_form(
        client,
        "/library/new",
        {
            "title": "Wall push",
            "kind": "strengthening",
            "purpose": "",
            "steps": "Stand.\nPush.",
            "cautions": "",
            "sets": "1",
            "reps": "10",
            "hold_seconds": "0",
            "rest_seconds": "30",
            "side": "both",
            "times_per_day": "1",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Wall push"' in html and "Stand.\nPush." in html
    assert "at least one body region" in html and "at least one safety caution" in html
    response = post_form(
        client,
        "/library/new",
        {
            "title": "Wall push",
            "kind": "strengthening",
            "regions": ["arms", "chest"],
            "purpose": "Builds gentle arm strength.",
            "steps": "Stand facing a wall.\nPush away.",
            "cautions": "Stop if you feel sharp pain.",
            "self_care": "y",
            "sets": "2",
            "reps": "10",
            "hold_seconds": "0",
            "rest_seconds": "30",
            "side": "both",
            "times_per_day": "1",
        },
    )
    assert response.status_code == 303


# --- one-sided exercises after surgery ---------------------------------------------------

DOSE_FORM = {
    "sets": "1",
    "reps": "10",
    "hold_seconds": "0",
    "rest_seconds": "0",
    "times_per_day": "3",
    "weekdays": ["0", "1", "2", "3", "4", "5", "6"],
}


def test_starting_a_post_surgical_template_asks_which_side(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    builder = client.get(f"/clinic/patients/{care['patient'].id}/program").get_data(as_text=True)
    shoulder = _template_id(session, "post-surgical-shoulder")
    assert f'id="start-side-{shoulder}"' in builder
    assert f'id="start-side-{_template_id(session, "low-back-pain")}"' not in builder

    refused = post_form(
        client, f"/clinic/patients/{care['patient'].id}/program", {"template_id": str(shoulder)}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert (
        f'<p class="field__error" id="start-side-{shoulder}-error">'
        "This template has exercises for one side only: please choose the left or right side."
        in html
    )
    assert programs.working_program(session, care["patient"]) is None

    started = post_form(
        client,
        f"/clinic/patients/{care['patient'].id}/program",
        {"template_id": str(shoulder), "side": "left"},
    )
    assert started.status_code == 303
    program = programs.working_program(session, care["patient"])
    assert program is not None
    assert {i.side for i in programs.current_items(program) if i.exercise.side_required} == {"left"}
    page = client.get(f"/clinic/patients/{care['patient'].id}/program").get_data(as_text=True)
    assert "Shoulder pendulum" in page and "left side" in page


def test_adding_a_one_sided_exercise_without_a_side_is_refused_in_the_picker(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    program = _start(client, session, care["patient"])
    pendulum = _exercise(session, "pendulum")
    picker = client.get(f"/clinic/programs/{program.id}/picker?q=pendulum", headers=HX)
    assert f'id="add-side-{pendulum.id}"' in picker.get_data(as_text=True)

    token = csrf_token(client)
    refused = client.post(
        f"/clinic/programs/{program.id}/items",
        data={"exercise_id": str(pendulum.id), "q": "pendulum", "side": "both"},
        headers={**HX, "X-CSRFToken": token},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == "#picker-results"
    assert html.lstrip().startswith('<div id="picker-results"')
    assert (
        f'<p class="field__error" id="add-side-{pendulum.id}-error">'
        "This exercise is for one side only: please choose left or right.</p>" in html
    )
    assert "pendulum" not in [i.exercise.slug for i in programs.current_items(program)]

    # Without JavaScript: the whole builder, the message next to the same field.
    plain = post_form(
        client, f"/clinic/programs/{program.id}/items", {"exercise_id": str(pendulum.id)}
    )
    assert plain.status_code == 422
    assert f'id="add-side-{pendulum.id}-error"' in plain.get_data(as_text=True)

    added = client.post(
        f"/clinic/programs/{program.id}/items",
        data={"exercise_id": str(pendulum.id), "side": "right"},
        headers={**HX, "X-CSRFToken": token},
    )
    assert added.status_code == 200
    item = next(i for i in programs.current_items(program) if i.exercise.slug == "pendulum")
    assert item.side == "right"

    changed = client.post(
        f"/clinic/programs/{program.id}/items/{item.id}",
        data={**DOSE_FORM, "side": "both"},
        headers={**HX, "X-CSRFToken": token},
    )
    html = changed.get_data(as_text=True)
    assert changed.status_code == 422
    assert (
        f'<p class="field__error" id="side-{item.lineage}-error">'
        "This exercise is for one side only: please choose left or right.</p>" in html
    )
    assert item.side == "right"


def test_an_old_item_without_a_side_is_flagged_and_blocks_assigning(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    program = programs.create_program(
        session,
        care["therapist"],
        care["patient"],
        today=utcnow().date(),
        template=session.get(ProgramTemplate, _template_id(session, "post-surgical-knee")),
        side="right",
    )
    heel = next(
        i for i in programs.current_items(program) if i.exercise.slug == "post-op-heel-slide"
    )
    heel.side = "both"  # as saved before the exercise needed a side
    session.commit()
    refused = post_form(client, f"/clinic/programs/{program.id}/assign", follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert program.status is ProgramStatus.DRAFT
    assert programs.ASSIGN_SIDE_MESSAGE in html
    assert f'id="side-needed-{heel.lineage}"' in html
    assert f'<p class="field__error" id="side-{heel.lineage}-error">' in html


def test_a_saved_template_can_carry_the_patients_questionnaires(
    client: FlaskClient, session: Session, care: dict[str, User]
) -> None:
    login(client, care["therapist"])
    program = _start(client, session, care["patient"], "knee-osteoarthritis")
    schedules = {a.instrument for a in outcomes.live_assignments(session, care["patient"])}
    assert schedules  # the knee template starts PSFS and PEG
    with_them = post_form(
        client,
        f"/clinic/programs/{program.id}/template",
        {"template_title": "Knees, measured", "template_outcomes": "1"},
        follow_redirects=True,
    )
    assert "with its questionnaires" in with_them.get_data(as_text=True)
    post_form(client, f"/clinic/programs/{program.id}/template", {"template_title": "Knees, plain"})
    saved = {
        t.title: {d["instrument"] for d in t.outcome_defaults}
        for t in session.scalars(select(ProgramTemplate).where(ProgramTemplate.builtin.is_(False)))
    }
    assert saved == {"Knees, measured": schedules, "Knees, plain": set()}
