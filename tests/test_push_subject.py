"""The contact sent to push services must be one they (and py_vapid) accept."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import make_test_app
from webapp.push import runtime


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
    subject = runtime.vapid_subject(app)
    assert subject == expected
    key = runtime.vapid_key(app)
    claims = {"aud": "https://push.example.net", "exp": int(time.time()) + 3600, "sub": subject}
    headers = key.vapid.sign(claims)  # py_vapid refuses a subject it cannot parse
    assert headers["Authorization"].startswith("vapid t=")
