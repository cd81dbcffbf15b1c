"""A local Web Push service that checks what the app sends, for tests and benchmarks.

It behaves like a real push service (RFC 8030 / 8291 / 8292): ``POST /push/{sub_id}`` is
accepted only with a valid VAPID signature (``aud`` = this service's origin, ``exp`` in the
next 24 h, ``sub`` a ``mailto:`` or ``https:`` URL), a ``TTL`` header and an ``aes128gcm``
body that decrypts with the subscription's private key. Accepted pushes are recorded as
:class:`Delivery` objects and answered ``201 Created`` with a ``Location``; everything else is
answered like a real service (400, 401, 403, 404, 410, 413) and recorded in ``rejected``.
Failures can be injected per subscription or globally: ``fail()`` (410, 429 + Retry-After,
500, ...), ``hang()`` (hold the request open) and ``delay_ms`` (every answer is that slow,
without blocking other requests). Two misbehaviours stand for an endpoint that is not a
push service at all (in-process only): ``redirect()`` answers 307 with a ``Location`` (for
instance ``elsewhere_url()``, which records every request that reaches it in ``elsewhere``),
``trickle()`` answers 200 at once and then sends its body one byte every few seconds, and
``flood()`` answers 201 with an endless body as fast as the client takes it.

In a test::

    with PushService() as push:
        subscription = push.subscribe()          # browser-style PushSubscription JSON
        ...                                      # the app sends to subscription["endpoint"]
        assert push.wait_for(1, timeout=5)
        delivery = push.deliveries[0]

As a separate process (for benchmarks)::

    keys = Keyring()
    ids = keys.generate_many(10_000)
    keys.save("keys.json")
    # python -m tests.pushservice --port 0 --delay-ms 50 --keys keys.json --ready-file ready
    # ... wait until "ready" exists; it holds the port ...
    origin = f"http://127.0.0.1:{port}"
    subscriptions = [keys.subscription(sub_id, origin) for sub_id in ids]
    # GET {origin}/_stats -> {"deliveries": N, "rejected": N, "injected": N,
    #                         "by_topic": {topic: N}, "by_sub": {sub_id: N},
    #                         "rejected_reasons": {reason: N}}
    # POST {origin}/_reset forgets deliveries and rejections (keeps subscriptions);
    # POST {origin}/_fail  {"sub_id": null, "status": 429, "retry_after": "7", "times": 1};
    # POST {origin}/_hang  {"sub_id": "s1", "seconds": 2, "times": null}; POST {origin}/_clear.

The process prints nothing, writes its port (and a newline) to ``--ready-file`` atomically
once it is listening, and exits 0 on SIGTERM or SIGINT.

Key file (JSON, UTF-8)::

    {"format": "pushservice-keys/1",
     "subscriptions": {
        "<sub_id>": {"private_key": "<base64url, no padding, 32-byte big-endian P-256 scalar>",
                     "p256dh": "<base64url, no padding, 65-byte uncompressed public point>",
                     "auth": "<base64url, no padding, 16-byte auth secret>",
                     "application_server_key": null | "<base64url VAPID public key>"}}}

``p256dh`` is redundant (derivable from ``private_key``) and is there so that any process can
build the subscriptions without cryptography. When ``application_server_key`` is set, pushes
signed with another VAPID key are refused with 403, as browsers' push services do.

Notes on behaviour: ``by_topic`` counts only deliveries that had a ``Topic``; a push whose
client gave up (timeout) while the service was hanging or delaying is still delivered when the
service finishes, as on a real service (``Delivery.client_connected`` is then False);
``stop()`` cancels requests still held open, and those are not delivered. Bodies must be
1..4096 bytes (413 above), ``Urgency`` one of very-low/low/normal/high, ``Topic`` 1..32
base64url characters.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import dataclasses
import itertools
import json
import os
import re
import secrets
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid.jwt import decode as jwt_decode

KEY_FILE_FORMAT = "pushservice-keys/1"
MAX_BODY = 4096
MAX_EXP_AHEAD = 24 * 60 * 60
URGENCIES = frozenset({"very-low", "low", "normal", "high"})
_SUB_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_TTL_RE = re.compile(r"^[0-9]{1,10}$")
_JWT_CACHE_SIZE = 20_000


def b64url_encode(data: bytes) -> str:
    """Encode bytes as base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raise ValueError on anything else."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*={0,2}", text):
        raise ValueError("not base64url")
    stripped = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def _public_point(key: ec.EllipticCurvePrivateKey) -> bytes:
    """Return the uncompressed X9.62 public point of a private key."""
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass(frozen=True)
class Subscriber:
    """One subscription's receiving keys, as a browser would hold them."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    p256dh: str
    application_server_key: str | None = None


@dataclass(frozen=True)
class Delivery:
    """A push the service accepted, decrypted."""

    sub_id: str
    topic: str | None
    ttl: int
    urgency: str | None
    payload: Any
    vapid_claims: dict[str, Any]
    vapid_public_key: str
    received_at: float
    client_connected: bool = True


@dataclass
class _Rule:
    """An injected misbehaviour: a status to answer, seconds to hang, where to redirect."""

    status: int = 0
    retry_after: str | None = None
    seconds: float = 0.0
    times: int | None = None
    location: str = ""
    interval: float = 0.0


@dataclass
class _Rejection(Exception):
    """A push refused with an HTTP status and a short reason."""

    status: int
    reason: str
    headers: dict[str, str] = field(default_factory=dict)


class Keyring:
    """Subscription keys by sub_id; can be saved to and loaded from a JSON key file."""

    def __init__(self) -> None:
        self._subs: dict[str, Subscriber] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._subs)

    def __contains__(self, sub_id: object) -> bool:
        return sub_id in self._subs

    def ids(self) -> list[str]:
        """Return every sub_id, in creation order."""
        return list(self._subs)

    def get(self, sub_id: str) -> Subscriber | None:
        """Return a subscription's keys, or None."""
        return self._subs.get(sub_id)

    def add(self, sub_id: str, subscriber: Subscriber) -> None:
        """Register keys under sub_id (replacing any)."""
        if not _SUB_ID_RE.match(sub_id):
            raise ValueError(f"sub_id must be 1-128 characters of [A-Za-z0-9_-]: {sub_id!r}")
        with self._lock:
            self._subs[sub_id] = subscriber

    def generate(
        self, sub_id: str | None = None, *, application_server_key: str | None = None
    ) -> str:
        """Create a P-256 key pair and a 16-byte auth secret; return the sub_id."""
        sub_id = sub_id or secrets.token_urlsafe(12)
        key = ec.generate_private_key(ec.SECP256R1())
        subscriber = Subscriber(
            private_key=key,
            auth=secrets.token_bytes(16),
            p256dh=b64url_encode(_public_point(key)),
            application_server_key=application_server_key,
        )
        self.add(sub_id, subscriber)
        return sub_id

    def generate_many(
        self, count: int, prefix: str = "sub-", *, application_server_key: str | None = None
    ) -> list[str]:
        """Create count subscriptions named prefix0, prefix1, ...; return their ids."""
        start = len(self._subs)
        ids = [f"{prefix}{n}" for n in range(start, start + count)]
        for sub_id in ids:
            self.generate(sub_id, application_server_key=application_server_key)
        return ids

    def subscription(self, sub_id: str, origin: str) -> dict[str, Any]:
        """Return the browser-style PushSubscription JSON for sub_id at origin."""
        sub = self._subs[sub_id]
        return {
            "endpoint": f"{origin}/push/{sub_id}",
            "keys": {"p256dh": sub.p256dh, "auth": b64url_encode(sub.auth)},
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write every key to a JSON key file (format in the module docstring)."""
        with self._lock:
            items = list(self._subs.items())
        data = {
            "format": KEY_FILE_FORMAT,
            "subscriptions": {
                sub_id: {
                    "private_key": b64url_encode(
                        sub.private_key.private_numbers().private_value.to_bytes(32, "big")
                    ),
                    "p256dh": sub.p256dh,
                    "auth": b64url_encode(sub.auth),
                    "application_server_key": sub.application_server_key,
                }
                for sub_id, sub in items
            },
        }
        target = Path(path)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, target)

    def load(self, path: str | os.PathLike[str]) -> list[str]:
        """Add every key from a JSON key file; return the ids loaded."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != KEY_FILE_FORMAT:
            raise ValueError(f"{path}: not a {KEY_FILE_FORMAT} key file")
        ids: list[str] = []
        for sub_id, entry in data["subscriptions"].items():
            scalar = int.from_bytes(b64url_decode(entry["private_key"]), "big")
            key = ec.derive_private_key(scalar, ec.SECP256R1())
            self.add(
                sub_id,
                Subscriber(
                    private_key=key,
                    auth=b64url_decode(entry["auth"]),
                    p256dh=entry.get("p256dh") or b64url_encode(_public_point(key)),
                    application_server_key=entry.get("application_server_key"),
                ),
            )
            ids.append(sub_id)
        return ids

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Keyring:
        """Return a keyring loaded from a JSON key file."""
        keyring = cls()
        keyring.load(path)
        return keyring


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> web.Response:
    """Return a JSON error answer like autopush's."""
    return web.json_response({"code": status, "error": reason}, status=status, headers=headers)


class PushService:
    """A Web Push service on 127.0.0.1 in a background thread with its own event loop."""

    def __init__(
        self,
        *,
        delay_ms: float = 0,
        keys_file: str | os.PathLike[str] | None = None,
        keyring: Keyring | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.delay_ms = delay_ms
        self.keyring = keyring if keyring is not None else Keyring()
        if keys_file is not None:
            self.keyring.load(keys_file)
        self._host = host
        self._port = port
        self._bound_port: int | None = None
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._deliveries: list[Delivery] = []
        self._rejected: list[tuple[str, str]] = []
        self._rejected_reasons: Counter[str] = Counter()
        self._by_topic: Counter[str] = Counter()
        self._by_sub: Counter[str] = Counter()
        self._injected = 0
        self._failures: dict[str | None, _Rule] = {}
        self._hangs: dict[str | None, _Rule] = {}
        self._redirects: dict[str | None, _Rule] = {}
        self._trickles: dict[str | None, _Rule] = {}
        self._floods: dict[str | None, _Rule] = {}
        self._flooded = 0
        self._elsewhere: list[tuple[str, str]] = []
        self._trickling = 0
        self._gone: set[str] = set()
        self._jwt_cache: dict[tuple[str, str], dict[str, Any]] = {}
        self._message_ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._start_error: BaseException | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> PushService:
        """Start serving in a background thread; return self once listening."""
        if self._thread is not None:
            raise RuntimeError("PushService already started")
        ready = threading.Event()
        self._start_error = None
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="pushservice", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout=15):
            raise RuntimeError("PushService did not start within 15 s")
        if self._start_error is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError("PushService could not start") from self._start_error
        return self

    def stop(self) -> None:
        """Stop serving (held requests are cancelled); start() again reuses the port."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stopping.set)
            except RuntimeError:  # the loop closed in between
                pass
        thread.join(timeout=15)
        self._thread = None
        self._loop = None
        self._stopping = None
        self._bound_port = None

    def __enter__(self) -> PushService:
        return self.start() if self._thread is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """Return the port the service listens on."""
        if self._bound_port is None:
            raise RuntimeError("PushService is not running; call start() first")
        return self._bound_port

    @property
    def origin(self) -> str:
        """Return the service's origin, e.g. http://127.0.0.1:43123 (the VAPID aud)."""
        return f"http://{self._host}:{self.port}"

    def _run(self, ready: threading.Event) -> None:
        """Run the event loop of the background thread."""
        try:
            asyncio.run(self._serve(ready))
        except BaseException as exc:  # reported to start() rather than to threading's hook
            self._start_error = self._start_error or exc
        finally:
            ready.set()

    async def _serve(self, ready: threading.Event) -> None:
        """Listen, signal readiness, and serve until stop()."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        runner = web.AppRunner(
            self._make_app(), access_log=None, handle_signals=False, shutdown_timeout=0.25
        )
        try:
            await runner.setup()
            site = web.TCPSite(runner, self._host, self._port, backlog=1024)
            await site.start()
            self._bound_port = self._port = int(runner.addresses[0][1])
        except BaseException as exc:
            self._start_error = exc
            await runner.cleanup()
            return
        ready.set()
        try:
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    def _make_app(self) -> web.Application:
        """Build the aiohttp application."""
        app = web.Application(client_max_size=64 * 1024)
        app.router.add_post("/push/{sub_id}", self._handle_push)
        app.router.add_route("*", "/elsewhere/{name}", self._handle_elsewhere)
        app.router.add_get("/_stats", self._handle_stats)
        app.router.add_post("/_reset", self._handle_reset)
        app.router.add_post("/_clear", self._handle_clear)
        app.router.add_post("/_fail", self._handle_fail)
        app.router.add_post("/_hang", self._handle_hang)
        return app

    # -- subscriptions -----------------------------------------------------------------------

    def subscribe(
        self, sub_id: str | None = None, *, application_server_key: str | None = None
    ) -> dict[str, Any]:
        """Create a subscription; return its browser-style PushSubscription JSON."""
        origin = self.origin
        sub_id = self.keyring.generate(sub_id, application_server_key=application_server_key)
        with self._lock:
            self._gone.discard(sub_id)
        return self.keyring.subscription(sub_id, origin)

    def subscription(self, sub_id: str) -> dict[str, Any]:
        """Return the PushSubscription JSON of an existing subscription."""
        return self.keyring.subscription(sub_id, self.origin)

    def unsubscribe(self, sub_id: str) -> None:
        """Expire a subscription: its pushes are answered 410 Gone from now on."""
        with self._lock:
            self._gone.add(sub_id)

    def export_keys(self, path: str | os.PathLike[str]) -> None:
        """Write every subscription's keys to a JSON key file."""
        self.keyring.save(path)

    # -- misbehaviour ------------------------------------------------------------------------

    def fail(
        self,
        sub_id: str | None,
        status: int,
        *,
        retry_after: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer status to sub_id's pushes (None: every sub) for times requests (None: all)."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error (400-599)")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None)")
        with self._lock:
            self._failures[sub_id] = _Rule(status=status, retry_after=retry_after, times=times)

    def hang(self, sub_id: str | None, seconds: float, *, times: int | None = None) -> None:
        """Hold sub_id's pushes (None: every sub) open for seconds before answering."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None)")
        with self._lock:
            self._hangs[sub_id] = _Rule(seconds=seconds, times=times)

    def redirect(
        self, sub_id: str | None, location: str, *, status: int = 307, times: int | None = None
    ) -> None:
        """Answer sub_id's pushes (None: every sub) with a redirect to location."""
        if status not in (301, 302, 303, 307, 308):
            raise ValueError("status must be a redirect (301, 302, 303, 307 or 308)")
        with self._lock:
            self._redirects[sub_id] = _Rule(status=status, location=location, times=times)

    def trickle(
        self,
        sub_id: str | None,
        *,
        interval: float = 2.0,
        seconds: float = 60.0,
        times: int | None = None,
    ) -> None:
        """Answer 200 at once, then send one body byte every interval for seconds."""
        if interval <= 0 or seconds < 0:
            raise ValueError("interval must be > 0 and seconds >= 0")
        with self._lock:
            self._trickles[sub_id] = _Rule(seconds=seconds, interval=interval, times=times)

    def flood(self, sub_id: str | None, *, times: int | None = None) -> None:
        """Answer 201, then send body bytes without end until the client hangs up."""
        with self._lock:
            self._floods[sub_id] = _Rule(times=times)

    @property
    def flooded_bytes(self) -> int:
        """Return how many body bytes flood() answers got out."""
        with self._lock:
            return self._flooded

    def elsewhere_url(self, name: str = "target") -> str:
        """Return a URL on this service that is not a push endpoint (a redirect target)."""
        return f"{self.origin}/elsewhere/{name}"

    @property
    def elsewhere(self) -> list[tuple[str, str]]:
        """Return the (method, name) of every request that reached elsewhere_url()."""
        with self._lock:
            return list(self._elsewhere)

    @property
    def trickling(self) -> int:
        """Return how many trickled answers are still being sent."""
        with self._lock:
            return self._trickling

    def clear(self) -> None:
        """Remove every injected failure, hang, redirect and trickle."""
        with self._lock:
            self._failures.clear()
            self._hangs.clear()
            self._redirects.clear()
            self._trickles.clear()
            self._floods.clear()

    def _take(self, rules: dict[str | None, _Rule], sub_id: str) -> _Rule | None:
        """Return the rule that applies to this request, using up one of its times."""
        with self._lock:
            key: str | None = sub_id if sub_id in rules else None
            rule = rules.get(key)
            if rule is None:
                return None
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    del rules[key]
            return rule

    # -- inspection --------------------------------------------------------------------------

    @property
    def deliveries(self) -> list[Delivery]:
        """Return a snapshot of the accepted pushes, oldest first."""
        with self._lock:
            return list(self._deliveries)

    @property
    def rejected(self) -> list[tuple[str, str]]:
        """Return a snapshot of the refused pushes as (sub_id, reason)."""
        with self._lock:
            return list(self._rejected)

    def deliveries_for(self, sub_id: str) -> list[Delivery]:
        """Return the accepted pushes of one subscription."""
        with self._lock:
            return [d for d in self._deliveries if d.sub_id == sub_id]

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until at least count deliveries arrived; return False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self._deliveries) >= count, timeout)

    def reset(self) -> None:
        """Forget deliveries and rejections; keep subscriptions and injected failures."""
        with self._lock:
            self._elsewhere.clear()
            self._flooded = 0
            self._deliveries.clear()
            self._rejected.clear()
            self._rejected_reasons.clear()
            self._by_topic.clear()
            self._by_sub.clear()
            self._injected = 0

    def stats(self) -> dict[str, Any]:
        """Return the counts served at GET /_stats."""
        with self._lock:
            return {
                "deliveries": len(self._deliveries),
                "rejected": len(self._rejected),
                "injected": self._injected,
                "by_topic": dict(self._by_topic),
                "by_sub": dict(self._by_sub),
                "rejected_reasons": dict(self._rejected_reasons),
            }

    # -- the push endpoint -------------------------------------------------------------------

    async def _handle_push(self, request: web.Request) -> web.StreamResponse:
        """Check, decrypt and record one push; or misbehave as told."""
        sub_id = request.match_info["sub_id"]
        moved = self._take(self._redirects, sub_id)
        if moved is not None:
            return web.Response(status=moved.status, headers={"Location": moved.location})
        slow = self._take(self._trickles, sub_id)
        if slow is not None:
            return await self._trickle(request, slow.interval, slow.seconds)
        if self._take(self._floods, sub_id) is not None:
            return await self._flood(request)
        try:
            delivery = await self._accept(request, sub_id)
        except _Rejection as rejection:
            if self.delay_ms:
                await asyncio.sleep(self.delay_ms / 1000)
            return _error(rejection.status, rejection.reason, rejection.headers)
        hang = self._take(self._hangs, sub_id)
        if hang is not None and hang.seconds:
            await asyncio.sleep(hang.seconds)
        if self.delay_ms:
            await asyncio.sleep(self.delay_ms / 1000)
        transport = request.transport
        connected = transport is not None and not transport.is_closing()
        if not connected:
            delivery = dataclasses.replace(delivery, client_connected=False)
        with self._arrived:
            self._deliveries.append(delivery)
            self._by_sub[sub_id] += 1
            if delivery.topic is not None:
                self._by_topic[delivery.topic] += 1
            self._arrived.notify_all()
        location = f"{self.origin}/message/{next(self._message_ids)}"
        return web.Response(status=201, headers={"Location": location, "TTL": str(delivery.ttl)})

    async def _trickle(
        self, request: web.Request, interval: float, seconds: float
    ) -> web.StreamResponse:
        """Send a 200 with its body one byte at a time, like a server meant to hold a client."""
        response = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        with self._lock:
            self._trickling += 1
        try:
            await response.prepare(request)
            ends = time.monotonic() + seconds
            while time.monotonic() < ends:
                await response.write(b".")
                await asyncio.sleep(interval)
            await response.write_eof()
        except (ConnectionError, RuntimeError):  # the client gave up
            pass
        finally:
            with self._lock:
                self._trickling -= 1
        return response

    async def _flood(self, request: web.Request) -> web.StreamResponse:
        """Send a 201 with a body that never ends."""
        response = web.StreamResponse(status=201, headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        chunk = b"x" * 65536
        try:
            await response.prepare(request)
            while True:
                await response.write(chunk)
                with self._lock:
                    self._flooded += len(chunk)
        except (ConnectionError, RuntimeError):  # the client hung up, as it should
            pass
        return response

    async def _handle_elsewhere(self, request: web.Request) -> web.Response:
        """Record a request that reached a URL that is not a push endpoint."""
        with self._lock:
            self._elsewhere.append((request.method, request.match_info["name"]))
        return web.Response(status=201)

    def _reject(self, sub_id: str, status: int, reason: str) -> _Rejection:
        """Record a refused push and return the rejection to raise."""
        with self._lock:
            self._rejected.append((sub_id, reason))
            self._rejected_reasons[reason] += 1
        return _Rejection(status, reason)

    async def _accept(self, request: web.Request, sub_id: str) -> Delivery:
        """Return the Delivery for a valid push, or raise _Rejection."""
        subscriber = self.keyring.get(sub_id)
        if subscriber is None:
            raise self._reject(sub_id, 404, "no such subscription")
        if sub_id in self._gone:
            raise self._reject(sub_id, 410, "subscription expired")
        failure = self._take(self._failures, sub_id)
        if failure is not None:
            with self._lock:
                self._injected += 1
            retry = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            raise _Rejection(failure.status, "injected failure", retry)

        claims, vapid_key = self._check_vapid(request, sub_id, subscriber)
        headers = request.headers
        ttl_text = headers.get("TTL")
        if ttl_text is None or not _TTL_RE.match(ttl_text.strip()):
            raise self._reject(sub_id, 400, "TTL header missing or not an integer >= 0")
        encoding = headers.get("Content-Encoding")
        if encoding is None or encoding.strip().lower() != "aes128gcm":
            raise self._reject(sub_id, 400, "Content-Encoding must be aes128gcm")
        urgency = headers.get("Urgency")
        if urgency is not None and urgency.strip() not in URGENCIES:
            raise self._reject(sub_id, 400, "Urgency must be very-low, low, normal or high")
        topic = headers.get("Topic")
        if topic is not None and not _TOPIC_RE.match(topic.strip()):
            raise self._reject(sub_id, 400, "Topic must be 1-32 base64url characters")
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise self._reject(sub_id, 413, "payload larger than 4096 bytes")
        body = await request.read()
        if len(body) > MAX_BODY:
            raise self._reject(sub_id, 413, "payload larger than 4096 bytes")
        if not body:
            raise self._reject(sub_id, 400, "empty body")
        payload = self._decrypt(sub_id, subscriber, body)
        return Delivery(
            sub_id=sub_id,
            topic=topic.strip() if topic is not None else None,
            ttl=int(ttl_text),
            urgency=urgency.strip() if urgency is not None else None,
            payload=payload,
            vapid_claims=claims,
            vapid_public_key=vapid_key,
            received_at=time.time(),
        )

    def _decrypt(self, sub_id: str, subscriber: Subscriber, body: bytes) -> Any:
        """Decrypt an aes128gcm body (RFC 8291); return parsed JSON or the raw bytes."""
        # RFC 8291 section 4: the keyid is the sender's 65-byte uncompressed public key.
        if len(body) < 21 + 65 or body[20] != 65 or body[21] != 0x04:
            raise self._reject(sub_id, 400, "decryption failed: bad aes128gcm header")
        try:
            plaintext: bytes = http_ece.decrypt(
                body,
                private_key=subscriber.private_key,
                auth_secret=subscriber.auth,
                version="aes128gcm",
            )
        except Exception as exc:  # http_ece and cryptography raise several kinds
            raise self._reject(sub_id, 400, f"decryption failed: {type(exc).__name__}") from None
        try:
            return json.loads(plaintext)
        except ValueError:
            return plaintext

    def _check_vapid(
        self, request: web.Request, sub_id: str, subscriber: Subscriber
    ) -> tuple[dict[str, Any], str]:
        """Verify the VAPID header (RFC 8292); return (claims, public key)."""
        auth = request.headers.get("Authorization")
        if not auth:
            raise self._reject(sub_id, 401, "missing Authorization")
        scheme, _, rest = auth.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "vapid":
            params: dict[str, str] = {}
            for part in rest.split(","):
                name, sep, value = part.strip().partition("=")
                if sep:
                    params[name.strip().lower()] = value.strip()
            token, key = params.get("t", ""), params.get("k", "")
        elif scheme == "webpush":
            token, key = rest.strip(), ""
            for part in re.split(r"[;,]", request.headers.get("Crypto-Key", "")):
                name, sep, value = part.strip().partition("=")
                if sep and name.strip().lower() == "p256ecdsa":
                    key = value.strip()
        else:
            raise self._reject(sub_id, 401, "Authorization scheme must be vapid")
        if not token or not key:
            raise self._reject(sub_id, 401, "VAPID token or key missing")

        cached = self._jwt_cache.get((token, key))
        if cached is None:
            cached = self._verify_jwt(sub_id, token, key)
            if len(self._jwt_cache) >= _JWT_CACHE_SIZE:
                self._jwt_cache.clear()
            self._jwt_cache[(token, key)] = cached
        claims = dict(cached)

        if claims.get("aud") != self.origin:
            raise self._reject(sub_id, 401, "VAPID aud is not this push service's origin")
        exp = claims.get("exp")
        now = time.time()
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise self._reject(sub_id, 401, "VAPID exp missing or not a number")
        if exp <= now:
            raise self._reject(sub_id, 401, "VAPID token expired")
        if exp > now + MAX_EXP_AHEAD:
            raise self._reject(sub_id, 401, "VAPID exp more than 24 hours ahead")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
            raise self._reject(sub_id, 401, "VAPID sub must be a mailto: or https: URL")
        bound = subscriber.application_server_key
        if bound is not None and b64url_decode(bound) != b64url_decode(key):
            raise self._reject(sub_id, 403, "VAPID key is not the subscription's server key")
        return claims, key

    def _verify_jwt(self, sub_id: str, token: str, key: str) -> dict[str, Any]:
        """Check an ES256 JWT's header and signature against key; return its claims."""
        try:
            point = b64url_decode(key)
        except ValueError:
            raise self._reject(sub_id, 401, "VAPID key is not base64url") from None
        if len(point) != 65 or point[0] != 0x04:
            raise self._reject(sub_id, 401, "VAPID key is not an uncompressed P-256 point")
        parts = token.split(".")
        if len(parts) != 3 or not all(parts):
            raise self._reject(sub_id, 401, "VAPID token is not a JWT")
        try:
            header = json.loads(b64url_decode(parts[0]))
        except ValueError:
            raise self._reject(sub_id, 401, "VAPID token header unreadable") from None
        if not isinstance(header, dict) or header.get("alg") != "ES256":
            raise self._reject(sub_id, 401, "VAPID token alg must be ES256")
        try:
            claims = jwt_decode(token, key)
        except InvalidSignature:
            raise self._reject(sub_id, 401, "VAPID signature invalid") from None
        except ValueError:
            raise self._reject(sub_id, 401, "VAPID token claims unreadable") from None
        if not isinstance(claims, dict):
            raise self._reject(sub_id, 401, "VAPID token claims are not an object")
        return claims

    # -- control endpoints (for a service in another process) --------------------------------

    async def _handle_stats(self, request: web.Request) -> web.Response:
        """Serve the delivery counts."""
        return web.json_response(self.stats())

    async def _handle_reset(self, request: web.Request) -> web.Response:
        """Forget deliveries and rejections."""
        self.reset()
        return web.json_response({"ok": True})

    async def _handle_clear(self, request: web.Request) -> web.Response:
        """Remove injected failures and hangs."""
        self.clear()
        return web.json_response({"ok": True})

    async def _handle_fail(self, request: web.Request) -> web.Response:
        """Inject a failure: {"sub_id", "status", "retry_after", "times"}."""
        try:
            spec = await request.json()
            self.fail(
                spec.get("sub_id"),
                int(spec["status"]),
                retry_after=spec.get("retry_after"),
                times=spec.get("times"),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return _error(400, f"bad failure spec: {exc}")
        return web.json_response({"ok": True})

    async def _handle_hang(self, request: web.Request) -> web.Response:
        """Inject a hang: {"sub_id", "seconds", "times"}."""
        try:
            spec = await request.json()
            self.hang(spec.get("sub_id"), float(spec["seconds"]), times=spec.get("times"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return _error(400, f"bad hang spec: {exc}")
        return web.json_response({"ok": True})


def main(argv: list[str] | None = None) -> int:
    """Run the service as a process until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.pushservice", description="Local Web Push service for tests."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--delay-ms", type=float, default=0, help="delay of every answer")
    parser.add_argument("--keys", type=Path, help="JSON key file of the subscriptions")
    parser.add_argument("--ready-file", type=Path, help="file to write the port to when ready")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    service = PushService(
        delay_ms=args.delay_ms, keys_file=args.keys, host=args.host, port=args.port
    ).start()
    try:
        if args.ready_file is not None:
            partial = args.ready_file.with_name(args.ready_file.name + ".partial")
            partial.write_text(f"{service.port}\n", encoding="ascii")
            os.replace(partial, args.ready_file)
        while not stop.wait(0.5):
            pass
    finally:
        service.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
