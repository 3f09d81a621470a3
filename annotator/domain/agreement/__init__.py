"""Inter-annotator agreement: pure numpy, no storage or UI.

Input everywhere is a ratings matrix, units × annotators, of integer category codes
(indices into the field's category list) with ``-1`` for a missing rating. Coefficients
come back as :class:`Coefficient` - a value, or the reason it is undefined ("undefined,
because only one category occurs") - never NaN, never a silent 0, never an exception for
data that merely cannot support the coefficient. ``Coefficient.require()`` raises
``UndefinedStatisticError`` for callers that want one.

Start with :func:`field_agreement`, which computes every figure of a field from one pass
over the ratings; the single-coefficient functions below are for other uses.
Definitions and sources are in the docstrings of ``coefficients``, ``pairwise`` and
``bootstrap``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy.typing as npt

from annotator.domain.agreement import coefficients as _co
from annotator.domain.agreement.bootstrap import Seed, bootstrap_intervals
from annotator.domain.agreement.coefficients import CategoryAgreement, Metric
from annotator.domain.agreement.disagreement import disagreement_scores, rank_disagreements
from annotator.domain.agreement.field import FieldAgreement, Level, field_agreement
from annotator.domain.agreement.matrix import MISSING, FloatArray, UnitProfiles, profiles_of
from annotator.domain.agreement.pairwise import (
    AnnotatorAgreement,
    GoldAgreement,
    annotator_agreement,
    cohen_kappa,
    gold_agreement,
    pair_confusion,
    pair_key,
    pooled_confusion,
)
from annotator.domain.agreement.result import Coefficient, Interval, JsonValue, guarded

__all__ = [
    "MISSING",
    "AnnotatorAgreement",
    "CategoryAgreement",
    "Coefficient",
    "FieldAgreement",
    "GoldAgreement",
    "Interval",
    "JsonValue",
    "Level",
    "Metric",
    "Seed",
    "UnitProfiles",
    "annotator_agreement",
    "bootstrap_intervals",
    "coincidence_matrix",
    "cohen_kappa",
    "disagreement_scores",
    "field_agreement",
    "fleiss_kappa",
    "gold_agreement",
    "gwet_ac1",
    "krippendorff_alpha",
    "pair_confusion",
    "pair_key",
    "per_category_agreement",
    "percent_agreement",
    "pooled_confusion",
    "profiles_of",
    "rank_disagreements",
]


def percent_agreement(ratings: npt.ArrayLike, n_categories: int) -> Coefficient:
    """Observed pairwise agreement, averaged over units with two or more values."""
    profiles = profiles_of(ratings, n_categories)
    return guarded(lambda: _co.observed_agreement(profiles))


def krippendorff_alpha(
    ratings: npt.ArrayLike,
    n_categories: int,
    metric: Metric = "nominal",
    values: Sequence[float] | None = None,
) -> Coefficient:
    """Krippendorff's alpha (nominal, ordinal or interval metric) with missing values.

    ``values`` are the numbers behind the codes for the interval metric (default: the code
    positions 0..q-1).
    """
    profiles = profiles_of(ratings, n_categories)
    return guarded(lambda: _co.alpha(profiles, metric, values))


def fleiss_kappa(ratings: npt.ArrayLike, n_categories: int) -> Coefficient:
    """Fleiss' kappa, generalised to missing ratings as in Gwet (2014)."""
    profiles = profiles_of(ratings, n_categories)
    return guarded(lambda: _co.fleiss_kappa(profiles))


def gwet_ac1(ratings: npt.ArrayLike, n_categories: int) -> Coefficient:
    """Gwet's AC1 with missing ratings; ``n_categories`` is the number of categories defined."""
    profiles = profiles_of(ratings, n_categories)
    return guarded(lambda: _co.gwet_ac1(profiles))


def coincidence_matrix(ratings: npt.ArrayLike, n_categories: int) -> FloatArray:
    """Krippendorff's coincidence matrix (q × q): value pairs within units, 1/(n_u - 1) each."""
    return _co.coincidences(profiles_of(ratings, n_categories))


def per_category_agreement(ratings: npt.ArrayLike, categories: Sequence[str]) -> dict[str, CategoryAgreement]:
    """One-vs-rest alpha and specific agreement for each category label."""
    return _co.per_category(profiles_of(ratings, len(categories)), categories)
