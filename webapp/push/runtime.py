"""The push sender and payload settings of this process, built from the app's config."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path
from typing import Any

from flask import Flask

from webapp.push.endpoints import EndpointPolicy, parse_hosts
from webapp.push.keys import VapidKey, load_vapid_key
from webapp.push.sender import PushSender


def vapid_key(app: Flask) -> VapidKey:
    """Return the app's VAPID key (made on first run under instance/)."""
    key: VapidKey | None = app.extensions.get("vapid_key")
    if key is None:
        key = load_vapid_key(app.config["VAPID_PRIVATE_KEY"], Path(app.instance_path))
        app.extensions["vapid_key"] = key
    return key


def vapid_subject(app: Flask) -> str:
    """Return the contact push services see: VAPID_SUBJECT, or a sensible default."""
    configured: str = app.config.get("VAPID_SUBJECT") or ""
    if configured:
        return configured
    base: str = app.config.get("PUBLIC_BASE_URL") or ""
    if base.startswith("https://"):
        return base
    from webapp.extensions import db
    from webapp.services import accounts

    with app.app_context():
        email = accounts.first_admin_email(db.session)
    return f"mailto:{email}" if email else "mailto:clinic@example.org"


def endpoint_policy(app: Flask) -> EndpointPolicy:
    """Return which push endpoints this app accepts and posts to (from the settings)."""
    policy: EndpointPolicy | None = app.extensions.get("push_endpoint_policy")
    if policy is None:
        policy = EndpointPolicy(
            hosts=parse_hosts(app.config["PUSH_SERVICE_HOSTS"]),
            allow_loopback=bool(app.config.get("PUSH_ALLOW_HTTP_LOOPBACK")),
        )
        app.extensions["push_endpoint_policy"] = policy
    return policy


def get_sender(app: Flask) -> PushSender:
    """Return this process's push sender (one thread pool, reused connections)."""
    sender: PushSender | None = app.extensions.get("push_sender")
    if sender is None:
        sender = PushSender(
            vapid_key(app),
            vapid_subject(app),
            policy=endpoint_policy(app),
            workers=int(app.config.get("PUSH_WORKERS", 32)),
            deadline=float(app.config.get("PUSH_TIMEOUT_SECONDS", 10)),
        )
        app.extensions["push_sender"] = sender
    return sender


def snooze_token(app: Flask, occurrence_id: int, patient_id: int) -> str:
    """Return a token that lets a notification's button snooze this one reminder."""
    from webapp.services.reminders import oneoffs

    return oneoffs.snooze_token(app.config["SECRET_KEY"], occurrence_id, patient_id)


def read_snooze_token(app: Flask, token: str) -> tuple[int, int] | None:
    """Return (occurrence id, patient id) from a snooze token, or None if it is not valid."""
    from webapp.services.reminders import oneoffs

    return oneoffs.read_snooze_token(app.config["SECRET_KEY"], token)


def payload_context(app: Flask) -> Any:
    """Return what reminder payloads need: absolute URLs, the clinic's name, snooze links."""
    from webapp.services.reminders import PayloadContext

    base = app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    return PayloadContext(
        base_url=base,
        clinic_name=app.config["CLINIC_NAME"],
        snooze_link=lambda o: f"/me/snooze/{snooze_token(app, o.id, o.user_id)}",
    )


def owner_id() -> str:
    """Return a name for this process's leases: host, process id and a random tail."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
