"""HTTP to push services, guarded: public addresses only, no redirects, a deadline, a cap.

requests gives timeouts per socket operation, so a service that sends one byte every few
seconds would hold a sending thread for ever. Each request here runs as a :class:`Flight`
with a wall-clock deadline; a watchdog thread shuts the socket down when it passes, which
ends whatever read or write is blocked on it. Connections are opened by our own code so the
address is checked after DNS and the socket goes to that very address (a name that
resolves to a public address once and a private one the next time gains nothing).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from webapp.push.endpoints import EndpointPolicy

# A push service answers with an empty body or a short JSON error; never read more.
MAX_RESPONSE_BYTES = 64 * 1024
# Of the addresses a name resolves to, try this many before giving up.
MAX_ADDRESSES = 3


class AddressRefused(NewConnectionError):
    """The push service's name resolves to no address we may connect to."""


@dataclass(eq=False)
class Flight:
    """One request to a push service: its deadline, its rules, and the socket it uses."""

    deadline: float
    policy: EndpointPolicy
    expired: bool = False
    refused: str = ""  # why no connection was made, when the address was not allowed
    _connection: int | None = field(default=None, repr=False)
    # A duplicate of the socket's descriptor: shutting it down ends a read blocked on the
    # original, and it stays valid even if the original is closed meanwhile.
    _socket: socket.socket | None = field(default=None, repr=False)

    def remaining(self) -> float:
        """Return the seconds left before the deadline."""
        return self.deadline - time.monotonic()


_current = threading.local()


def current_flight() -> Flight | None:
    """Return the request this thread is making, if any."""
    flight: Flight | None = getattr(_current, "flight", None)
    return flight


class Watchdog:
    """Cuts the connection of any request that outlives its deadline."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._flights: set[Flight] = set()
        # Which flight each connection serves now: a connection handed back to the pool
        # and taken by the next request must not be cut for the previous one.
        self._owners: dict[int, Flight] = {}
        self._wake_at: float | None = None
        self._thread: threading.Thread | None = None

    def start(self, flight: Flight) -> None:
        """Watch a request from now until finish()."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="push-watchdog", daemon=True)
                self._thread.start()
            self._flights.add(flight)
            if self._wake_at is None or flight.deadline < self._wake_at:
                self._lock.notify()

    def attach(self, flight: Flight, connection: object, sock: socket.socket) -> None:
        """Note the socket a request uses, so it can be cut at the deadline."""
        try:
            duplicate = socket.socket(sock.family, sock.type, sock.proto, os.dup(sock.fileno()))
        except OSError:
            return
        with self._lock:
            if flight._socket is not None:
                flight._socket.close()
            flight._socket = duplicate
            flight._connection = id(connection)
            self._owners[id(connection)] = flight
            if flight.expired:
                self._cut(flight)

    def finish(self, flight: Flight) -> bool:
        """Stop watching a request; return True if its deadline passed."""
        with self._lock:
            self._flights.discard(flight)
            if flight._connection is not None and self._owners.get(flight._connection) is flight:
                del self._owners[flight._connection]
            if flight._socket is not None:
                flight._socket.close()
                flight._socket = None
            return flight.expired

    def _cut(self, flight: Flight) -> None:
        flight.expired = True
        if flight._socket is not None and self._owners.get(flight._connection or 0) is flight:
            try:
                flight._socket.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed by its owner
                pass

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                for flight in [f for f in self._flights if f.deadline <= now and not f.expired]:
                    self._cut(flight)
                pending = [f.deadline for f in self._flights if not f.expired]
                self._wake_at = min(pending) if pending else None
                self._lock.wait(None if self._wake_at is None else self._wake_at - now)


_watchdog = Watchdog()


def _attach(connection: HTTPConnection, sock: socket.socket | None) -> None:
    flight = current_flight()
    if flight is not None and sock is not None:
        _watchdog.attach(flight, connection, sock)


def _open_socket(connection: HTTPConnection) -> socket.socket:
    """Resolve the push service, keep the addresses we may use, and connect to one of them."""
    flight = current_flight()
    if flight is None:
        raise AddressRefused(connection, "refused: no push request in flight")
    host, port = connection.host, connection.port or 443
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NameResolutionError(host, connection, exc) from exc
    usable = [info for info in found if flight.policy.address_allowed(str(info[4][0]))]
    if not usable:
        flight.refused = f"{host} has no public address"
        raise AddressRefused(connection, flight.refused)
    error: OSError | None = None
    for family, kind, proto, _name, address in usable[:MAX_ADDRESSES]:
        remaining = flight.remaining()
        if remaining <= 0:
            break
        sock = socket.socket(family, kind, proto)
        try:
            for option in connection.socket_options or []:
                sock.setsockopt(*option)
            connect_timeout = connection.timeout
            limit = remaining if connect_timeout is None else min(connect_timeout, remaining)
            sock.settimeout(limit)
            _attach(connection, sock)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    if isinstance(error, TimeoutError) or error is None:
        raise ConnectTimeoutError(connection, f"connecting to {host} timed out")
    raise NewConnectionError(connection, f"could not connect to {host}: {error}")


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _open_socket(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self, self.sock)
        super().request(*args, **kwargs)


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _open_socket(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self, self.sock)
        super().request(*args, **kwargs)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


def guarded_session() -> requests.Session:
    """Return a session for push services: our connections, no proxies from the environment.

    Redirects are refused per request (``allow_redirects=False``); ``max_redirects = 0``
    is not used because requests then raises on any 3xx, hiding the status.
    """
    session = requests.Session()
    # HTTP(S)_PROXY, .netrc and REQUESTS_CA_BUNDLE are for people's tools, not for pushes.
    session.trust_env = False
    adapter = _GuardedAdapter(pool_connections=4, pool_maxsize=4, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@dataclass(frozen=True)
class Answer:
    """What a push service said: the status and the headers we act on."""

    status: int
    retry_after: str | None


class Refused(Exception):
    """The request was not made: the endpoint or its address is not a push service's."""


class DeadlinePassed(Exception):
    """The push service took longer than the deadline allows."""


def post(
    session: requests.Session,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    policy: EndpointPolicy,
    connect_timeout: float,
    deadline_seconds: float,
) -> Answer:
    """POST within the deadline; raise Refused, DeadlinePassed or a network error."""
    problem = policy.problem(url)
    if problem is not None:
        raise Refused(problem)
    flight = Flight(deadline=time.monotonic() + deadline_seconds, policy=policy)
    _current.flight = flight
    _watchdog.start(flight)
    response: requests.Response | None = None
    complete = False
    try:
        response = session.post(
            url,
            data=body,
            headers=headers,
            timeout=(connect_timeout, deadline_seconds),
            allow_redirects=False,
            stream=True,
        )
        # Read what little a push service says so the connection can serve the next push;
        # anything longer than a push service's answer is cut off, with its connection.
        read = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=False)
        complete = len(read) <= MAX_RESPONSE_BYTES and response.raw.closed
        return Answer(response.status_code, response.headers.get("Retry-After"))
    except Exception as exc:
        if flight.refused:
            raise Refused(flight.refused) from exc
        if flight.expired:
            raise DeadlinePassed(f"no answer within {deadline_seconds:g} s") from exc
        raise
    finally:
        expired = _watchdog.finish(flight)
        _current.flight = None
        if response is not None:
            if complete and not expired:
                response.raw.release_conn()
            else:
                response.close()
