"""Password hashing (argon2id) and the slow-down after failed logins."""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

FREE_FAILED_TRIES = 3
"""Failed logins in a row before further tries are slowed down."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A password that is easy to type from a terminal: 4 groups of 4 url-safe characters."""
    raw = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def lockout_after(failed_tries: int) -> timedelta:
    """How long to refuse logins after ``failed_tries`` failures in a row (doubling, capped)."""
    if failed_tries < FREE_FAILED_TRIES:
        return timedelta(0)
    return timedelta(seconds=min(2 ** (failed_tries - FREE_FAILED_TRIES + 1), 300))
