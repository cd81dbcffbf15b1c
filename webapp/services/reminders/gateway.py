"""The one door to ``webapp.push``: this process's VAPID key, endpoint rules and sender.

Nothing else outside ``webapp.push`` imports it: the web layer and the scheduler reach Web
Push through a ``PushGateway`` (one per app, kept by ``webapp.extensions.push_gateway``), and
the send pass only sees the ``Sender`` protocol. Push is told what it needs (settings, the
contact for push services) and knows nothing of the services.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from webapp.push import EndpointPolicy, PushSender, VapidKey, load_vapid_key, parse_hosts
from webapp.push import valid_subscription_keys as _keys_problem
from webapp.push_messages import Sender
from webapp.services.reminders.oneoffs import snooze_token
from webapp.services.reminders.payload import PayloadContext

# Where links in notifications point when no PUBLIC_BASE_URL is set (``make run``).
LOCAL_BASE_URL = "http://127.0.0.1:5000"
# The contact push services see when there is no setting, no https address and no admin yet.
FALLBACK_CONTACT = "mailto:clinic@example.org"


@dataclass(frozen=True)
class PushSettings:
    """What sending needs from the app's settings (the VAPID_ and PUSH_ settings)."""

    vapid_private_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    instance_path: Path
    vapid_subject: str
    public_base_url: str
    clinic_name: str
    service_hosts: tuple[str, ...]
    allow_loopback: bool
    workers: int
    timeout_seconds: float
    clinic_language: str = "en"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str) -> PushSettings:
        """Read the settings from the app's config (see the README for each)."""
        return cls(
            vapid_private_key=config.get("VAPID_PRIVATE_KEY") or "",
            secret_key=config["SECRET_KEY"],
            instance_path=Path(instance_path),
            vapid_subject=config.get("VAPID_SUBJECT") or "",
            public_base_url=config.get("PUBLIC_BASE_URL") or "",
            clinic_name=config["CLINIC_NAME"],
            service_hosts=parse_hosts(config["PUSH_SERVICE_HOSTS"]),
            allow_loopback=bool(config.get("PUSH_ALLOW_HTTP_LOOPBACK")),
            workers=int(config.get("PUSH_WORKERS", 32)),
            timeout_seconds=float(config.get("PUSH_TIMEOUT_SECONDS", 10)),
            clinic_language=str(config.get("CLINIC_LANGUAGE") or "en"),
        )


class PushGateway:
    """This process's way to Web Push: the VAPID key, which endpoints are allowed, one sender.

    ``admin_email`` is asked (once) for a contact when no VAPID_SUBJECT or https address is
    set: push services want a way to reach whoever sends.
    """

    def __init__(self, settings: PushSettings, admin_email: Callable[[], str | None]) -> None:
        self.settings = settings
        self.policy = EndpointPolicy(
            hosts=settings.service_hosts, allow_loopback=settings.allow_loopback
        )
        self._admin_email = admin_email
        self._key: VapidKey | None = None
        self._sender: PushSender | None = None
        self._lock = threading.Lock()

    @property
    def vapid_key(self) -> VapidKey:
        """Return the VAPID key pair (made on first run under instance/)."""
        with self._lock:
            if self._key is None:
                self._key = load_vapid_key(
                    self.settings.vapid_private_key, self.settings.instance_path
                )
            return self._key

    @property
    def public_key(self) -> str:
        """Return the VAPID public key as the browser wants it."""
        return self.vapid_key.public_key

    def endpoint_problem(self, endpoint: object) -> str | None:
        """Return why the app must not post to a subscription's endpoint, or None."""
        return self.policy.problem(endpoint)

    @staticmethod
    def keys_problem(p256dh: str, auth: str) -> str | None:
        """Return what is wrong with a subscription's keys, or None when they are usable."""
        return _keys_problem(p256dh, auth)

    def subject(self) -> str:
        """Return the contact push services see: VAPID_SUBJECT, or a sensible default."""
        if self.settings.vapid_subject:
            return self.settings.vapid_subject
        base = self.settings.public_base_url
        if base.startswith("https://") and urlsplit(base).hostname:
            # Only scheme and host: push services (and py_vapid) refuse a port or a path.
            return f"https://{urlsplit(base).hostname}"
        email = self._admin_email()
        return f"mailto:{email}" if email else FALLBACK_CONTACT

    def sender(self) -> Sender:
        """Return this process's sender (one thread pool, reused connections)."""
        key = self.vapid_key
        with self._lock:
            if self._sender is None:
                self._sender = PushSender(
                    key,
                    self.subject(),
                    policy=self.policy,
                    workers=self.settings.workers,
                    deadline=self.settings.timeout_seconds,
                )
            return self._sender

    def payload_context(self) -> PayloadContext:
        """Return what reminder payloads need: absolute URLs, the clinic's name, snooze links."""
        secret = self.settings.secret_key
        return PayloadContext(
            base_url=self.settings.public_base_url or LOCAL_BASE_URL,
            clinic_name=self.settings.clinic_name,
            snooze_link=lambda o: f"/me/snooze/{snooze_token(secret, o.id, o.user_id)}",
            clinic_language=self.settings.clinic_language,
        )


def owner_id() -> str:
    """Return a name for this process's leases: host, process id and a random tail."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
