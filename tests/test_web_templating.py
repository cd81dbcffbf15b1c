"""Pages are sent without their templates' indentation, and nothing a person typed changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import Factory, csrf_token, login
from webapp.models import User
from webapp.services import clock

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def patient(session: Session, make: Factory) -> User:
    person = make.patient(name="Ida Indent")
    make.program(person, clock.local_today(person.timezone))
    return person


def test_today_is_sent_without_indentation(client: FlaskClient, patient: User) -> None:
    login(client, patient)
    html = client.get("/me/").get_data(as_text=True)
    assert "/me/completions" in html  # the plan is there
    assert re.findall(r"\n[ \t]+<", html) == []


def test_a_typed_note_keeps_its_own_spaces_and_lines(client: FlaskClient, patient: User) -> None:
    login(client, patient)
    note = "  Knee first,\n    then the back"
    response = client.post(
        "/me/checkin",
        data={"csrf_token": csrf_token(client), "client_id": "ci-indent-1", "note": note},
    )
    assert response.status_code == 422  # no pain chosen: the form comes back as typed
    html = response.get_data(as_text=True)
    assert ">  Knee first,\n    then the back</textarea>" in html.replace("\r\n", "\n")


def test_no_template_holds_indented_text_that_would_show() -> None:
    """Whitespace matters inside <pre> and <textarea>: none may hold literal lines."""
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text()
        assert "<pre" not in source, path
        for body in re.findall(r"<textarea[^>]*>(.*?)</textarea>", source, re.S):
            assert "\n" not in body, path
