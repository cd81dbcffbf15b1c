"""A language written right to left gets <html dir="rtl">; the others keep HTML's default."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from webapp.web import i18n


def test_the_writing_direction_comes_from_babel() -> None:
    assert i18n.writing_direction("ar") == "rtl" and i18n.writing_direction("he") == "rtl"
    assert i18n.writing_direction("es") == "ltr" and i18n.writing_direction("en") == "ltr"


def test_a_page_in_a_right_to_left_language_says_so(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    spanish = client.get("/login", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in spanish  # left to right: nothing to say
    monkeypatch.setattr(i18n, "page_language", lambda: "ar")
    page = client.get("/login").get_data(as_text=True)
    assert 'dir="rtl">' in page.split("<head>", 1)[0]
