"""Pure rules of the Review page: the blind order of annotators, and what their labels differ on."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Hashable, Sequence

from annotator.domain.settling import Vote

FIELDS = ("is_claim", "source", "confidence")


def blind_order(names: Sequence[str], *, reviewer_id: int, sentence_id: int) -> list[str]:
    """The annotators in an order of their own for this reviewer and sentence.

    With names hidden, "annotator 1" must not always be the same person, or a reviewer learns
    who is who after a few sentences; yet the order must not change while the reviewer looks
    at the sentence (a rerun, going back). So it is a shuffle seeded by a hash of
    (reviewer, sentence): stable for both, unrelated from one sentence to the next.

    >>> blind_order(["ana", "ben"], reviewer_id=1, sentence_id=2) == blind_order(
    ...     ["ben", "ana"], reviewer_id=1, sentence_id=2)
    True
    """
    digest = hashlib.sha256(f"review-order:{reviewer_id}:{sentence_id}".encode()).digest()
    ordered = sorted(names)
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(ordered)
    return ordered


def _pairs_differing(values: Sequence[Hashable]) -> float | None:
    n = len(values)
    if n < 2:
        return None
    same = sum(c * (c - 1) for c in Counter(values).values())
    return 1.0 - same / (n * (n - 1))


def field_disagreement(votes: Sequence[Vote]) -> dict[str, float]:
    """For each field the annotators differ on: the share of their label pairs that differ.

    ``is_claim`` compares everyone; ``source`` only those who call it a claim (a "not a
    claim" against a source is already an ``is_claim`` difference), the "other" name folded
    as when settling; ``confidence`` only those who gave one. Fields everyone agrees on, or
    that fewer than two annotators answered, are left out.

    >>> from annotator.domain.label import LabelValue
    >>> field_disagreement([Vote("a", LabelValue(True, "x", confidence=5)),
    ...                     Vote("b", LabelValue(True, "x", confidence=3))])
    {'confidence': 1.0}
    """
    values: dict[str, list[Hashable]] = {
        "is_claim": [v.value.is_claim for v in votes],
        "source": [v.answer for v in votes if v.value.is_claim],
        "confidence": [v.value.confidence for v in votes if v.value.confidence is not None],
    }
    shares = {name: _pairs_differing(values[name]) for name in FIELDS}
    return {name: share for name, share in shares.items() if share}
