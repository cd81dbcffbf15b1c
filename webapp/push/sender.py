"""Send Web Push messages concurrently: a bounded pool, reused connections, a deadline each."""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from pywebpush import WebPusher, WebPushException
from urllib3.exceptions import HTTPError

from webapp.numbers import whole_number
from webapp.push import transport
from webapp.push.endpoints import EndpointPolicy
from webapp.push.keys import VapidKey
from webapp.push_messages import PushMessage, PushOutcome

log = logging.getLogger(__name__)

# A VAPID token may live 24 h; sign one per push-service origin for 12 h and reuse it.
TOKEN_LIFETIME = 12 * 3600
TOKEN_RENEW_BEFORE = 3600


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return Retry-After in seconds (it may be seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    seconds = whole_number(value)
    if seconds is not None:
        return float(max(0, seconds))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now or time.time()))


def classify(subscription_id: int, status: int, retry_after: str | None) -> PushOutcome:
    """Turn a push service's status code into what to do next."""
    if status in (200, 201, 202):
        return PushOutcome(subscription_id, status, ok=True)
    if status in (404, 410):
        return PushOutcome(subscription_id, status, gone=True, error=f"gone ({status})")
    if status == 429 or status >= 500:
        return PushOutcome(
            subscription_id,
            status,
            retry=True,
            retry_after=parse_retry_after(retry_after),
            error=f"push service answered {status}",
        )
    return PushOutcome(subscription_id, status, error=f"push service refused it ({status})")


class PushSender:
    """Encrypts, signs and posts messages; safe to share between threads."""

    def __init__(
        self,
        key: VapidKey,
        subject: str,
        *,
        policy: EndpointPolicy,
        workers: int = 32,
        connect_timeout: float = 3.05,
        deadline: float = 10.0,
    ) -> None:
        if not subject.startswith(("mailto:", "https:")):
            raise ValueError("the VAPID subject must be a mailto: or https: URL")
        self.key = key
        self.subject = subject
        self.policy = policy
        self.connect_timeout = connect_timeout
        self.deadline = deadline
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="push")
        self._local = threading.local()
        self._tokens: dict[str, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = transport.guarded_session()
            self._local.session = session
        return session

    def vapid_headers(self, endpoint: str) -> dict[str, str]:
        """Return the VAPID Authorization header for the endpoint's push service."""
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        with self._lock:
            cached = self._tokens.get(origin)
            if cached is not None and cached[0] - now > TOKEN_RENEW_BEFORE:
                return cached[1]
            expires = int(now) + TOKEN_LIFETIME
            # A fresh claims dict each time: py_vapid and pywebpush both change it.
            headers: dict[str, str] = dict(
                self.key.vapid.sign({"aud": origin, "exp": expires, "sub": self.subject})
            )
            self._tokens[origin] = (float(expires), headers)
            return headers

    def send_one(self, message: PushMessage) -> PushOutcome:
        """Send one message and say what happened (never raises for network trouble)."""
        subscription = {
            "endpoint": message.endpoint,
            "keys": {"p256dh": message.p256dh, "auth": message.auth},
        }
        try:
            body = WebPusher(subscription).encode(message.payload, "aes128gcm")["body"]
        except (ValueError, TypeError, WebPushException) as exc:  # unusable keys: never retry
            return PushOutcome(message.subscription_id, None, error=f"bad subscription: {exc}")
        headers = {
            **self.vapid_headers(message.endpoint),
            "TTL": str(message.ttl),
            "Content-Encoding": "aes128gcm",
            "Urgency": message.urgency,
            "Topic": message.topic,
        }
        try:
            answer = transport.post(
                self._session(),
                message.endpoint,
                body=body,
                headers=headers,
                policy=self.policy,
                connect_timeout=self.connect_timeout,
                deadline_seconds=self.deadline,
            )
        except transport.Refused as exc:
            # Stored before the rules were this strict, or the list changed: never posted to.
            return PushOutcome(message.subscription_id, None, error=f"refused: {exc}")
        except (transport.DeadlinePassed, requests.Timeout):
            return PushOutcome(message.subscription_id, None, retry=True, error="timed out")
        except (requests.RequestException, HTTPError, http.client.HTTPException, OSError) as exc:
            return PushOutcome(
                message.subscription_id, None, retry=True, error=f"network: {type(exc).__name__}"
            )
        return classify(message.subscription_id, answer.status, answer.retry_after)

    def send_many(self, messages: Sequence[PushMessage]) -> list[PushOutcome]:
        """Send messages concurrently and return outcomes in the same order."""
        if not messages:
            return []
        if len(messages) == 1:
            return [self.send_one(messages[0])]
        return list(self._pool.map(self.send_one, messages))

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=True)
