"""Behind a trusted proxy the app knows the request came over HTTPS: HSTS and Secure cookies."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.conftest import make_test_app

FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Host": "care.clinic.example",
}


def test_https_through_a_trusted_proxy(app: Flask, database_url: str, tmp_path: Path) -> None:
    behind_caddy = make_test_app(database_url, tmp_path, TRUSTED_PROXIES=1)
    response = behind_caddy.test_client().get("/login", headers=FORWARDED)
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in cookie for cookie in cookies)


def test_a_forwarded_header_from_an_untrusted_client_is_not_believed(app: Flask) -> None:
    # No proxy configured: anyone could send these headers, so plain HTTP stays plain.
    response = app.test_client().get("/login", headers=FORWARDED)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" not in cookie for cookie in cookies)
