"""The only part of the app that talks Web Push: VAPID keys and sending (pywebpush)."""

from __future__ import annotations

from webapp.push.keys import VapidKey, load_vapid_key, valid_subscription_keys
from webapp.push.sender import PushSender
from webapp.push_messages import PushMessage, PushOutcome

__all__ = [
    "PushMessage",
    "PushOutcome",
    "PushSender",
    "VapidKey",
    "load_vapid_key",
    "valid_subscription_keys",
]
