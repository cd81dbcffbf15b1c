"""Sign-in limits per account, and the devices that have signed in to an account before.

Three counters stand between a guesser and a password, all in the rate-limit storage
(memory, or Redis shared by every web instance):

- per client address (``LOGIN_RATE_LIMIT``, on the view): one address cannot spray
  guesses over many accounts;
- per account (``LOGIN_ACCOUNT_RATE_LIMIT``), keyed by the normalised sign-in name: many
  addresses together cannot guess one account's password quickly;
- per known device and account (the same limit): a browser that has signed in to an
  account before carries a signed cookie naming it, and its tries count only against
  itself.

A known device skips the first two, so someone who hammers an account, or the one
address a whole clinic shares behind its proxy, never locks out the people who signed in
there before; the account counter is a short moving window, so a new device waits minutes,
not forever, and the clinic can always send a fresh invite link.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass, field

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse_many

from webapp.extensions import limiter
from webapp.services.accounts import normalize_login

DEVICE_COOKIE = "bv_known"
DEVICE_COOKIE_DAYS = 400
# A shared clinic tablet is used by a handful of staff; the cookie stays small.
DEVICE_ACCOUNTS_MAX = 10


@dataclass
class KnownDevice:
    """This browser's id and the accounts that have signed in on it."""

    device_id: str = field(default_factory=lambda: secrets.token_hex(16))
    accounts: list[str] = field(default_factory=list)


def _secret(purpose: bytes) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, purpose, hashlib.sha256).digest()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(_secret(b"between-visits known devices"), salt="known-device")


def account_tag(login: str) -> str:
    """Return a keyed hash of a normalised sign-in name (no name is stored in plain)."""
    key = _secret(b"between-visits sign-in names")
    return hmac.new(key, normalize_login(login).encode(), hashlib.sha256).hexdigest()[:32]


def _this_device() -> KnownDevice | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(value, dict):
        return None
    device_id, accounts = value.get("d"), value.get("a")
    if not isinstance(device_id, str) or not isinstance(accounts, list):
        return None
    return KnownDevice(device_id, [a for a in accounts if isinstance(a, str)])


def is_known_device(login: str) -> bool:
    """Return True when this browser has signed in to this account before."""
    device = _this_device()
    return device is not None and bool(login.strip()) and account_tag(login) in device.accounts


def remember_device(response: Response, login: str | None) -> Response:
    """Mark this browser as one that has signed in to this account."""
    if not login:
        return response
    device = _this_device() or KnownDevice()
    tag = account_tag(login)
    device.accounts = [tag, *(a for a in device.accounts if a != tag)][:DEVICE_ACCOUNTS_MAX]
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps({"d": device.device_id, "a": device.accounts}),
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
    )
    return response


def _limits() -> list[RateLimitItem]:
    return list(parse_many(str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])))


def count_attempt(login: str) -> int | None:
    """Count one sign-in attempt; return the seconds to wait when there were too many."""
    if not limiter.enabled or not login.strip():
        return None
    tag = account_tag(login)
    device = _this_device()
    if device is not None and tag in device.accounts:
        key = ["sign-in-device", device.device_id, tag]
    else:
        key = ["sign-in-account", tag]
    prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "")
    if prefix:
        key.insert(0, prefix)
    strategy = limiter.limiter
    # Every attempt counts, right or wrong: counting only failures would need a check
    # before the password and a count after it, and a burst of parallel guesses would
    # all pass the check. An owner signs in a few times a day, far below the limit.
    for item in _limits():
        if not strategy.hit(item, *key):
            stats = strategy.get_window_stats(item, *key)
            return max(1, math.ceil(stats.reset_time - time.time()))
    return None
