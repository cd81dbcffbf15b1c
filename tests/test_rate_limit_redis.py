"""Sign-in limits hold across several web instances when they share Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import IN_CI

REDIS = os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/0")

# One web instance: its own process and app, the shared database and Redis; from one client
# address it tries to sign in to one account with a wrong password N times and prints the
# status codes.
INSTANCE = textwrap.dedent(
    """
    import re, sys
    from webapp import create_app
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": sys.argv[1], "INSTANCE_PATH": sys.argv[2],
        "SECRET_KEY": "shared", "RATELIMIT_STORAGE_URI": sys.argv[3],
        "RATELIMIT_KEY_PREFIX": sys.argv[4], "ARGON2_COST": (1, 1024),
    })
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = sys.argv[6]
    codes = []
    for _ in range(int(sys.argv[5])):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        codes.append(client.post("/login", data={"csrf_token": token, "login": sys.argv[7],
                                                 "password": "not the password"}).status_code)
    print(" ".join(map(str, codes)))
    """
)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


Run = Callable[..., list[int]]


@pytest.fixture
def run(app: object, tmp_path: Path, database_url: str) -> Run:
    """Return a function that runs one web instance against Redis and gives its codes."""
    if not _redis_up():
        if IN_CI:
            pytest.fail("CI=true and Redis is not running at 127.0.0.1:6379")
        pytest.skip("Redis is not running at 127.0.0.1:6379 (needed for shared rate limits)")
    prefix = f"bv-test-{uuid.uuid4().hex[:8]}"
    root = Path(__file__).resolve().parent.parent

    def run(tries: int, address: str = "127.0.0.1", login: str = "x@y.example") -> list[int]:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                INSTANCE,
                database_url,
                str(tmp_path),
                REDIS,
                prefix,
                str(tries),
                address,
                login,
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return [int(code) for code in done.stdout.split()]

    return run


def test_two_instances_share_the_limit(run: Run) -> None:
    assert run(6) == [422] * 6
    # A second instance sees the first one's attempts: four more are allowed, then no more.
    assert run(5) == [422] * 4 + [429]


def test_two_instances_share_the_limit_per_account(run: Run) -> None:
    # Two addresses, two instances, one account: the account's count is shared.
    assert run(6, "203.0.113.1", "Rosa@Test.Example") == [422] * 6
    assert run(5, "203.0.113.2", "rosa@test.example ") == [422] * 4 + [429]
    # Another account from the second address is not held back.
    assert run(1, "203.0.113.2", "ben@test.example") == [422]
