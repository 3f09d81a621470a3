"""Settling annotators' labels into gold: unanimous or majority, with a documented confidence rule.

An *answer* is what annotators must agree on: whether the sentence is a claim and, for a
claim, its source (for the schema's "other" source, also the name typed, compared without
case or surrounding spaces). Confidence is not part of the answer: the settled confidence
is the lower median of the confidences given by the annotators who chose the settled
answer (``statistics.median_low``, so it stays on the scale), or none if none gave one.

The evidence (cue, source mention, ``via``) is not part of the answer either. Each settles on
its own among the annotators who chose the settled answer and marked it: the value (exact
offsets; the exact chain) more than half of them gave. None marked it: none. No such majority
(two annotators marking different words, say): the sentence does not settle and goes to
review, which ``evidence_split`` names.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from annotator.domain.label import EVIDENCE_FIELDS, LabelValue, TextSpan

Policy = Literal["unanimous", "majority"]
POLICIES: tuple[Policy, ...] = ("unanimous", "majority")


@dataclass(frozen=True)
class Vote:
    """One annotator's current label on a sentence."""

    annotator: str
    value: LabelValue

    @property
    def answer(self) -> tuple[bool, str | None, str | None]:
        value = self.value
        if not value.is_claim:
            return (False, None, None)
        other = (value.source_other or "").strip().casefold() or None if value.source == "other" else None
        return (True, value.source, other)

    def to_json(self) -> dict[str, object]:
        """As gold keeps each vote it was settled from (``votes`` in the gold JSONL)."""
        return {
            "is_claim": self.value.is_claim,
            "source": self.value.source,
            "source_other": self.value.source_other,
            "confidence": self.value.confidence,
            **self.value.evidence_json(),
        }


@dataclass(frozen=True)
class Settlement:
    value: LabelValue
    """The settled label: answer, confidence and evidence (no note, never flagged)."""
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
      (a tie is not a majority);
    * the evidence of the settled answer's voters does not settle (``evidence_split``): not settled.

    >>> def vote(name, confidence):
    ...     return Vote(name, LabelValue(True, "x", confidence=confidence))
    >>> settle([vote("a", 5), vote("b", 3)]).provenance
    'unanimous'
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}: choose unanimous or majority")
    if len(votes) < max(min_annotators, 1):
        return None
    winners = _majority_voters(votes)
    if winners is None or (policy == "unanimous" and len(winners) < len(votes)):
        return None
    evidence = _settled_evidence(winners)
    if evidence is None:
        return None
    answer = winners[0].answer
    confidences = [v.value.confidence for v in winners if v.value.confidence is not None]
    # The "other" name as the first agreeing annotator typed it (the answer compares it folded).
    source_other = (
        next((v.value.source_other for v in winners if v.value.source_other), None)
        if answer[1] == "other"
        else None
    )
    return Settlement(
        value=replace(
            evidence,
            is_claim=answer[0],
            source=answer[1],
            source_other=source_other,
            confidence=statistics.median_low(confidences) if confidences else None,
        ),
        provenance="unanimous" if len(winners) == len(votes) else "majority",
        agreement=len(winners),
        votes={v.annotator: v.to_json() for v in votes},
    )


def evidence_split(votes: Sequence[Vote]) -> tuple[str, ...]:
    """The evidence fields (``cue``, ``source_mention``, ``via``) that keep votes from settling:
    a majority agrees on the answer, but those of them who marked the field marked it
    differently, with no value given by more than half of them. Empty when the answer itself
    has no majority (that is the disagreement then) or the evidence settles.

    >>> said, told = TextSpan(6, 10, "said"), TextSpan(11, 15, "told")
    >>> evidence_split([Vote("a", LabelValue(True, "x", cue=said)),
    ...                 Vote("b", LabelValue(True, "x", cue=told))])
    ('cue',)
    """
    winners = _majority_voters(votes)
    if winners is None:
        return ()
    return tuple(name for name in EVIDENCE_FIELDS if _majority_of_markers(winners, name) is _SPLIT)


def disagreement_share(votes: Sequence[Vote]) -> float:
    """Share of vote pairs with different answers: 0 when all agree, 1 when all differ."""
    n = len(votes)
    if n < 2:
        return 0.0
    same = sum(c * (c - 1) for c in Counter(v.answer for v in votes).values())
    return 1.0 - same / (n * (n - 1))


def _majority_voters(votes: Sequence[Vote]) -> list[Vote] | None:
    """The votes giving the answer more than half of them gave (all of them: unanimous)."""
    if not votes:
        return None
    answer, agreeing = Counter(v.answer for v in votes).most_common(1)[0]
    if agreeing * 2 <= len(votes):
        return None
    return [v for v in votes if v.answer == answer]


_SPLIT = object()
"""``_majority_of_markers``' answer when those who marked a field split with no majority."""


def _majority_of_markers(winners: Sequence[Vote], name: str) -> object:
    """The value of evidence field ``name`` more than half of those who marked it gave; None
    (or ``()`` for ``via``) when nobody marked it; ``_SPLIT`` when there is no such value."""
    marked: list[Hashable] = [getattr(v.value, name) for v in winners if getattr(v.value, name)]
    if not marked:
        return () if name == "via" else None
    value, count = Counter(marked).most_common(1)[0]
    return value if count * 2 > len(marked) else _SPLIT


def _settled_evidence(winners: Sequence[Vote]) -> LabelValue | None:
    """The settled answer's evidence as a label value, or None when a field splits."""
    settled = {name: _majority_of_markers(winners, name) for name in EVIDENCE_FIELDS}
    if any(value is _SPLIT for value in settled.values()):
        return None
    cue, mention, via = settled["cue"], settled["source_mention"], settled["via"]
    assert (cue is None or isinstance(cue, TextSpan)) and (mention is None or isinstance(mention, TextSpan))
    assert isinstance(via, tuple)
    return LabelValue(is_claim=True, cue=cue, source_mention=mention, via=via)
