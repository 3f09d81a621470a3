"""Settling annotators' labels into gold: unanimous or majority, with a documented confidence rule.

An *answer* is what annotators must agree on: whether the sentence is a claim and, for a
claim, its source (for the schema's "other" source, also the name typed, compared without
case or surrounding spaces). Confidence is not part of the answer: the settled confidence
is the lower median of the confidences given by the annotators who chose the settled
answer (``statistics.median_low``, so it stays on the scale), or none if none gave one.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Policy = Literal["unanimous", "majority"]
POLICIES: tuple[Policy, ...] = ("unanimous", "majority")


@dataclass(frozen=True)
class Vote:
    annotator: str
    is_claim: bool
    source: str | None
    source_other: str | None = None
    confidence: int | None = None

    @property
    def answer(self) -> tuple[bool, str | None, str | None]:
        if not self.is_claim:
            return (False, None, None)
        other = (self.source_other or "").strip().casefold() or None if self.source == "other" else None
        return (True, self.source, other)

    def to_json(self) -> dict[str, object]:
        return {
            "is_claim": self.is_claim,
            "source": self.source,
            "source_other": self.source_other,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Settlement:
    is_claim: bool
    source: str | None
    source_other: str | None
    confidence: int | None
    provenance: Literal["unanimous", "majority"]
    agreement: int
    votes: dict[str, dict[str, object]] = field(default_factory=dict)


def settle(
    votes: Sequence[Vote], *, policy: Policy = "majority", min_annotators: int = 2
) -> Settlement | None:
    """The gold label the votes settle to, or None when they do not (the sentence goes to review).

    * fewer than ``min_annotators`` votes: not settled (wait for more labels);
    * every vote gives the same answer: ``unanimous``;
    * policy ``majority``: one answer has more than half of the votes: ``majority``
      (a tie is not a majority).

    >>> settle([Vote("a", True, "x", confidence=5), Vote("b", True, "x", confidence=3)]).provenance
    'unanimous'
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}: choose unanimous or majority")
    if len(votes) < max(min_annotators, 1):
        return None
    counts = Counter(v.answer for v in votes)
    answer, agreeing = counts.most_common(1)[0]
    if agreeing == len(votes):
        provenance: Literal["unanimous", "majority"] = "unanimous"
    elif policy == "majority" and agreeing * 2 > len(votes):
        provenance = "majority"
    else:
        return None
    winners = [v for v in votes if v.answer == answer]
    confidences = [v.confidence for v in winners if v.confidence is not None]
    # The "other" name as the first agreeing annotator typed it (the answer compares it folded).
    source_other = (
        next((v.source_other for v in winners if v.source_other), None) if answer[1] == "other" else None
    )
    return Settlement(
        is_claim=answer[0],
        source=answer[1],
        source_other=source_other,
        confidence=statistics.median_low(confidences) if confidences else None,
        provenance=provenance,
        agreement=agreeing,
        votes={v.annotator: v.to_json() for v in votes},
    )


def disagreement_share(votes: Sequence[Vote]) -> float:
    """Share of vote pairs with different answers: 0 when all agree, 1 when all differ."""
    n = len(votes)
    if n < 2:
        return 0.0
    same = sum(c * (c - 1) for c in Counter(v.answer for v in votes).values())
    return 1.0 - same / (n * (n - 1))
