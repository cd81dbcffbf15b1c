"""VAPID keys: generated on first run into the instance folder, or taken from settings."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from webapp.instance import instance_secret


def b64url(data: bytes) -> str:
    """Encode bytes as base64url without padding, as Web Push wants."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _generate_raw() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


@dataclass(frozen=True)
class VapidKey:
    """The app's VAPID key pair."""

    vapid: Vapid02

    @property
    def public_key(self) -> str:
        """Return the public key as the browser wants it: base64url of the raw point."""
        point = self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)


def load_vapid_key(configured: str, instance_path: Path) -> VapidKey:
    """Return the configured VAPID key, or the one kept under instance/ (made on first run)."""
    raw = configured.strip() or instance_secret(instance_path, "vapid_private_key", _generate_raw)
    try:
        vapid = Vapid02.from_raw(raw.encode())
    except (ValueError, TypeError) as exc:
        raise RuntimeError(
            "VAPID_PRIVATE_KEY must be the base64url raw P-256 private key (32 bytes)"
        ) from exc
    return VapidKey(vapid)


def valid_subscription_keys(p256dh: str, auth: str) -> str | None:
    """Return what is wrong with a subscription's keys, or None when they are usable."""
    try:
        point = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError):
        return "keys.p256dh is not a valid P-256 public key (base64url, uncompressed point)"
    if len(point) != 65:
        return "keys.p256dh is not a valid P-256 public key (base64url, uncompressed point)"
    try:
        secret = b64url_decode(auth)
    except (ValueError, TypeError):
        return "keys.auth must be a 16-byte secret, base64url encoded"
    if len(secret) != 16:
        return "keys.auth must be a 16-byte secret, base64url encoded"
    return None
