"""Two-annotator agreement: confusion matrices, Cohen's kappa (plain and weighted).

All pairwise figures come from a q × q confusion matrix ``M`` (rows: first annotator's
category, columns: second's) over the units both labelled - or, with many categories,
from the same statistics taken from the codes directly (:class:`PairCounts`):

* Cohen (1960): ``kappa = (po - pe) / (1 - pe)`` with ``po = trace(M) / n`` and
  ``pe = sum_k r_k c_k / n**2`` (row and column margins).
* Weighted kappa (Cohen 1968) with disagreement weights ``v_ij = |i - j|`` (linear) or
  ``(i - j)**2`` (quadratic) on the code positions: ``1 - sum v M / sum v E`` with
  ``E = r c^T / n``. These are the weights of scikit-learn's ``cohen_kappa_score`` and
  R irr's ``kappa2(weight="equal"/"squared")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
import numpy.typing as npt

from annotator.domain.agreement.matrix import (
    IndexArray,
    IntArray,
    as_codes,
    as_ratings,
    check_names,
    missing_as_last,
)
from annotator.domain.agreement.result import (
    FEWER_THAN_TWO_ANNOTATORS,
    NO_GOLD_UNIT,
    NO_PARTNER,
    NO_SHARED_UNIT,
    ONE_CATEGORY,
    Coefficient,
    JsonValue,
    guarded,
)
from annotator.domain.errors import InputError, UndefinedStatisticError

Weights = Literal["linear", "quadratic"]


def confusion_from_codes(first: IndexArray, second: IndexArray, n_categories: int) -> IntArray:
    """Confusion matrix of two code vectors in which "missing" is coded ``n_categories``.

    One bincount over the combined code; the extra row and column (one side missing) are
    dropped afterwards, which is cheaper than masking the units first.
    """
    width = n_categories + 1
    flat = np.bincount(first * width + second, minlength=width * width)
    return flat.reshape(width, width)[:n_categories, :n_categories].astype(np.int64)


def pair_confusion(first: npt.ArrayLike, second: npt.ArrayLike, n_categories: int) -> IntArray:
    """Confusion matrix of two annotators over the units both labelled (codes, -1 missing).

    ``result[i, j]`` counts units the first annotator put in category ``i`` and the second
    in ``j``.
    """
    a = as_codes(first, n_categories, "first")
    b = as_codes(second, n_categories, "second")
    if a.shape != b.shape:
        raise InputError(f"the two code vectors differ in length ({a.size} and {b.size})")
    pair = np.stack([a, b], axis=1) if a.size else np.empty((0, 2), np.int64)
    codes = missing_as_last(pair, n_categories)
    return confusion_from_codes(codes[0], codes[1], n_categories)


# Above this many confusion cells, pair statistics are taken from the codes directly.
_CONFUSION_CELLS = 1 << 16


@dataclass(frozen=True, slots=True, eq=False)
class PairCounts:
    """What the kappas of two annotators need from the units both labelled.

    ``first`` and ``second`` are the category margins of each annotator over those units;
    ``linear_gap`` and ``squared_gap`` sum ``|i - j|`` and ``(i - j)**2`` over them.
    """

    units: int
    agreeing: int
    first: IntArray
    second: IntArray
    linear_gap: float
    squared_gap: float

    @classmethod
    def from_confusion(cls, matrix: npt.ArrayLike) -> PairCounts:
        m = np.asarray(matrix, dtype=np.int64)
        gap = np.abs(np.subtract.outer(np.arange(m.shape[0]), np.arange(m.shape[1])))
        return cls(
            units=int(m.sum()),
            agreeing=int(np.trace(m)),
            first=m.sum(axis=1),
            second=m.sum(axis=0),
            linear_gap=float((gap * m).sum()),
            squared_gap=float((gap * gap * m).sum()),
        )


def pair_counts(first: IndexArray, second: IndexArray, n_categories: int) -> PairCounts:
    """Pair statistics of two code vectors in which "missing" is ``n_categories``."""
    q = n_categories
    if (q + 1) ** 2 <= _CONFUSION_CELLS:
        return PairCounts.from_confusion(confusion_from_codes(first, second, q))
    # Many categories: a q × q matrix would be mostly empty; use the margins only.
    both = (first < q) & (second < q)
    gap = (first - second)[both].astype(np.float64)
    return PairCounts(
        units=int(both.sum()),
        agreeing=int((both & (first == second)).sum()),
        first=np.bincount(np.where(both, first, q), minlength=q + 1)[:q].astype(np.int64),
        second=np.bincount(np.where(both, second, q), minlength=q + 1)[:q].astype(np.int64),
        linear_gap=float(np.abs(gap).sum()),
        squared_gap=float((gap * gap).sum()),
    )


def expected_gap(first: IntArray, second: IntArray, weights: Weights) -> float:
    """``sum_ij gap(i, j) r_i c_j`` in O(q) (no q × q matrix) for linear or squared gaps."""
    r = first.astype(np.float64)
    c = second.astype(np.float64)
    i = np.arange(r.size, dtype=np.float64)
    if weights == "quadratic":
        return float(c.sum() * (r @ (i * i)) + r.sum() * (c @ (i * i)) - 2.0 * (r @ i) * (c @ i))
    # sum_j |i - j| c_j = (i C_<=i - S_<=i) + (S_>i - i C_>i), with C, S cumulative
    # counts and code sums of the second annotator.
    count_below = np.cumsum(c)
    sum_below = np.cumsum(i * c)
    below = i * count_below - sum_below
    above = (sum_below[-1] - sum_below) - i * (count_below[-1] - count_below)
    return float(r @ (below + above))


def kappa_from_counts(counts: PairCounts, weights: Weights | None = None) -> float:
    """Cohen's kappa (``weights=None``) or weighted kappa from pair statistics.

    Raises ``UndefinedStatisticError`` when there is no shared unit, or when chance
    agreement is total (both annotators used one and the same category only).
    """
    n = counts.units
    if n == 0:
        raise UndefinedStatisticError(NO_SHARED_UNIT)
    if weights is None:
        # Integer arithmetic: chance agreement is total exactly when n**2 == sum r_k c_k.
        chance = int(counts.first @ counts.second)
        if n * n == chance:
            raise UndefinedStatisticError(ONE_CATEGORY)
        return (n * counts.agreeing - chance) / (n * n - chance)
    expected = expected_gap(counts.first, counts.second, weights) / n
    if expected <= 0.0:
        raise UndefinedStatisticError(ONE_CATEGORY)
    observed = counts.linear_gap if weights == "linear" else counts.squared_gap
    return 1.0 - observed / expected


def cohen_kappa(
    first: npt.ArrayLike,
    second: npt.ArrayLike,
    n_categories: int,
    weights: Weights | None = None,
) -> Coefficient:
    """Cohen's kappa of two annotators on the units both labelled (codes, -1 missing)."""
    a = as_codes(first, n_categories, "first")
    b = as_codes(second, n_categories, "second")
    if a.shape != b.shape:
        raise InputError(f"the two code vectors differ in length ({a.size} and {b.size})")
    codes = missing_as_last(np.stack([a, b], axis=1), n_categories)
    counts = pair_counts(codes[0], codes[1], n_categories)
    return guarded(partial(kappa_from_counts, counts, weights))


def pair_key(first: str, second: str) -> str:
    """The key of a pair of annotators: both names sorted, joined by "|"."""
    low, high = sorted((first, second))
    return f"{low}|{high}"


def all_pair_counts(codes: IndexArray, n_categories: int) -> dict[tuple[int, int], PairCounts]:
    """Pair statistics of every annotator pair ``(a, b)``, ``a < b`` (annotator-major codes)."""
    n_annotators = codes.shape[0]
    return {
        (a, b): pair_counts(codes[a], codes[b], n_categories)
        for a in range(n_annotators)
        for b in range(a + 1, n_annotators)
    }


def pooled_confusion(ratings: npt.ArrayLike, n_categories: int) -> IntArray:
    """Confusion counts pooled over all annotator pairs, each pair in both orders.

    ``result[i, j]`` counts (unit, ordered pair of different annotators) with values
    ``i`` and ``j``: symmetric, and the unweighted counterpart of the coincidence matrix.
    """
    matrix = as_ratings(ratings, n_categories)
    codes = missing_as_last(matrix, n_categories)
    total = np.zeros((n_categories, n_categories), dtype=np.int64)
    for a in range(codes.shape[0]):
        for b in range(a + 1, codes.shape[0]):
            confusion = confusion_from_codes(codes[a], codes[b], n_categories)
            total += confusion + confusion.T
    return total


@dataclass(frozen=True, slots=True)
class AnnotatorAgreement:
    """How one annotator agrees with the others.

    * ``mean_kappa``: mean of the defined Cohen's kappas with each other annotator;
    * ``percent_agreement``: share of agreeing values over all units shared with another
      annotator, pooled over the partners;
    * ``shared_units``: (unit, partner) pairs behind ``percent_agreement``.
    """

    mean_kappa: Coefficient
    percent_agreement: Coefficient
    shared_units: int

    def to_json(self) -> JsonValue:
        return {
            "mean_kappa": self.mean_kappa.to_json(),
            "percent_agreement": self.percent_agreement.to_json(),
            "shared_units": self.shared_units,
        }


def annotator_agreement_from_pairs(
    pairs: dict[tuple[int, int], PairCounts], annotators: Sequence[str]
) -> dict[str, AnnotatorAgreement]:
    """Per-annotator agreement from the statistics of every pair."""
    out: dict[str, AnnotatorAgreement] = {}
    for a, name in enumerate(annotators):
        mine = [counts for (x, y), counts in pairs.items() if a in (x, y)]
        kappas = [guarded(partial(kappa_from_counts, counts)) for counts in mine]
        values = [k.value for k in kappas if k.value is not None]
        shared = sum(counts.units for counts in mine)
        agreeing = sum(counts.agreeing for counts in mine)
        reason = _why_undefined(len(annotators), shared, kappas)
        out[name] = AnnotatorAgreement(
            mean_kappa=(
                Coefficient.of(sum(values) / len(values)) if values else Coefficient.undefined(reason)
            ),
            percent_agreement=(
                Coefficient.of(agreeing / shared) if shared else Coefficient.undefined(reason)
            ),
            shared_units=shared,
        )
    return out


def _why_undefined(n_annotators: int, shared: int, kappas: list[Coefficient]) -> str:
    """The reason an annotator's figures are undefined, most general first."""
    if n_annotators < 2:
        return FEWER_THAN_TWO_ANNOTATORS
    if shared == 0:
        return NO_PARTNER
    # Partners exist: report why their kappas are undefined (e.g. only one category).
    reasons = (k.reason for k in kappas if k.reason and k.reason != NO_SHARED_UNIT)
    return next(reasons, NO_PARTNER)


def annotator_agreement(
    ratings: npt.ArrayLike, annotators: Sequence[str], n_categories: int
) -> dict[str, AnnotatorAgreement]:
    """Agreement of each annotator with the others (see :class:`AnnotatorAgreement`)."""
    names = check_names(annotators, "annotator", pair_keys=True)
    matrix = as_ratings(ratings, n_categories, len(names))
    codes = missing_as_last(matrix, n_categories)
    return annotator_agreement_from_pairs(all_pair_counts(codes, n_categories), names)


@dataclass(frozen=True, slots=True)
class GoldAgreement:
    """One annotator against a gold standard, on the units both have a value for."""

    kappa: Coefficient
    accuracy: Coefficient
    units: int

    def to_json(self) -> JsonValue:
        return {
            "kappa": self.kappa.to_json(),
            "accuracy": self.accuracy.to_json(),
            "units": self.units,
        }


def gold_agreement(
    ratings: npt.ArrayLike,
    gold: npt.ArrayLike,
    annotators: Sequence[str],
    n_categories: int,
) -> dict[str, GoldAgreement]:
    """Cohen's kappa and accuracy of each annotator against ``gold`` (codes, -1 = no gold)."""
    names = check_names(annotators, "annotator", pair_keys=True)
    matrix = as_ratings(ratings, n_categories, len(names))
    truth = as_codes(gold, n_categories, "gold")
    if truth.size != matrix.shape[0]:
        raise InputError(f"the gold vector has {truth.size} unit(s) but the ratings have {matrix.shape[0]}")
    codes = missing_as_last(matrix, n_categories)
    gold_codes = missing_as_last(truth[:, None], n_categories)[0]
    out: dict[str, GoldAgreement] = {}
    for a, name in enumerate(names):
        counts = pair_counts(codes[a], gold_codes, n_categories)
        if counts.units == 0:
            none = Coefficient.undefined(NO_GOLD_UNIT)
            out[name] = GoldAgreement(kappa=none, accuracy=none, units=0)
            continue
        out[name] = GoldAgreement(
            kappa=guarded(partial(kappa_from_counts, counts)),
            accuracy=Coefficient.of(counts.agreeing / counts.units),
            units=counts.units,
        )
    return out
