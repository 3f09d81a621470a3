"""Source keys made from a source's name, so nobody has to type one.

A key is what labels store and exports carry: lower-case ASCII letters, digits, '-' and
'_', starting with a letter or digit, at most 64 characters (the label schema's pattern).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

MAX_KEY_LENGTH = 64
RESERVED_KEYS = frozenset({"author", "other"})
"""The label schema's special sources (``schemas/label-schema.json``): no article's source may
take one of these keys, or a label saying ``other`` could not tell which it means."""
_NOT_KEY = re.compile(r"[^a-z0-9]+")


def source_key_for(name: str, *, taken: Collection[str] = (), reserved: Collection[str] = ()) -> str:
    """A valid key for ``name`` that is neither ``taken`` (the article's keys) nor ``reserved``.

    >>> source_key_for("Fire chief María López")
    'fire-chief-maria-lopez'
    >>> source_key_for("Other", reserved=RESERVED_KEYS)
    'other-2'
    >>> source_key_for("The mayor", taken={"the-mayor"})
    'the-mayor-2'
    >>> source_key_for("«»")
    'source'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = _NOT_KEY.sub("-", ascii_name).strip("-")[:MAX_KEY_LENGTH].strip("-") or "source"
    unavailable = set(taken) | set(reserved)
    candidate, number = base, 1
    while candidate in unavailable:
        number += 1
        suffix = f"-{number}"
        candidate = base[: MAX_KEY_LENGTH - len(suffix)].rstrip("-") + suffix
    return candidate
