"""JSON objects with a key twice: orjson and msgspec keep the last value, other readers the first,
so such a file means different things to different tools. Imports refuse it."""

from __future__ import annotations

import json
from typing import Any


class RepeatedKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice in one object")
        self.key = key


def check_no_repeated_keys(text: str | bytes) -> None:
    """Raise RepeatedKeyError naming the first key that appears twice in one object of ``text``
    (already known to be valid JSON).

    >>> check_no_repeated_keys('{"a": 1, "b": {"a": 2}}')
    >>> check_no_repeated_keys('{"a": 1, "a": 2}')  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    annotator.exchange.strict_json.RepeatedKeyError: the key 'a' appears twice in one object
    """
    json.loads(text, object_pairs_hook=_refuse_repeated_keys)


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise RepeatedKeyError(key)
        seen[key] = value
    return seen
