"""Bootstrap confidence intervals for Krippendorff's alpha and Fleiss' kappa.

Units are resampled with replacement (the case bootstrap: the units are the sample, the
annotators stay fixed). Every coefficient depends on a unit only through its profile, so a
resample of ``n`` units is a multinomial draw of profile frequencies with probabilities
``weights / n`` - exactly the distribution of resampling the units themselves - and each
coefficient of a resample is a handful of weighted sums over profiles: one matrix product
per batch of resamples. The cost is O(resamples × distinct profiles), not
O(resamples × units).

The interval is the percentile interval of the resamples on which the coefficient is
defined; when fewer than 90 % of them are, it is reported undefined rather than drawn from
a biased subset.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import numpy.typing as npt

from annotator.domain.agreement import coefficients as co
from annotator.domain.agreement.matrix import FloatArray, IntArray, UnitProfiles, profiles_of
from annotator.domain.agreement.result import Interval, guarded
from annotator.domain.errors import InputError

Seed = int | np.random.Generator | None
BoolArray = npt.NDArray[np.bool_]

MIN_DEFINED_SHARE = 0.9
# Upper bound on the elements of one batch (resamples × profiles or × sparse entries).
_BATCH_ELEMENTS = 1 << 22


def _percentile(draws: FloatArray, defined: BoolArray, level: float, resamples: int) -> Interval:
    count = int(defined.sum())
    if count < MIN_DEFINED_SHARE * resamples:
        return Interval(
            None,
            None,
            level,
            resamples,
            count,
            reason=f"undefined, because only {count} of {resamples} resamples gave a value "
            "(too few units, or too little variation)",
        )
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(draws[defined], [tail, 1.0 - tail])
    return Interval(float(low), float(high), level, resamples, count)


class _Sparse:
    """A profiles × columns matrix with few entries per profile, multiplied from the left.

    ``weights @ matrix`` for a batch of resample weights is a gather of the entries' rows,
    a product with their values, and a segmented sum per column - O(batch × entries)
    instead of O(batch × profiles × columns) for a dense product with many categories.
    """

    def __init__(self, rows: IntArray, columns: IntArray, values: FloatArray, width: int) -> None:
        order = np.argsort(columns, kind="stable")
        self.rows = rows[order]
        self.values = values[order]
        self.present, self.starts = np.unique(columns[order], return_index=True)
        self.width = width

    @property
    def entries(self) -> int:
        return int(self.rows.size)

    def left_multiply(self, weights_t: FloatArray) -> FloatArray:
        """``weights @ matrix`` given ``weights_t = weights.T`` (profiles × batch, C order).

        Gathering whole rows of the transposed weights copies contiguous memory, which is
        several times faster than gathering columns.
        """
        out = np.zeros((self.width, weights_t.shape[1]), dtype=np.float64)
        if self.rows.size:
            products = weights_t[self.rows] * self.values[:, None]
            out[self.present] = np.add.reduceat(products, self.starts, axis=0)
        return np.ascontiguousarray(out.T)


def _squared_gap(v: FloatArray, first: IntArray, second: IntArray) -> FloatArray:
    return np.asarray((v[first] - v[second]) ** 2, dtype=np.float64)


class _Features:
    """Per-profile quantities whose weighted sums give each coefficient of a resample."""

    def __init__(self, profiles: UnitProfiles, values: Sequence[float] | None) -> None:
        q = profiles.n_categories
        codes = profiles.codes
        sizes = profiles.sizes.astype(np.float64)
        pair = sizes >= 2
        self.unit_scale = np.where(pair, 1.0 / np.maximum(sizes - 1.0, 1.0), 0.0)
        self.pairable = pair.astype(np.float64)
        self.unit_agreement = co.unit_agreement(profiles)
        # One entry per value: (profile, category).
        value_row, value_column = np.nonzero(codes < q)
        value_code = codes[value_row, value_column]
        ones = np.ones(value_row.size)
        keep = pair[value_row]
        self.pairable_counts = _Sparse(value_row[keep], value_code[keep], ones[keep], q)
        self.shares = _Sparse(value_row, value_code, 1.0 / sizes[value_row], q)
        # Alpha's sum_ck o_ck delta_ck per profile, for nominal and interval.
        self.nominal_observed = self.unit_scale * (sizes * (sizes - 1.0) - 2.0 * profiles.agreeing_pairs)
        self.values = co.interval_values(q, values)
        gaps = co.pair_sums(profiles, partial(_squared_gap, self.values))
        self.interval_observed = self.unit_scale * 2.0 * gaps
        self.profiles = profiles

    def ordinal_pairs(self) -> tuple[_Sparse, IntArray, IntArray]:
        """Coincidences of each occurring value pair type ``(c, k)``, ``c <= k``, per profile.

        The ordinal distance depends on the resample's margins, so alpha's observed
        disagreement is evaluated per resample on the pair types.
        """
        q = self.profiles.n_categories
        rows, keys, weights = [], [], []
        for first, second, both in self.profiles.value_pairs():
            row = np.flatnonzero(both)
            rows.append(row)
            keys.append(first[both] * q + second[both])
            weights.append(2.0 * self.unit_scale[row])
        types, type_of = np.unique(np.concatenate(keys), return_inverse=True)
        matrix = _Sparse(np.concatenate(rows), type_of.astype(np.int64), np.concatenate(weights), types.size)
        low = np.asarray(types // q, dtype=np.int64)
        return matrix, low, np.asarray(types % q, dtype=np.int64)


def _alpha_draws(
    features: _Features,
    weights: FloatArray,
    weights_t: FloatArray,
    margins: FloatArray,
    metric: co.Metric,
    ordinal: tuple[_Sparse, IntArray, IntArray] | None,
) -> tuple[FloatArray, BoolArray]:
    n = margins.sum(axis=1)
    defined = (n > 0) & (np.count_nonzero(margins, axis=1) >= 2)
    if metric == "nominal":
        observed = weights @ features.nominal_observed
        expected = n * n - (margins * margins).sum(axis=1)
    else:
        if metric == "interval":
            v = np.broadcast_to(features.values, margins.shape)
            observed = weights @ features.interval_observed
        else:
            assert ordinal is not None
            pairs, low, high = ordinal
            v = co.mid_ranks(margins)
            gaps = (np.take(v, low, axis=1) - np.take(v, high, axis=1)) ** 2
            observed = (pairs.left_multiply(weights_t) * gaps).sum(axis=1)
        first = (margins * v).sum(axis=1)
        expected = 2.0 * (n * (margins * v * v).sum(axis=1) - first * first)
    defined &= expected > 0
    safe = np.where(defined, expected, 1.0)
    return 1.0 - (n - 1.0) * observed / safe, defined


def _fleiss_draws(
    features: _Features, weights: FloatArray, weights_t: FloatArray, n_units: int
) -> tuple[FloatArray, BoolArray]:
    pairable = weights @ features.pairable
    pi = features.shares.left_multiply(weights_t) / n_units
    pe = (pi * pi).sum(axis=1)
    defined = (pairable > 0) & (np.count_nonzero(pi, axis=1) >= 2)
    pa = (weights @ features.unit_agreement) / np.where(pairable > 0, pairable, 1.0)
    return (pa - pe) / np.where(defined, 1.0 - pe, 1.0), defined


def bootstrap_from_profiles(
    profiles: UnitProfiles,
    metrics: Sequence[co.Metric],
    resamples: int,
    seed: Seed = None,
    level: float = 0.95,
    values: Sequence[float] | None = None,
) -> dict[str, Interval]:
    """Intervals keyed ``alpha_<metric>`` for each metric, and ``fleiss_kappa``."""
    if resamples < 1:
        raise InputError(f"the number of bootstrap resamples must be positive, got {resamples}")
    if not 0.0 < level < 1.0:
        raise InputError(f"the confidence level must lie between 0 and 1, got {level}")
    rng = np.random.default_rng(seed)
    points = {f"alpha_{m}": guarded(partial(co.alpha, profiles, m, values)) for m in metrics}
    points["fleiss_kappa"] = guarded(partial(co.fleiss_kappa, profiles))
    out = {
        key: Interval(None, None, level, resamples, 0, reason=point.reason)
        for key, point in points.items()
        if point.reason is not None
    }
    todo = [key for key in points if key not in out]
    if not todo:
        return out

    features = _Features(profiles, values)
    ordinal = features.ordinal_pairs() if "alpha_ordinal" in todo else None
    n_units = profiles.n_rated_units
    probabilities = profiles.weights / n_units
    widest = max(
        probabilities.size,
        features.shares.entries,
        ordinal[0].entries if ordinal else 0,
        profiles.n_categories,
    )
    batch = max(1, _BATCH_ELEMENTS // max(1, widest))
    draws = {key: np.empty(resamples) for key in todo}
    defined = {key: np.zeros(resamples, dtype=bool) for key in todo}
    for start in range(0, resamples, batch):
        stop = min(resamples, start + batch)
        weights = rng.multinomial(n_units, probabilities, size=stop - start).astype(np.float64)
        weights_t = np.ascontiguousarray(weights.T)
        margins = features.pairable_counts.left_multiply(weights_t)
        for key in todo:
            if key == "fleiss_kappa":
                result = _fleiss_draws(features, weights, weights_t, n_units)
            else:
                metric = key.removeprefix("alpha_")
                assert metric in co.METRICS
                result = _alpha_draws(features, weights, weights_t, margins, metric, ordinal)
            draws[key][start:stop], defined[key][start:stop] = result
    for key in todo:
        out[key] = _percentile(draws[key], defined[key], level, resamples)
    return {key: out[key] for key in points}


def bootstrap_intervals(
    ratings: npt.ArrayLike,
    n_categories: int,
    *,
    metrics: Sequence[co.Metric] = ("nominal",),
    resamples: int = 1000,
    seed: Seed = None,
    level: float = 0.95,
    values: Sequence[float] | None = None,
) -> dict[str, Interval]:
    """Percentile bootstrap intervals for alpha (each metric) and Fleiss' kappa.

    ``seed`` is an int or a ``numpy.random.Generator``; the same seed gives the same
    intervals.
    """
    return bootstrap_from_profiles(
        profiles_of(ratings, n_categories), metrics, resamples, seed, level, values
    )
