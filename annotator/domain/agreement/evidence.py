"""Agreement on a label's evidence: the words naming the source, the cue, and the ``via`` chain.

**Spans** (``source_mention`` and ``cue``): token-level F1 between each pair of annotators,
which is their positive specific agreement (Hripcsak & Rothschild 2005, "Agreement, the
F-measure, and reliability in information retrieval", JAMIA 12(3):296-298). Span marking has
no countable negatives (every token an annotator did not mark), so κ and α are ill-defined
for it; F1 needs none, and κ approaches it as the negatives grow numerous.

* Tokens are the document's words and punctuation marks (``\\w+`` or one other non-space
  character); a span covers every token it overlaps.
* A pair's units are the sentences both annotators call a claim (agreement on *whether* a
  sentence is a claim is the ``is_claim`` field's). On such a sentence, a label without the
  span covers no token, so a span only one of the two marked counts fully against them.
* A pair's F1 is micro over tokens: ``2 · shared / (tokens of the first + tokens of the
  second)``, summed over their units. The reported F1 is the mean over the pairs where it
  is defined; each pair's figure is reported too.

**via**: exact agreement on the ordered chain, among annotators who gave a sentence the same
source (the chain belongs to that source: comparing the chains of different sources says
nothing). Units are (sentence, source) with the source a key; values are whole chains, the
empty chain included. Reported: percent agreement (the share of value pairs that are the same
chain, per unit, averaged over units with two values or more) and Krippendorff's α nominal
with each distinct chain a category.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from annotator.domain.agreement import MISSING, krippendorff_alpha, pair_key, percent_agreement
from annotator.domain.agreement.result import (
    FEWER_THAN_TWO_ANNOTATORS,
    Coefficient,
    JsonValue,
)

IntArray = npt.NDArray[np.int64]

# Words and single punctuation marks: what a span is measured in.
TOKEN = re.compile(r"\w+|[^\w\s]")
SPAN_FIELDS = ("source_mention", "cue")
SPAN_MEASURE = (
    "token-level F1 = positive specific agreement (Hripcsak & Rothschild 2005), micro over the "
    "tokens of the sentences both annotators call a claim, mean over annotator pairs"
)
VIA_MEASURE = (
    "exact agreement on the ordered chain among labels of a sentence with the same source: "
    "percent agreement and Krippendorff's alpha (nominal, each chain a category)"
)


def no_span_reason(name: str) -> str:
    return f"undefined, because no label marks a {name.replace('_', ' ')}"


NO_SHARED_CLAIM = "undefined, because the annotators call no sentence a claim in common"
NO_SPAN_ON_SHARED = "undefined, because neither annotator marks a span on the sentences both call a claim"
NO_SAME_SOURCE = "undefined, because no sentence has two labels with the same source"


@dataclass(frozen=True)
class SpanColumns:
    """One kind of span for each entry of a ``LabelTable``: document character offsets,
    ``-1`` where the label has none."""

    start: IntArray
    end: IntArray


@dataclass(frozen=True)
class EvidenceColumns:
    """The evidence of each entry of a ``LabelTable``, aligned with its ``unit`` and
    ``annotator`` arrays.

    ``spans`` is keyed by the label field (``"source_mention"``, ``"cue"``); ``document``
    indexes ``texts`` (the text of each article a span lies in; ``-1`` for entries without a
    span); ``via`` indexes ``chains``, whose first entry is the empty chain.
    """

    spans: Mapping[str, SpanColumns]
    document: IntArray
    texts: tuple[str, ...]
    via: IntArray
    chains: tuple[tuple[str, ...], ...]

    @classmethod
    def empty(cls, entries: int) -> EvidenceColumns:
        """No evidence on any of ``entries`` labels (labels from before evidence existed)."""
        none = np.full(entries, -1, dtype=np.int64)
        return cls(
            spans={name: SpanColumns(none, none) for name in SPAN_FIELDS},
            document=none,
            texts=(),
            via=np.zeros(entries, dtype=np.int64),
            chains=((),),
        )


@dataclass(frozen=True)
class TokenIndex:
    """Where the tokens of several texts are, found in one vectorised pass over all of them.

    Tokens are what ``TOKEN`` matches (``\\w+`` or one other non-space character): word
    characters are those ``str.isalnum()`` accepts and ``_``, as for ``re``'s ``\\w``. The
    texts are laid end to end with a space between; text ``k`` begins at ``offsets[k]``.
    ``started[p]`` counts the tokens that start before position ``p`` (so it numbers them) and
    ``inside[p]`` says that ``p`` continues a word begun before it: a span's tokens follow from
    two look-ups, with no list of tokens built.
    """

    offsets: IntArray
    started: npt.NDArray[np.signedinteger[Any]]
    inside: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, texts: Sequence[str]) -> TokenIndex:
        joined = " ".join(texts)
        offsets = np.cumsum([0, *(len(t) + 1 for t in texts[:-1])], dtype=np.int64)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        # Classify each distinct character once (a corpus has a few hundred), then look up.
        present = np.flatnonzero(np.bincount(codes)) if len(codes) else np.zeros(0, dtype=np.int64)
        kind_of = np.zeros(int(present.max(initial=0)) + 1, dtype=np.uint8)  # 0 space, 1 word, 2 other
        for code in present.tolist():
            char = chr(code)
            kind_of[code] = 1 if char.isalnum() or char == "_" else 0 if char.isspace() else 2
        kind = kind_of[codes]
        word = kind == 1
        inside = np.zeros(len(codes) + 1, dtype=bool)
        inside[1:-1] = word[1:] & word[:-1]
        # One count per character of the corpus: 32 bits hold any corpus under 2 G characters.
        started: npt.NDArray[np.signedinteger[Any]] = np.zeros(
            len(codes) + 1, dtype=np.int32 if len(codes) < 2**31 - 1 else np.int64
        )
        np.cumsum((word & ~inside[:-1]) | (kind == 2), dtype=started.dtype, out=started[1:])
        return cls(offsets=offsets, started=started, inside=inside)

    def ranges(self, document: IntArray, start: IntArray, end: IntArray) -> tuple[IntArray, IntArray]:
        """The tokens each span ``[start, end)`` of text ``document`` overlaps, numbered
        ``[first, stop)``: those starting inside it, and the word it starts in the middle of.

        >>> index = TokenIndex.of(["Sessions said no.", "The Washington Post cited"])
        >>> first, stop = index.ranges(np.array([1, 1]), np.array([4, 6]), np.array([19, 19]))
        >>> (stop - first).tolist()
        [2, 2]
        """
        at, to = self.offsets[document] + start, self.offsets[document] + end
        first = self.started[at] - self.inside[at]
        stop = self.started[to]
        return first.astype(np.int64), np.maximum(stop, first).astype(np.int64)


@dataclass(frozen=True)
class SpanAgreement:
    """Agreement on one kind of span (``source_mention`` or ``cue``)."""

    field: str
    f1: Coefficient
    pairs: Mapping[str, Coefficient]
    labels_with_span: int
    shared_claims: int
    """Sentences called a claim by two annotators or more: where spans are compared."""

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "measure": SPAN_MEASURE,
            "f1": self.f1.to_json(),
            "pairs": {k: c.to_json() for k, c in self.pairs.items()},
            "labels_with_span": self.labels_with_span,
            "shared_claims": self.shared_claims,
        }


@dataclass(frozen=True)
class ViaAgreement:
    """Exact agreement on ``via`` among labels of a sentence that share the source."""

    percent_agreement: Coefficient
    alpha: Coefficient
    units: int
    """(sentence, source) pairs given by two annotators or more: where chains are compared."""
    labels_with_chain: int
    chains: int
    """Distinct non-empty chains."""

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "measure": VIA_MEASURE,
            "percent_agreement": self.percent_agreement.to_json(),
            "krippendorff_alpha": self.alpha.to_json(),
            "pairable_units": self.units,
            "labels_with_chain": self.labels_with_chain,
            "chains": self.chains,
        }


def span_agreement(
    name: str,
    *,
    unit: IntArray,
    annotator: IntArray,
    is_claim: IntArray,
    evidence: EvidenceColumns,
    annotators: Sequence[str],
    n_units: int,
    tokens: TokenIndex | None = None,
) -> SpanAgreement:
    """Pairwise token-level F1 on one kind of span (see the module docstring).

    ``unit``, ``annotator`` and ``is_claim`` are a ``LabelTable``'s long-form columns;
    ``tokens`` indexes ``evidence.texts`` (built here when not given: pass one to share it
    between the kinds of span).
    """
    columns = evidence.spans[name]
    has = columns.start >= 0
    first = np.zeros(len(unit), dtype=np.int64)
    stop = np.zeros(len(unit), dtype=np.int64)
    tokens = tokens if tokens is not None else TokenIndex.of(evidence.texts)
    first[has], stop[has] = tokens.ranges(evidence.document[has], columns.start[has], columns.end[has])
    shape = (n_units, len(annotators))
    claim = np.zeros(shape, dtype=bool)
    claim[unit, annotator] = is_claim == 1
    lo = np.zeros(shape, dtype=np.int64)
    hi = np.zeros(shape, dtype=np.int64)
    lo[unit, annotator], hi[unit, annotator] = first, stop
    size = hi - lo
    pairs: dict[str, Coefficient] = {}
    order = sorted(range(len(annotators)), key=lambda i: annotators[i])
    for i, a in enumerate(order):
        for b in order[i + 1 :]:
            both = claim[:, a] & claim[:, b]
            shared = np.clip(
                np.minimum(hi[both, a], hi[both, b]) - np.maximum(lo[both, a], lo[both, b]), 0, None
            )
            marked = int(size[both, a].sum() + size[both, b].sum())
            key = pair_key(annotators[a], annotators[b])
            if not both.any():
                pairs[key] = Coefficient.undefined(NO_SHARED_CLAIM)
            elif marked == 0:
                pairs[key] = Coefficient.undefined(NO_SPAN_ON_SHARED)
            else:
                pairs[key] = Coefficient.of(2 * int(shared.sum()) / marked)
    labels_with_span = int(has.sum())
    defined = [c.value for c in pairs.values() if c.value is not None]
    if labels_with_span == 0:
        f1 = Coefficient.undefined(no_span_reason(name))
    elif len(annotators) < 2:
        f1 = Coefficient.undefined(FEWER_THAN_TWO_ANNOTATORS)
    elif not defined:
        reasons = {c.reason for c in pairs.values()}
        f1 = Coefficient.undefined(NO_SHARED_CLAIM if reasons == {NO_SHARED_CLAIM} else NO_SPAN_ON_SHARED)
    else:
        f1 = Coefficient.of(sum(defined) / len(defined))
    return SpanAgreement(
        field=name,
        f1=f1,
        pairs=pairs,
        labels_with_span=labels_with_span,
        shared_claims=int((claim.sum(axis=1) >= 2).sum()),
    )


def via_agreement(
    *,
    unit: IntArray,
    annotator: IntArray,
    is_claim: IntArray,
    source: IntArray,
    evidence: EvidenceColumns,
    n_annotators: int,
) -> ViaAgreement:
    """Exact agreement on the chain among labels with the same source (module docstring).

    ``source`` indexes the table's source keys, ``-1`` for none: an unattributed claim has
    no chain to agree on.
    """
    keyed = (is_claim == 1) & (source >= 0)
    pair_id = unit[keyed] * (int(source.max(initial=0)) + 1) + source[keyed]
    _, row = np.unique(pair_id, return_inverse=True)
    n_rows = int(row.max(initial=-1)) + 1
    ratings = np.full((n_rows, n_annotators), MISSING, dtype=np.int64)
    ratings[row, annotator[keyed]] = evidence.via[keyed]
    pairable = int(((ratings != MISSING).sum(axis=1) >= 2).sum()) if n_rows else 0
    categories = len(evidence.chains)
    if n_annotators < 2:
        share = alpha = Coefficient.undefined(FEWER_THAN_TWO_ANNOTATORS)
    elif pairable == 0:
        share = alpha = Coefficient.undefined(NO_SAME_SOURCE)
    else:
        share = percent_agreement(ratings, categories)
        alpha = krippendorff_alpha(ratings, categories, "nominal")
    return ViaAgreement(
        percent_agreement=share,
        alpha=alpha,
        units=pairable,
        labels_with_chain=int((evidence.via > 0).sum()),
        chains=len(evidence.chains) - 1,
    )
