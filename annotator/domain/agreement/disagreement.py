"""Per-unit disagreement, to send the most contested sentences to adjudication first."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from annotator.domain.agreement.matrix import (
    FloatArray,
    IndexArray,
    IntArray,
    as_ratings,
    sorted_unit_rows,
)

UnitMetric = Literal["nominal", "interval"]


def _pair_statistics(
    ratings: npt.ArrayLike, n_categories: int, metric: UnitMetric
) -> tuple[FloatArray, IntArray]:
    """Per unit: the disagreement score and the number of values."""
    q = n_categories
    rows = sorted_unit_rows(as_ratings(ratings, q), q)
    sizes = np.asarray((rows < q).sum(axis=1), dtype=np.int64)
    if metric not in ("nominal", "interval"):
        raise ValueError(f"unknown metric {metric!r}")
    # Sum over each unit's unordered value pairs: unequal pairs (nominal) or squared
    # code gaps (interval). Sorted rows put the missing cells last, so a value in
    # column j means one in column i < j as well.
    total = np.zeros(rows.shape[0], dtype=np.float64)
    m = rows.shape[1]
    for i in range(m):
        for j in range(i + 1, m):
            both = rows[:, j] < q
            gap = (rows[:, j] - rows[:, i]).astype(np.float64)
            total += np.where(both, gap != 0 if metric == "nominal" else gap * gap, 0.0)
    pairs = sizes * (sizes - 1.0) / 2.0
    widest = 1.0 if metric == "nominal" else max(1.0, float(q - 1) ** 2)
    scores = np.where(pairs > 0, total / np.where(pairs > 0, pairs, 1.0) / widest, 0.0)
    return np.asarray(scores, dtype=np.float64), sizes


def disagreement_scores(
    ratings: npt.ArrayLike, n_categories: int, metric: UnitMetric = "nominal"
) -> FloatArray:
    """Disagreement of each unit, 0 (all agree) .. 1.

    * ``nominal``: 1 - the unit's observed pairwise agreement, i.e. the share of its value
      pairs that differ;
    * ``interval``: mean squared distance between the codes of its value pairs, divided by
      the largest possible one, ``(q - 1)**2`` (for ordered scales such as confidence).

    A unit with fewer than two values has no pair that could disagree and scores 0;
    :func:`rank_disagreements` leaves such units out.
    """
    return _pair_statistics(ratings, n_categories, metric)[0]


def rank_disagreements(
    ratings: npt.ArrayLike,
    n_categories: int,
    *,
    metric: UnitMetric = "nominal",
    limit: int | None = None,
) -> IndexArray:
    """Indices of the units with two or more values, most disagreeing first.

    Ties on the score go to the unit with more values (more annotators disagree), then to
    the lower index, so the order is deterministic. ``limit`` keeps the first ``limit``.
    """
    scores, sizes = _pair_statistics(ratings, n_categories, metric)
    candidates = np.flatnonzero(sizes >= 2)
    # lexsort sorts by the last key first: score descending, then size descending, then index.
    order = np.lexsort((candidates, -sizes[candidates], -scores[candidates]))
    ranked = candidates[order]
    return np.asarray(ranked if limit is None else ranked[: max(0, limit)], dtype=np.intp)
