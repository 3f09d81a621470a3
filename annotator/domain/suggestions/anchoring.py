"""Does showing a suggestion sway annotators?  The anchoring audit.

A lead-set share of sentences is shown to each annotator without a suggestion.  Which
ones is drawn per (annotator, sentence) from a hash with a project salt: random across
sentences and annotators, the same on every server and every reload, and recorded with
each saved label.  Comparing how often labels equal the suggestion when it was shown and
when it was hidden estimates its pull; acceptance is the first share per annotator.

Proportions get Wilson score intervals and their difference Newcombe's hybrid score
interval (Newcombe 1998, method 10), both checked against his worked examples.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_AUDIT_SHARE = 0.10
_Z95 = 1.959963984540054


def hidden_for_audit(*, user_id: int, sentence_id: int, share: float, salt: str) -> bool:
    """Whether this annotator sees this sentence without its suggestion."""
    if share <= 0:
        return False
    digest = hashlib.sha256(f"{salt}:{user_id}:{sentence_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


@dataclass(frozen=True)
class Proportion:
    count: int
    total: int
    low: float | None
    high: float | None

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None


def wilson(count: int, total: int, z: float = _Z95) -> Proportion:
    """Wilson score interval of ``count`` / ``total``."""
    if total == 0:
        return Proportion(0, 0, None, None)
    p = count / total
    centre = p + z * z / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    denominator = 1 + z * z / total
    return Proportion(count, total, (centre - spread) / denominator, (centre + spread) / denominator)


@dataclass(frozen=True)
class Difference:
    value: float | None
    low: float | None
    high: float | None


def newcombe_difference(first: Proportion, second: Proportion) -> Difference:
    """first − second with Newcombe's hybrid score interval (method 10)."""
    p1, p2 = first.value, second.value
    if p1 is None or p2 is None or first.low is None or first.high is None:
        return Difference(None, None, None)
    assert second.low is not None and second.high is not None
    d = p1 - p2
    lower = d - math.sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2)
    upper = d + math.sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2)
    return Difference(d, lower, upper)


@dataclass(frozen=True)
class ShownRecord:
    """One saved label: whether its suggestion was shown, and whether the label equals it."""

    annotator: str
    shown: bool
    agrees: bool


@dataclass(frozen=True)
class AnchoringReport:
    shown: Proportion  # labels equal to the suggestion, among labels made with it shown
    hidden: Proportion  # the same among labels made with it hidden (the audit)
    pull: Difference  # shown − hidden: how much seeing the suggestion moves labels towards it
    acceptance: dict[str, Proportion]  # per annotator, labels equal to the shown suggestion
    hidden_agreement: dict[str, Proportion]  # per annotator, the same when hidden


def anchoring_report(records: Sequence[ShownRecord]) -> AnchoringReport:
    def share(rows: Sequence[ShownRecord]) -> Proportion:
        return wilson(sum(r.agrees for r in rows), len(rows))

    shown = [r for r in records if r.shown]
    hidden = [r for r in records if not r.shown]
    names = sorted({r.annotator for r in records})
    shown_share, hidden_share = share(shown), share(hidden)
    return AnchoringReport(
        shown=shown_share,
        hidden=hidden_share,
        pull=newcombe_difference(shown_share, hidden_share),
        acceptance={n: share([r for r in shown if r.annotator == n]) for n in names},
        hidden_agreement={n: share([r for r in hidden if r.annotator == n]) for n in names},
    )
