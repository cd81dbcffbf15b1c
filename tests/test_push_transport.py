"""Sending to push services is guarded: no redirects, a deadline, a cap, public addresses."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pushservice import Keyring, PushService
from webapp.push import PushMessage, PushOutcome, PushSender, transport
from webapp.push.endpoints import EndpointPolicy
from webapp.push.keys import load_vapid_key

TESTING = EndpointPolicy(allow_loopback=True)


@pytest.fixture(scope="module")
def push() -> Iterator[PushService]:
    """A local push service for this module."""
    with PushService() as service:
        yield service


@pytest.fixture
def pushes(push: PushService) -> PushService:
    """The push service, emptied for this test."""
    push.reset()
    push.clear()
    return push


def make_sender(tmp_path: Path, policy: EndpointPolicy = TESTING, deadline: float = 1.0) -> Any:
    """Return the app's sender with a short deadline."""
    return PushSender(
        load_vapid_key("", tmp_path),
        "mailto:ops@clinic.example",
        policy=policy,
        workers=4,
        deadline=deadline,
    )


def message(subscription: dict[str, Any], n: int = 1) -> PushMessage:
    """Return a message for a browser-style subscription."""
    return PushMessage(
        subscription_id=n,
        endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
        payload=json.dumps({"notification": {"title": "Hello"}}).encode(),
        ttl=60,
        urgency="normal",
        topic=f"t{n}",
    )


def test_a_redirect_is_not_followed(pushes: PushService, tmp_path: Path) -> None:
    sender = make_sender(tmp_path)
    moved = pushes.subscribe("moved")
    pushes.redirect("moved", pushes.elsewhere_url("metadata"), status=307)
    fine = pushes.subscribe("fine")
    outcomes = sender.send_many([message(moved, 1), message(fine, 2)])
    sender.close()
    assert outcomes[0] == PushOutcome(1, 307, error="push service refused it (307)")
    assert outcomes[1].ok
    time.sleep(0.2)
    assert pushes.elsewhere == []  # the POST never went where the redirect pointed
    assert [d.sub_id for d in pushes.deliveries] == ["fine"]


def test_a_trickling_answer_is_cut_at_the_deadline(pushes: PushService, tmp_path: Path) -> None:
    sender = make_sender(tmp_path, deadline=1.0)
    slow = pushes.subscribe("slow")
    # One byte every 0.3 s: no single read ever waits long enough to time out.
    pushes.trickle("slow", interval=0.3, seconds=20)
    started = time.monotonic()
    outcome = sender.send_one(message(slow))
    elapsed = time.monotonic() - started
    sender.close()
    assert elapsed < 2.0, elapsed
    assert outcome.retry and outcome.error == "timed out"
    deadline = time.monotonic() + 5
    while pushes.trickling and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pushes.trickling == 0  # the connection was closed, not left open


def test_an_endless_answer_is_read_no_further_than_the_cap(
    pushes: PushService, tmp_path: Path
) -> None:
    sender = make_sender(tmp_path, deadline=5.0)
    big = pushes.subscribe("big")
    pushes.flood("big")
    started = time.monotonic()
    outcome = sender.send_one(message(big))
    elapsed = time.monotonic() - started
    sender.close()
    assert outcome.ok and outcome.status == 201
    assert elapsed < 2.0, elapsed
    # What the service got out is the cap plus what socket buffers hold, not the stream.
    assert pushes.flooded_bytes < 32 * 1024 * 1024


class _Listener:
    """A TCP port that counts the connections made to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class _AnyAddress(EndpointPolicy):
    def address_allowed(self, address: str) -> bool:
        return True


def test_a_listed_name_that_resolves_to_a_private_address_is_not_connected_to(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    listener = _Listener()
    real = socket.getaddrinfo

    def rebinding_dns(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        # push.example.org is on the list, and its DNS now answers with a loopback address.
        if host == "push.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", listener.port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(transport.socket, "getaddrinfo", rebinding_dns)
    keys = Keyring()
    keys.generate("s1")
    subscription = keys.subscription("s1", "https://push.example.org")
    try:
        guarded = make_sender(tmp_path, EndpointPolicy(hosts=("push.example.org",)))
        outcome = guarded.send_one(message(subscription))
        guarded.close()
        assert not outcome.retry and not outcome.gone
        assert outcome.error == "refused: push.example.org has no public address"
        time.sleep(0.3)
        assert listener.accepted == 0
        # The same send without the address check does reach the port (the test can fail).
        careless = make_sender(tmp_path, _AnyAddress(hosts=("push.example.org",)))
        reached = careless.send_one(message(subscription))
        careless.close()
        time.sleep(0.3)
        assert listener.accepted == 1 and reached.retry
    finally:
        listener.close()


def test_proxy_settings_in_the_environment_are_ignored(
    pushes: PushService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy nobody listens on: a push sent through it would fail.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    sender = make_sender(tmp_path)
    outcome = sender.send_one(message(pushes.subscribe("direct")))
    sender.close()
    assert outcome.ok, outcome
    assert [d.sub_id for d in pushes.deliveries] == ["direct"]


def test_an_endpoint_stored_before_the_rules_is_never_posted_to(
    pushes: PushService, tmp_path: Path
) -> None:
    sender = make_sender(tmp_path, EndpointPolicy())  # production rules: no loopback
    outcome = sender.send_one(message(pushes.subscribe("old-row")))
    sender.close()
    assert not outcome.ok and not outcome.retry and not outcome.gone
    assert outcome.error == "refused: The endpoint must be an https:// URL."
    time.sleep(0.2)
    assert pushes.deliveries == [] and pushes.rejected == []
