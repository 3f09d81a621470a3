"""Unit-level coefficients computed from unit profiles (see ``matrix.UnitProfiles``).

Definitions, with ``n_u`` the number of values of unit ``u`` and ``C_uk`` how many of them
are category ``k``; a unit is *pairable* when ``n_u >= 2``:

* Percent agreement (Gwet 2014, ch. 2 "pa"; Krippendorff's observed agreement per unit):
  for each pairable unit the share of its ordered value pairs that agree,
  ``sum_k C_uk (C_uk - 1) / (n_u (n_u - 1))``, averaged over pairable units with equal
  weight per unit.
* Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
  ``1 - (n - 1) * sum_ck o_ck delta_ck / sum_ck n_c n_k delta_ck`` over the coincidence
  matrix ``o_ck = sum_u (C_uc C_uk - [c = k] C_uc) / (n_u - 1)`` of pairable units, with
  ``n_c`` its margins and ``n`` the number of pairable values. ``delta`` is 1 for unequal
  categories (nominal), the squared difference of code positions or given values
  (interval), or Krippendorff's ordinal difference, which is the squared difference of
  the categories' mid-ranks ``F_k - n_k / 2`` in the pooled values.
* Fleiss' kappa generalised to missing ratings (Gwet 2014, Handbook of Inter-Rater
  Reliability, 4th ed., ch. 5): ``(pa - pe) / (1 - pe)`` with ``pa`` the percent agreement
  above (pairable units only) and ``pe = sum_k pi_k**2``, where ``pi_k`` is the mean over
  all units with at least one value of ``C_uk / n_u``. On complete data this is Fleiss
  (1971).
* Gwet's AC1 (Gwet 2008; 2014, ch. 5): the same ``pa`` and ``pi_k``, with
  ``pe = sum_k pi_k (1 - pi_k) / (q - 1)`` and ``q`` the number of categories defined
  (unused ones count, as in Gwet's formula).

Sums over a unit's value pairs run over the columns of the sorted profile rows, so no
units × categories matrix is ever built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np

from annotator.domain.agreement.matrix import FloatArray, IntArray, UnitProfiles
from annotator.domain.agreement.result import (
    CATEGORY_ABSENT,
    FEWER_THAN_TWO_ANNOTATORS,
    FEWER_THAN_TWO_CATEGORIES,
    NO_PAIRABLE_UNIT,
    ONE_CATEGORY,
    Coefficient,
    JsonValue,
    guarded,
)
from annotator.domain.errors import InputError, UndefinedStatisticError

Metric = Literal["nominal", "ordinal", "interval"]
METRICS: tuple[Metric, ...] = ("nominal", "ordinal", "interval")
PairDelta = Callable[[IntArray, IntArray], FloatArray]


def require_annotators(profiles: UnitProfiles) -> None:
    """Agreement needs two annotators at least; say so before anything more specific."""
    if profiles.n_annotators < 2:
        raise UndefinedStatisticError(FEWER_THAN_TWO_ANNOTATORS)


def pairable_profiles(profiles: UnitProfiles) -> UnitProfiles:
    """The pairable profiles, or the reason why there are none."""
    require_annotators(profiles)
    pairable = profiles.pairable
    if pairable.weights.size == 0:
        raise UndefinedStatisticError(NO_PAIRABLE_UNIT)
    return pairable


def unit_agreement(profiles: UnitProfiles) -> FloatArray:
    """Share of agreeing ordered value pairs of each profile (0 where fewer than 2 values)."""
    return profiles.agreement_shares


def pair_weights(profiles: UnitProfiles) -> FloatArray:
    """Weight of each value pair of a profile in the coincidence matrix: units / (n_u - 1)."""
    sizes = profiles.sizes.astype(np.float64)
    return np.asarray(
        np.where(sizes >= 2, profiles.weights / np.maximum(sizes - 1.0, 1.0), 0.0),
        dtype=np.float64,
    )


def pair_sums(profiles: UnitProfiles, delta: PairDelta) -> FloatArray:
    """Per profile, ``delta`` summed over its unordered pairs of values."""
    total = np.zeros(profiles.codes.shape[0], dtype=np.float64)
    for first, second, both in profiles.value_pairs():
        if both.any():
            total[both] += delta(first[both], second[both])
    return total


def observed_agreement(profiles: UnitProfiles) -> float:
    """Percent agreement ``pa`` (see the module docstring); raises when undefined."""
    pairable = pairable_profiles(profiles)
    weights = pairable.weights.astype(np.float64)
    return float(weights @ unit_agreement(pairable) / weights.sum())


def coincidences(profiles: UnitProfiles) -> FloatArray:
    """Krippendorff's coincidence matrix ``o_ck`` of the pairable units (q × q, symmetric)."""
    pairable = profiles.pairable
    q = profiles.n_categories
    scale = pair_weights(pairable)
    upper = np.zeros((q + 1) * (q + 1), dtype=np.float64)
    for first, second, both in pairable.value_pairs():
        flat = first[both] * (q + 1) + second[both]
        upper += np.bincount(flat, weights=scale[both], minlength=upper.size)
    half = upper.reshape(q + 1, q + 1)[:q, :q]
    # Each unordered pair (c <= k) stands for the ordered pairs (c, k) and (k, c).
    return np.asarray(half + half.T, dtype=np.float64)


def coincidence_diagonal(profiles: UnitProfiles) -> FloatArray:
    """``o_kk`` for every category, without the rest of the matrix."""
    pairable = profiles.pairable
    q = profiles.n_categories
    scale = pair_weights(pairable)
    diagonal = np.zeros(q + 1, dtype=np.float64)
    for first, second, both in pairable.value_pairs():
        equal = both & (first == second)
        diagonal += np.bincount(first[equal], weights=2.0 * scale[equal], minlength=q + 1)
    return diagonal[:q]


def interval_values(n_categories: int, values: Sequence[float] | None) -> FloatArray:
    """The numbers behind the codes for the interval metric (default: code positions)."""
    if values is None:
        return np.arange(n_categories, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (n_categories,):
        raise InputError(f"interval values must give one number per category ({n_categories})")
    return v


def mid_ranks(margins: FloatArray) -> FloatArray:
    """Mid-rank of each category given its margins: ``F_k - n_k / 2`` (batched over rows).

    Krippendorff's ordinal difference ``(sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2`` is the
    squared difference of mid-ranks, so ordinal alpha is interval alpha on mid-ranks.
    """
    n = np.asarray(margins, dtype=np.float64)
    return np.asarray(np.cumsum(n, axis=-1) - n / 2.0, dtype=np.float64)


def _squared_gap(v: FloatArray, first: IntArray, second: IntArray) -> FloatArray:
    return np.asarray((v[first] - v[second]) ** 2, dtype=np.float64)


def _disagreements(
    pairable: UnitProfiles, metric: Metric, margins: FloatArray, values: Sequence[float] | None
) -> tuple[float, float]:
    """``sum_ck o_ck delta_ck`` (observed) and ``sum_ck n_c n_k delta_ck`` (expected)."""
    scale = pair_weights(pairable)
    total = float(margins.sum())
    if metric == "nominal":
        sizes = pairable.sizes.astype(np.float64)
        unequal = sizes * (sizes - 1.0) - 2.0 * pairable.agreeing_pairs
        return float(scale @ unequal), total * total - float(margins @ margins)
    if metric not in ("interval", "ordinal"):
        raise ValueError(f"unknown metric {metric!r}")
    ordinal = metric == "ordinal"
    v = mid_ranks(margins) if ordinal else interval_values(pairable.n_categories, values)
    # sum_ck n_c n_k (v_c - v_k)^2 = 2 (n sum n_c v_c^2 - (sum n_c v_c)^2)
    observed = 2.0 * float(scale @ pair_sums(pairable, partial(_squared_gap, v)))
    expected = 2.0 * (total * float(margins @ (v * v)) - float(margins @ v) ** 2)
    return observed, expected


def alpha(profiles: UnitProfiles, metric: Metric, values: Sequence[float] | None = None) -> float:
    """Krippendorff's alpha; raises ``UndefinedStatisticError`` when undefined."""
    pairable = pairable_profiles(profiles)
    margins = pairable.category_totals
    if np.count_nonzero(margins) < 2:
        raise UndefinedStatisticError(ONE_CATEGORY)
    observed, expected = _disagreements(pairable, metric, margins.astype(np.float64), values)
    if expected <= 0.0:
        # Only reachable with interval values that make distinct categories equal.
        raise UndefinedStatisticError(ONE_CATEGORY)
    return 1.0 - (int(margins.sum()) - 1) * observed / expected


def category_shares(profiles: UnitProfiles) -> FloatArray:
    """Gwet's ``pi_k``: mean over units with a value of the share of their values in ``k``."""
    return profiles.category_shares


def fleiss_kappa(profiles: UnitProfiles) -> float:
    """Fleiss' kappa, generalised to missing ratings as in Gwet (2014)."""
    pa = observed_agreement(profiles)
    if np.count_nonzero(profiles.category_totals) < 2:
        raise UndefinedStatisticError(ONE_CATEGORY)
    pi = category_shares(profiles)
    pe = float(pi @ pi)
    return (pa - pe) / (1.0 - pe)


def gwet_ac1(profiles: UnitProfiles, q: int | None = None) -> float:
    """Gwet's AC1 with missing ratings (Gwet 2014); ``q`` is the number of categories counted
    in the chance term (default: every category of the profiles)."""
    q = profiles.n_categories if q is None else q
    require_annotators(profiles)
    pa = observed_agreement(profiles)
    if q < 2:
        # Counting observed categories, one in use means agreement cannot be told from chance.
        few = ONE_CATEGORY if profiles.n_categories >= 2 else FEWER_THAN_TWO_CATEGORIES
        raise UndefinedStatisticError(few)
    pi = category_shares(profiles)
    # pe <= 1/q < 1 for q >= 2, so the division is always defined.
    pe = float(pi @ (1.0 - pi)) / (q - 1)
    return (pa - pe) / (1.0 - pe)


@dataclass(frozen=True, slots=True)
class CategoryAgreement:
    """Agreement on one category against all the others (binary one-vs-rest recoding).

    * ``alpha``: Krippendorff's binary alpha of "this category" vs "any other";
    * ``specific_agreement``: of the pairable values in this category, the share whose pair
      partners are in it too (``o_kk / n_k``; for two annotators the positive specific
      agreement ``2a / (2a + b + c)``);
    * ``values``: how many ratings use the category (all units, paired or not).
    """

    alpha: Coefficient
    specific_agreement: Coefficient
    values: int

    def to_json(self) -> JsonValue:
        return {
            "alpha": self.alpha.to_json(),
            "specific_agreement": self.specific_agreement.to_json(),
            "values": self.values,
        }


def per_category(profiles: UnitProfiles, categories: Sequence[str]) -> dict[str, CategoryAgreement]:
    """One-vs-rest agreement for each category, from the coincidence matrix.

    Recoding merges cells of the coincidence matrix, so each binary matrix follows from the
    full one's diagonal and margins: ``o_11 = o_kk``, ``o_10 = n_k - o_kk``.
    """
    totals = profiles.category_totals
    try:
        pairable = pairable_profiles(profiles)
    except UndefinedStatisticError as undefined:
        missing = Coefficient.undefined(str(undefined))
        return {
            label: CategoryAgreement(missing, missing, int(totals[k])) for k, label in enumerate(categories)
        }
    diagonal = coincidence_diagonal(pairable)
    margins = pairable.category_totals
    n = int(margins.sum())
    out: dict[str, CategoryAgreement] = {}
    for k, label in enumerate(categories):
        n_k, o_kk = int(margins[k]), float(diagonal[k])
        out[label] = CategoryAgreement(
            alpha=guarded(partial(_binary_alpha, n, n_k, o_kk)),
            specific_agreement=(
                Coefficient.of(o_kk / n_k) if n_k else Coefficient.undefined(CATEGORY_ABSENT)
            ),
            values=int(totals[k]),
        )
    return out


def _binary_alpha(n: int, n_k: int, o_kk: float) -> float:
    # Binary nominal alpha: 1 - (n - 1) * 2 o_10 / (2 n_1 n_0).
    if n_k == 0:
        raise UndefinedStatisticError(CATEGORY_ABSENT)
    if n_k == n:
        raise UndefinedStatisticError(ONE_CATEGORY)
    return 1.0 - (n - 1) * (n_k - o_kk) / (n_k * (n - n_k))


def observed_categories(profiles: UnitProfiles) -> int:
    """How many categories occur in the ratings, in any unit (irrCAC's ``q`` for AC1)."""
    values = profiles.codes[profiles.codes < profiles.n_categories]
    return int(np.unique(values).size)
