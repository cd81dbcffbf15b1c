"""The only part of the app that talks Web Push: VAPID keys, endpoint rules, sending.

It imports nothing from the services: it is told its settings and sends the typed
messages of ``webapp.push_messages``. The services reach it through one module,
``webapp.services.reminders.gateway``.
"""

from __future__ import annotations

from webapp.push.endpoints import EndpointPolicy, parse_hosts
from webapp.push.keys import VapidKey, load_vapid_key, valid_subscription_keys
from webapp.push.sender import PushSender
from webapp.push_messages import PushMessage, PushOutcome

__all__ = [
    "EndpointPolicy",
    "PushMessage",
    "PushOutcome",
    "PushSender",
    "VapidKey",
    "load_vapid_key",
    "parse_hosts",
    "valid_subscription_keys",
]
