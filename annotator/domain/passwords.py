"""Password hashing (argon2id), a cap on concurrent hashing, and the slow-down after failed logins."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MAX_CONCURRENT_HASHES = 2
"""argon2 takes 64 MiB and a CPU for ~0.1 s per hash: more at once only queue for the CPUs and
add memory (32 parallel logins took ~2 GB), so the rest wait their turn."""
_hashing = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)

FREE_FAILED_TRIES = 3
"""Failed logins in a row before further tries are slowed down."""


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    with _hashing:
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


@dataclass
class _Tries:
    failures: int = 0
    in_flight: int = 0
    locked_until: float = 0.0


class LoginThrottle:
    """Failed logins per (typed name, client address): after a few, that client waits.

    Keyed by the name as typed, whether or not such a user exists, so that the answers do not
    tell which names exist. Keyed by client too, so that someone guessing from one address
    slows down only themselves: the account's owner, elsewhere, still logs in. Attempts are
    counted when they start, under a lock: parallel attempts cannot all pass before the first
    failure is recorded (only ``FREE_FAILED_TRIES`` are ever checked at once, then one at a time).
    """

    MAX_KEYS = 100_000
    """Entries kept; the oldest go first (a flood of made-up names must not fill memory)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tries: OrderedDict[tuple[str, str], _Tries] = OrderedDict()

    def start(self, name: str, client: str) -> float:
        """Seconds to wait before this client may try this name again (0: go ahead, and the
        attempt counts as started until ``finish``)."""
        key = (name.strip().casefold(), client)
        with self._lock:
            tries = self._tries.setdefault(key, _Tries())
            self._tries.move_to_end(key)
            wait = tries.locked_until - self._clock()
            if wait > 0:
                return wait
            if tries.in_flight >= max(1, FREE_FAILED_TRIES - tries.failures):
                return 1.0  # its earlier attempts are still being checked
            tries.in_flight += 1
            while len(self._tries) > self.MAX_KEYS:
                self._tries.popitem(last=False)
            return 0.0

    def finish(self, name: str, client: str, *, succeeded: bool) -> None:
        key = (name.strip().casefold(), client)
        with self._lock:
            tries = self._tries.setdefault(key, _Tries())
            tries.in_flight = max(0, tries.in_flight - 1)
            if succeeded:
                tries.failures, tries.locked_until = 0, 0.0
                return
            tries.failures += 1
            tries.locked_until = self._clock() + lockout_after(tries.failures).total_seconds()
