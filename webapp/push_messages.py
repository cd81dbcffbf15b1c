"""What services hand to webapp.push to send, and what comes back: typed data, no behaviour.

Both sides import this module and nothing of each other: the reminder services build
``PushMessage`` values and read ``PushOutcome`` values; ``webapp.push`` encrypts, signs and
posts the one and reports the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PushMessage:
    """One message to one device: its subscription, the payload and the delivery headers."""

    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: bytes
    ttl: int
    urgency: str
    topic: str


@dataclass(frozen=True)
class PushOutcome:
    """What the push service said about one message."""

    subscription_id: int
    status: int | None
    ok: bool = False
    gone: bool = False  # 404/410: the subscription is dead; delete it
    retry: bool = False  # 429, 5xx, timeouts: try again later
    retry_after: float | None = None  # seconds, from Retry-After
    error: str = ""


class Sender(Protocol):
    """Something that sends push messages and reports each outcome, in the same order."""

    def send_many(self, messages: Sequence[PushMessage]) -> list[PushOutcome]: ...
