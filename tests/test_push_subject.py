"""The contact sent to push services must be one they (and py_vapid) accept."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_test_app
from webapp.extensions import push_gateway


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://care.clinic.example", "https://care.clinic.example"),
        # A clinic served on another port, or under a path: the contact is the host.
        ("https://care.clinic.example:8443", "https://care.clinic.example"),
        ("https://clinic.example/care", "https://clinic.example"),
        ("https://localhost:8443", "https://localhost"),
    ],
)
def test_the_subject_from_public_base_url_signs(
    base: str, expected: str, database_url: str, tmp_path: Path
) -> None:
    app: Flask = make_test_app(database_url, tmp_path, PUBLIC_BASE_URL=base)
    gateway = push_gateway(app)
    with app.app_context():
        subject = gateway.subject()
    assert subject == expected
    key = gateway.vapid_key
    claims = {"aud": "https://push.example.net", "exp": int(time.time()) + 3600, "sub": subject}
    headers = key.vapid.sign(claims)  # py_vapid refuses a subject it cannot parse
    assert headers["Authorization"].startswith("vapid t=")
