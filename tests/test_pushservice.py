"""The local push service: it accepts only correct Web Push and misbehaves on demand."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid01, Vapid02
from pywebpush import WebPusher, WebPushException, webpush

from tests.pushservice import Keyring, PushService, b64url_encode

ADMIN = "mailto:ops@clinic.example"
REPO = Path(__file__).resolve().parents[1]


def public_key(vapid: Vapid01) -> str:
    """Return a VAPID key's public point as base64url."""
    return b64url_encode(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def new_vapid() -> Vapid02:
    """Return a fresh VAPID key pair."""
    vapid = Vapid02()
    vapid.generate_keys()
    return vapid


@pytest.fixture
def vapid() -> Vapid02:
    """Return the sender's VAPID key."""
    return new_vapid()


@pytest.fixture
def push() -> Iterator[PushService]:
    """Return a running push service without delay."""
    with PushService() as service:
        yield service


def send(
    subscription: dict[str, Any],
    vapid: Vapid01,
    payload: Any = None,
    *,
    ttl: int = 60,
    headers: dict[str, str | int | float] | None = None,
    claims: dict[str, str | int] | None = None,
    timeout: float = 5,
) -> requests.Response:
    """Send one push with pywebpush (real encryption and VAPID); raise on failure."""
    response = webpush(
        subscription,
        data=json.dumps(payload if payload is not None else {"kind": "test"}),
        vapid_private_key=vapid,
        vapid_claims={"sub": ADMIN, **(claims or {})},
        ttl=ttl,
        headers=headers,
        timeout=timeout,
    )
    assert isinstance(response, requests.Response)
    return response


def post_raw(
    subscription: dict[str, Any], body: bytes, headers: dict[str, str]
) -> requests.Response:
    """POST a hand-made push request."""
    return requests.post(subscription["endpoint"], data=body, headers=headers, timeout=5)


def encrypt(subscription: dict[str, Any], data: bytes) -> bytes:
    """Return data encrypted for the subscription (aes128gcm)."""
    body: bytes = WebPusher(subscription).encode(data)["body"]
    return body


def test_a_valid_push_is_decrypted_and_recorded(push: PushService, vapid: Vapid02) -> None:
    sub = push.subscribe("patient-1")
    payload = {"title": "Time for your exercises", "url": "/today"}

    response = send(
        sub, vapid, payload, ttl=3600, headers={"Topic": "daily-reminder", "Urgency": "normal"}
    )

    assert response.status_code == 201
    assert response.headers["Location"].startswith(f"{push.origin}/message/")
    assert sub["endpoint"] == f"{push.origin}/push/patient-1"
    [delivery] = push.deliveries
    assert delivery.sub_id == "patient-1"
    assert delivery.payload == payload
    assert delivery.ttl == 3600
    assert delivery.topic == "daily-reminder"
    assert delivery.urgency == "normal"
    assert delivery.vapid_claims["aud"] == push.origin
    assert delivery.vapid_claims["sub"] == ADMIN
    assert delivery.vapid_public_key == public_key(vapid)
    assert delivery.client_connected
    assert abs(delivery.received_at - time.time()) < 5
    assert push.deliveries_for("patient-1") == [delivery]
    assert push.rejected == []


def test_the_older_webpush_scheme_with_crypto_key_is_accepted(push: PushService) -> None:
    sub = push.subscribe()
    legacy = Vapid01()
    legacy.generate_keys()

    send(sub, legacy, {"n": 1})

    [delivery] = push.deliveries
    assert delivery.payload == {"n": 1}
    assert delivery.vapid_public_key == public_key(legacy)
    assert delivery.urgency is None and delivery.topic is None


def test_a_token_signed_by_another_key_than_k_is_rejected(
    push: PushService, vapid: Vapid02
) -> None:
    sub = push.subscribe("s1")
    token = vapid.sign({"sub": ADMIN, "aud": push.origin})["Authorization"]
    jwt = token.split("t=", 1)[1].split(",", 1)[0]
    forged = f"vapid t={jwt},k={public_key(new_vapid())}"

    response = WebPusher(sub).send(
        b'{"kind": "test"}', {"Authorization": forged}, ttl=60, timeout=5
    )

    assert isinstance(response, requests.Response)
    assert response.status_code in (401, 403)
    assert push.deliveries == []
    assert push.rejected == [("s1", "VAPID signature invalid")]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "https://push.example.net"}, "VAPID aud is not this push service's origin"),
        ({"exp": int(time.time()) + 2 * 86400}, "VAPID exp more than 24 hours ahead"),
    ],
)
def test_bad_claims_are_rejected(
    push: PushService, vapid: Vapid02, claims: dict[str, str | int], reason: str
) -> None:
    sub = push.subscribe("s1")

    with pytest.raises(WebPushException) as failure:
        send(sub, vapid, claims=claims)

    assert failure.value.status_code == 401
    assert push.deliveries == []
    assert push.rejected == [("s1", reason)]


def test_a_key_other_than_the_subscriptions_server_key_is_forbidden(
    push: PushService, vapid: Vapid02
) -> None:
    sub = push.subscribe("bound", application_server_key=public_key(new_vapid()))

    with pytest.raises(WebPushException) as failure:
        send(sub, vapid)

    assert failure.value.status_code == 403
    assert push.deliveries == []


def test_a_tampered_body_fails_decryption(push: PushService, vapid: Vapid02) -> None:
    sub = push.subscribe("s1")
    body = bytearray(encrypt(sub, b'{"kind": "test"}'))
    body[-1] ^= 0x01
    headers = {
        **vapid.sign({"sub": ADMIN, "aud": push.origin}),
        "TTL": "60",
        "Content-Encoding": "aes128gcm",
    }

    response = post_raw(sub, bytes(body), headers)

    assert response.status_code == 400
    assert push.deliveries == []
    [(sub_id, reason)] = push.rejected
    assert sub_id == "s1" and reason.startswith("decryption failed")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"TTL": None}, "TTL header missing or not an integer >= 0"),
        ({"TTL": "-1"}, "TTL header missing or not an integer >= 0"),
        ({"Content-Encoding": "aesgcm"}, "Content-Encoding must be aes128gcm"),
        ({"Topic": "not a topic!"}, "Topic must be 1-32 base64url characters"),
        ({"Topic": "t" * 33}, "Topic must be 1-32 base64url characters"),
        ({"Urgency": "urgent"}, "Urgency must be very-low, low, normal or high"),
    ],
)
def test_bad_headers_are_refused(
    push: PushService, vapid: Vapid02, change: dict[str, str | None], reason: str
) -> None:
    sub = push.subscribe("s1")
    headers = {
        **vapid.sign({"sub": ADMIN, "aud": push.origin}),
        "TTL": "60",
        "Content-Encoding": "aes128gcm",
    }
    for name, value in change.items():
        if value is None:
            del headers[name]
        else:
            headers[name] = value

    response = post_raw(sub, encrypt(sub, b"{}"), headers)

    assert response.status_code == 400
    assert push.rejected == [("s1", reason)]


def test_a_payload_over_4096_encrypted_bytes_is_too_large(
    push: PushService, vapid: Vapid02
) -> None:
    sub = push.subscribe("s1")

    send(sub, vapid, "x" * (3993 - 2))  # the largest JSON string that fits
    with pytest.raises(WebPushException) as failure:
        send(sub, vapid, "x" * (3993 - 1))

    assert failure.value.status_code == 413
    assert push.rejected == [("s1", "payload larger than 4096 bytes")]
    assert len(push.deliveries) == 1


def test_an_unknown_subscription_is_not_found(push: PushService, vapid: Vapid02) -> None:
    sub = push.subscribe("known")
    unknown = {**sub, "endpoint": f"{push.origin}/push/unknown"}

    with pytest.raises(WebPushException) as failure:
        send(unknown, vapid)

    assert failure.value.status_code == 404


def test_fail_410_answers_gone(push: PushService, vapid: Vapid02) -> None:
    sub = push.subscribe("gone")
    other = push.subscribe("fine")
    push.fail("gone", 410)

    for _ in range(2):
        with pytest.raises(WebPushException) as failure:
            send(sub, vapid)
        assert failure.value.status_code == 410
    send(other, vapid)

    assert [d.sub_id for d in push.deliveries] == ["fine"]
    assert push.stats()["injected"] == 2
    push.clear()
    send(sub, vapid)
    assert len(push.deliveries_for("gone")) == 1


def test_fail_429_gives_retry_after_and_times_1_then_succeeds(
    push: PushService, vapid: Vapid02
) -> None:
    sub = push.subscribe()
    push.fail(None, 429, retry_after="7", times=1)

    with pytest.raises(WebPushException) as failure:
        send(sub, vapid)
    assert failure.value.status_code == 429
    assert failure.value.retry_after == "7"

    assert send(sub, vapid).status_code == 201
    assert push.wait_for(1, timeout=1)


def test_unsubscribe_answers_410(push: PushService, vapid: Vapid02) -> None:
    sub = push.subscribe("leaver")
    push.unsubscribe("leaver")

    with pytest.raises(WebPushException) as failure:
        send(sub, vapid)

    assert failure.value.status_code == 410


def test_a_hung_subscription_times_the_client_out_but_not_the_others(
    push: PushService, vapid: Vapid02
) -> None:
    slow = push.subscribe("slow")
    fast = push.subscribe("fast")
    push.hang("slow", 2)

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(send, slow, vapid, timeout=0.5)
        time.sleep(0.1)
        started = time.perf_counter()
        send(fast, vapid)
        elapsed = time.perf_counter() - started
        with pytest.raises(requests.exceptions.Timeout):
            pending.result()

    assert elapsed < 0.3
    assert [d.sub_id for d in push.deliveries] == ["fast"]
    # Like a real service, the held push is still delivered once the hang ends.
    assert push.wait_for(2, timeout=3)
    [late] = push.deliveries_for("slow")
    assert not late.client_connected


def test_the_delay_does_not_serialise_requests(vapid: Vapid02) -> None:
    with PushService(delay_ms=50) as push:
        subs = [push.subscribe(f"s{n}") for n in range(20)]
        started = time.perf_counter()
        with ThreadPoolExecutor(50) as pool:
            codes = list(
                pool.map(lambda n: send(subs[n % 20], vapid, {"n": n}).status_code, range(200))
            )
        elapsed = time.perf_counter() - started

        # One at a time, 200 answers of 50 ms would take at least 10 s; half of that
        # proves they overlap and leaves room for a busy machine's encryption work.
        assert codes == [201] * 200
        assert elapsed < 5, f"200 pushes with a 50 ms delay took {elapsed:.2f} s"
        assert len(push.deliveries) == 200
        assert sorted(d.payload["n"] for d in push.deliveries) == list(range(200))
        assert sum(push.stats()["by_sub"].values()) == 200


def test_the_service_runs_as_a_process(tmp_path: Path, vapid: Vapid02) -> None:
    keys = Keyring()
    ids = keys.generate_many(3)
    keys.save(tmp_path / "keys.json")
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.pushservice",
            "--port",
            "0",
            "--delay-ms",
            "5",
            "--keys",
            str(tmp_path / "keys.json"),
            "--ready-file",
            str(ready),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while not ready.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the push service did not become ready"
            time.sleep(0.05)
        origin = f"http://127.0.0.1:{int(ready.read_text())}"

        send(keys.subscription(ids[1], origin), vapid, {"hello": 1}, headers={"Topic": "t1"})
        control = requests.post(
            f"{origin}/_fail", json={"sub_id": ids[0], "status": 410, "times": 1}, timeout=5
        )
        assert control.status_code == 200
        with pytest.raises(WebPushException) as failure:
            send(keys.subscription(ids[0], origin), vapid)
        assert failure.value.status_code == 410

        stats = requests.get(f"{origin}/_stats", timeout=5).json()
        assert stats["deliveries"] == 1
        assert stats["rejected"] == 0
        assert stats["injected"] == 1
        assert stats["by_topic"] == {"t1": 1}
        assert stats["by_sub"] == {ids[1]: 1}

        assert requests.post(f"{origin}/_reset", timeout=5).status_code == 200
        assert requests.get(f"{origin}/_stats", timeout=5).json()["deliveries"] == 0
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert out == b"" and err == b""


def test_a_restarted_service_keeps_its_port_and_subscriptions(
    push: PushService, vapid: Vapid02
) -> None:
    sub = push.subscribe("s1")
    origin = push.origin
    push.stop()

    with pytest.raises(requests.exceptions.ConnectionError):
        send(sub, vapid)

    push.start()
    assert push.origin == origin
    send(sub, vapid)
    assert len(push.deliveries_for("s1")) == 1
