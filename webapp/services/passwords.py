"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from webapp.services.errors import text
from webapp.services.languages import N_

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHasher()


def configure(time_cost: int, memory_cost_kib: int) -> None:
    """Set the argon2 cost; tests lower it, production keeps the library's defaults."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)


def hash_password(password: str) -> str:
    """Return an argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return True when the password matches the stored hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return True when the stored hash was made with weaker settings than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("webapp.content").joinpath("common_passwords.txt").read_text()
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _is_sequence(text: str) -> bool:
    lowered = text.lower()
    for seq in _SEQUENCES:
        if lowered in seq or lowered in seq[::-1]:
            return True
    return False


def password_problems(password: str, *, personal: tuple[str, ...] = ()) -> list[str]:
    """Return what is wrong with a new password, or an empty list when it is fine."""
    if len(password) < MIN_LENGTH:
        return [
            text(
                N_("Use at least %(num)s characters. A short sentence is easy to remember."),
                num=MIN_LENGTH,
            )
        ]
    if len(password) > MAX_LENGTH:
        return [text(N_("Use at most %(num)s characters."), num=MAX_LENGTH)]
    lowered = password.lower()
    stripped = re.sub(r"[\d\W_]+$", "", lowered)
    if (
        lowered in _common_passwords()
        or stripped in _common_passwords()
        or len(set(lowered)) <= 2
        or _is_sequence(lowered)
    ):
        return [N_("This password is too common and easy to guess. Please choose another.")]
    for word in personal:
        word = word.strip().lower()
        if len(word) >= 4 and word in lowered:
            return [N_("Please don't use your name or sign-in name in your password.")]
    return []
