"""How views answer: one rule for page or fragment, one for JSON, and the shape of views."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask, get_flashed_messages
from flask.testing import FlaskClient

from tests.conftest import Factory, login
from webapp.web.rendering import respond, wants_json

WEB = Path(__file__).resolve().parent.parent / "webapp" / "web"
HX = {"HX-Request": "true"}


def test_htmx_gets_the_fragment_and_a_history_restore_the_whole_page(
    client: FlaskClient, make: Factory
) -> None:
    login(client, make.patient())
    fragment = client.get("/me/", headers=HX)
    restored = client.get("/me/", headers={**HX, "HX-History-Restore-Request": "true"})
    plain = client.get("/me/")
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in restored.get_data(as_text=True)
    assert "<html" in plain.get_data(as_text=True)
    for response in (fragment, restored, plain):
        assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("headers", "json_body", "expected"),
    [
        ({"Accept": "application/json"}, False, True),  # the outbox
        ({"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, False, False),  # a browser
        ({"Accept": "*/*"}, False, False),  # fetch() without saying
        ({}, False, False),
        ({}, True, True),  # push.js sends JSON
        ({**HX, "Accept": "application/json"}, False, False),  # htmx swaps HTML
    ],
)
def test_wants_json_is_one_rule(
    app: Flask, headers: dict[str, str], json_body: bool, expected: bool
) -> None:
    body = {"json": {"a": 1}} if json_body else {}
    with app.test_request_context("/", method="POST", headers=headers, **body):
        assert wants_json() is expected


def test_respond_redirects_after_a_post_and_flashes_only_then(app: Flask) -> None:
    with app.test_request_context("/", method="POST"):
        response = respond("errors/404.html", "errors/404.html", redirect_to="/me/", message="Hi")
        assert response.status_code == 303 and response.headers["Location"] == "/me/"
        assert "HX-Request" in response.headers["Vary"]
    with app.test_request_context("/", method="POST", headers=HX):
        response = respond(
            "errors/404.html", "errors/404.html", redirect_to="/me/", message="Hi", status=422
        )
        assert response.status_code == 422 and "Location" not in response.headers
        assert get_flashed_messages() == []


def _views() -> list[tuple[Path, ast.FunctionDef]]:
    """Return every function registered as a view with a blueprint decorator."""
    found = []
    for path in sorted(WEB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call)
                and isinstance(d.func, ast.Attribute)
                and d.func.attr in {"get", "post", "put", "delete", "route"}
                and isinstance(d.func.value, ast.Name)
                and d.func.value.id == "bp"
                for d in node.decorator_list
            ):
                found.append((path, node))
    return found


def test_views_are_short_and_typed() -> None:
    views = _views()
    assert len(views) > 60  # the walk found them
    untyped = [
        f"{p.name}:{v.name}"
        for p, v in views
        if v.returns is None or ast.unparse(v.returns) != "ResponseReturnValue"
    ]
    long = [f"{p.name}:{v.name}" for p, v in views if (v.end_lineno or 0) - v.lineno + 1 > 25]
    assert untyped == [] and long == []


def test_web_modules_are_short_query_nothing_and_import_at_the_top() -> None:
    problems = []
    for path in sorted(WEB.rglob("*.py")):
        text = path.read_text()
        if len(text.splitlines()) > 400:
            problems.append(f"{path.name} is longer than 400 lines")
        for needle in ("select(", "db.session.get(", "db.session.scalar", ".query("):
            if needle in text:
                problems.append(f"{path.name} queries models ({needle})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        problems.append(f"{path.name}:{node.name} imports inside a function")
    assert problems == []
