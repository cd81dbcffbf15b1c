"""Exercise figures described in the reader's language.

Each built-in figure has a description in English (``alt``) and in Spanish (``alt_es``) in
content/poses; it is the figure's accessible name (its SVG ``<title>``), what a screen reader
says for the picture. A Spanish reader hears the Spanish one; an English reader the English.
"""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import Factory, login, page_text
from webapp.figures import PoseDataError, builtin_poses, exercise_figure, parse_exercise
from webapp.figures.poses import ALT_MAX_CHARS as ALT_MAX
from webapp.models import Exercise, ExerciseSource, User

POSES_DIR = Path(__file__).resolve().parent.parent / "webapp" / "content" / "poses"
TABLES = {
    slug: table
    for path in sorted(POSES_DIR.glob("*.toml"))
    for slug, table in tomllib.loads(path.read_text()).items()
}
QUAD_EN = TABLES["quad-set"]["alt"]
QUAD_ES = TABLES["quad-set"]["alt_es"]
CHIN_ES = TABLES["chin-tuck"]["alt_es"]
SVG_NS = "{http://www.w3.org/2000/svg}"


def test_a_spanish_reader_hears_the_figure_described_in_spanish(
    client: FlaskClient, make: Factory, spanish_patient: User
) -> None:
    login(client, spanish_patient)
    quad = make.exercise("quad-set")
    page = page_text(client, f"/library/{quad.id}")
    # The moving figure, then the still frames (one above the other for a figure lying down).
    assert f"<title>{QUAD_ES}</title>" in page
    assert (
        f"<title>{QUAD_ES} Arriba, la posición inicial; abajo, la posición final.</title>" in page
    )
    assert "Una persona acostada en una cama" in page
    assert QUAD_EN not in page and "Top: the starting position" not in page
    # A figure whose frames stand side by side says so in Spanish.
    chin = make.exercise("chin-tuck")
    page = page_text(client, f"/library/{chin.id}")
    assert (
        f"<title>{CHIN_ES} A la izquierda, la posición inicial; a la derecha, la posición"
        " final.</title>"
    ) in page
    assert TABLES["chin-tuck"]["alt"] not in page


def test_the_guided_player_describes_the_figures_in_spanish(
    client: FlaskClient, spanish_patient: User
) -> None:
    login(client, spanish_patient)
    player = page_text(client, "/me/play")
    assert f"<title>{QUAD_ES}</title>" in player and QUAD_EN not in player


def test_an_english_reader_still_hears_the_english_description(
    client: FlaskClient, make: Factory
) -> None:
    login(client, make.patient())
    quad = make.exercise("quad-set")
    page = page_text(client, f"/library/{quad.id}")
    assert f"<title>{QUAD_EN}</title>" in page
    assert f"<title>{QUAD_EN} Top: the starting position. Bottom: the end position.</title>" in page
    assert QUAD_ES not in page


def test_the_cached_figure_serves_both_languages(
    client: FlaskClient, make: Factory, spanish_patient: User
) -> None:
    # The same (cached) drawing, asked for in English and then in Spanish and back.
    quad = make.exercise("quad-set")
    login(client, make.patient())
    assert QUAD_EN in page_text(client, f"/library/{quad.id}")
    login(client, spanish_patient)
    page = page_text(client, f"/library/{quad.id}")
    assert QUAD_ES in page and QUAD_EN not in page
    login(client, make.patient())
    page = page_text(client, f"/library/{quad.id}")
    assert QUAD_EN in page and QUAD_ES not in page


def test_a_clinic_posed_figure_is_named_by_its_spanish_title(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    # A clinic's own figure has no Spanish description: it is named by the exercise.
    exercise = Exercise(
        slug="clinic-seated-knee-lift",
        source=ExerciseSource.CLINIC,
        title="Elevación de rodilla sentado",
        kind="mobility",
        purpose="Mantiene la cadera en movimiento.",
        steps=["Siéntate recto."],
        cautions=["Para si notas dolor agudo."],
        pose={"view": "side", "base": "sitting", "from": "", "start": {}, "end": {"hip_r": 115}},
    )
    session.add(exercise)
    therapist = make.therapist()
    therapist.language = "es"
    session.flush()
    login(client, therapist)
    page = page_text(client, f"/library/{exercise.id}")
    assert "<title>Dibujo del ejercicio «Elevación de rodilla sentado»" in page
    assert "drawn by the clinic" not in page
    # ... and so is the pose editor's preview of it.
    preview = page_text(client, f"/library/{exercise.id}/pose")
    assert "<title>Dibujo del ejercicio «Elevación de rodilla sentado»: primero" in preview
    assert "drawn by the clinic" not in preview


# --- The Spanish descriptions in content/poses ----------------------------------------------


@pytest.mark.parametrize("slug", sorted(TABLES))
def test_every_figure_has_a_spanish_description(slug: str) -> None:
    table = TABLES[slug]
    keys = list(table)
    assert keys.index("alt_es") == keys.index("alt") + 1, "alt_es goes right after alt"
    text = " ".join(table["alt_es"].split())
    assert text and len(text) <= ALT_MAX
    assert text[0].isupper() and text.endswith(".")
    assert text != " ".join(table["alt"].split())
    poses = builtin_poses()[slug]
    assert poses.alt_in("es") == text and poses.alt_in("en") == poses.alt
    figure = exercise_figure(slug, hold_seconds=3)
    assert figure is not None and figure.alt_in("es") == text
    # The drawing itself keeps the English name: each page puts the reader's own in.
    for svg in (figure.moving, figure.still):
        title = ET.fromstring(svg).find(f"{SVG_NS}title")
        assert title is not None and title.text and title.text.startswith(poses.alt)
        assert text not in svg


def _table(**changes: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "view": "side",
        "alt": "A test figure sitting.",
        "start": {"base": "sitting"},
        "end": {"knee_r": 45},
    }
    table.update(changes)
    return table


def test_a_spanish_description_is_checked_like_the_english_one() -> None:
    poses = parse_exercise("t", _table(alt_es="  Una persona   sentada. "))
    assert poses.alts == {"es": "Una persona sentada."}
    assert poses.alt_in("fr") is None
    with pytest.raises(PoseDataError, match="alt_es is empty"):
        parse_exercise("t", _table(alt_es="  "))
    with pytest.raises(PoseDataError, match=f"alt_es is {ALT_MAX + 1} characters"):
        parse_exercise("t", _table(alt_es="a" * (ALT_MAX + 1)))
    with pytest.raises(PoseDataError, match=f"alt is {ALT_MAX + 1} characters"):
        parse_exercise("t", _table(alt="a" * (ALT_MAX + 1)))
    with pytest.raises(PoseDataError, match="alt, not alt_en"):
        parse_exercise("t", _table(alt_en="A person."))
    with pytest.raises(PoseDataError, match="unknown keys"):
        parse_exercise("t", _table(alt_spanish="Una persona."))
