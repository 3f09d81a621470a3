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


PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Lower-case letters and digits without the look-alikes 0/o, 1/l/i (and no capitals: O/0, I/l)."""


def generate_password(groups: int = 4, group_length: int = 4) -> str:
    """A password easy to read aloud and type: 4 groups of 4 characters, about 79 bits.

    >>> len(generate_password()), generate_password().count("-")
    (19, 3)
    """
    return "-".join(
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(group_length)) for _ in range(groups)
    )


def lockout_after(failed_tries: int) -> timedelta:
    """How long to refuse logins after ``failed_tries`` failures in a row (doubling, capped)."""
    if failed_tries < FREE_FAILED_TRIES:
        return timedelta(0)
    return timedelta(seconds=min(2 ** (failed_tries - FREE_FAILED_TRIES + 1), 300))
