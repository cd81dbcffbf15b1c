"""Today's first load stays within 60 KB in either language: what keeps the bytes down."""

from __future__ import annotations

import gzip

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import Factory, login
from webapp.web.templating import DropIndentation


def test_a_line_holding_only_a_tag_leaves_no_empty_line_and_words_stay_apart(app: Flask) -> None:
    source = "<p>\n  {% if a %}\n  Hello\n  {% endif %}\n  {# why #}\n  <b>you</b>\n</p>"
    compiled = DropIndentation(app.jinja_env).preprocess(source, "page.html")
    assert compiled == "<p>\n{% if a %}Hello\n{% endif %}{# why #}<b>you</b>\n</p>"
    assert app.jinja_env.from_string(compiled).render(a=True) == "<p>\nHello\n<b>you</b>\n</p>"
    # An include keeps its line break: what it includes ends without one.
    kept = "<p>\n{% include 'x.html' %}\nnext</p>"
    assert DropIndentation(app.jinja_env).preprocess(kept, "page.html") == kept


def test_today_in_spanish_has_no_empty_lines_nor_a_description_for_crawlers(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    patient = make.patient(name="Lucía Romero")
    patient.language = "es"
    make.program(patient, times_per_day=2)
    session.commit()
    assert '<meta name="description"' in client.get("/login").get_data(as_text=True)
    login(client, patient)
    html = client.get("/me/").get_data(as_text=True)
    assert "Ejercicios de hoy" in html and "Marcar 2.ª vez como hecha" in html
    assert '<meta name="description"' not in html
    assert html.count("\n\n") < 10


def test_the_offline_page_is_compressed_and_pages_with_a_token_are_not(
    client: FlaskClient, session: Session, make: Factory
) -> None:
    offline = client.get("/offline", headers={"Accept-Encoding": "gzip"})
    assert offline.headers["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(offline.get_data())
    patient = make.patient()
    login(client, patient)
    today = client.get("/me/", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in today.headers and b"csrf" in today.get_data()
