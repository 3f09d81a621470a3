"""All agreement figures of one label field (is_claim, source or confidence) at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy.typing as npt

from annotator.domain.agreement import coefficients as co
from annotator.domain.agreement.bootstrap import Seed, bootstrap_from_profiles
from annotator.domain.agreement.matrix import (
    as_ratings,
    check_names,
    missing_as_last,
    unit_profiles,
)
from annotator.domain.agreement.pairwise import (
    AnnotatorAgreement,
    Weights,
    all_pair_counts,
    annotator_agreement_from_pairs,
    kappa_from_counts,
    pair_key,
)
from annotator.domain.agreement.result import Coefficient, Interval, JsonValue, guarded
from annotator.domain.errors import InputError

Level = Literal["nominal", "ordinal", "interval"]
CategoryRule = Literal["observed", "offered"]


@dataclass(frozen=True)
class AC1Categories:
    """The number of categories ``q`` in AC1's chance term, and which rule gave it."""

    q: int
    rule: CategoryRule

    def to_json(self) -> JsonValue:
        return {"q": self.q, "rule": self.rule}


# The alpha metrics reported for each level of measurement: ordinal data also get the
# interval alpha, which treats the scale as equally spaced (and is what most papers report).
_ALPHA_METRICS: dict[str, tuple[co.Metric, ...]] = {
    "nominal": ("nominal",),
    "ordinal": ("ordinal", "interval"),
    "interval": ("interval",),
}


def _json_map(values: Mapping[str, Coefficient] | None) -> JsonValue:
    return None if values is None else {key: c.to_json() for key, c in values.items()}


@dataclass(frozen=True)
class FieldAgreement:
    """Agreement on one field. Every coefficient is a :class:`Coefficient` (value or reason).

    * ``units``: rows of the ratings; ``pairable_units``: units with two or more values;
      ``values``: ratings given;
    * ``alpha``: Krippendorff's alpha by metric (``nominal``; ``ordinal`` and ``interval``
      for ordinal data; ``interval`` for interval data);
    * ``cohen_kappa`` and the weighted kappas: keyed ``"A|B"`` with the names sorted; the
      weighted ones only for ordered levels (ordinal, interval), else ``None``;
    * ``per_category``: one-vs-rest agreement keyed by category label;
    * ``per_annotator``: each annotator against the others;
    * ``intervals``: bootstrap intervals keyed ``alpha_<metric>`` and ``fleiss_kappa``
      (empty without bootstrap);
    * ``ac1_categories``: the ``q`` of Gwet's AC1 chance term and the rule that gave it
      (``observed``: categories that occur in the ratings, as irrCAC counts them and Gwet's
      published figures use; ``offered``: every category annotators could choose).
    """

    level: Level
    annotators: tuple[str, ...]
    categories: tuple[str, ...]
    units: int
    pairable_units: int
    values: int
    percent_agreement: Coefficient
    alpha: Mapping[str, Coefficient]
    fleiss_kappa: Coefficient
    gwet_ac1: Coefficient
    cohen_kappa: Mapping[str, Coefficient]
    weighted_kappa_linear: Mapping[str, Coefficient] | None
    weighted_kappa_quadratic: Mapping[str, Coefficient] | None
    per_category: Mapping[str, co.CategoryAgreement]
    per_annotator: Mapping[str, AnnotatorAgreement]
    intervals: Mapping[str, Interval]
    ac1_categories: AC1Categories

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-ready: a defined coefficient is a number, an undefined one is
        ``{"value": null, "undefined": "because ..."}``; intervals are
        ``{"low", "high", "level", "resamples", "defined_resamples"}`` (+ ``"undefined"``).
        """
        return {
            "level": self.level,
            "annotators": list(self.annotators),
            "categories": list(self.categories),
            "units": self.units,
            "pairable_units": self.pairable_units,
            "values": self.values,
            "percent_agreement": self.percent_agreement.to_json(),
            "alpha": _json_map(self.alpha),
            "fleiss_kappa": self.fleiss_kappa.to_json(),
            "gwet_ac1": self.gwet_ac1.to_json(),
            "gwet_ac1_categories": self.ac1_categories.to_json(),
            "cohen_kappa": _json_map(self.cohen_kappa),
            "weighted_kappa_linear": _json_map(self.weighted_kappa_linear),
            "weighted_kappa_quadratic": _json_map(self.weighted_kappa_quadratic),
            "per_category": {k: c.to_json() for k, c in self.per_category.items()},
            "per_annotator": {k: a.to_json() for k, a in self.per_annotator.items()},
            "intervals": {k: i.to_json() for k, i in self.intervals.items()},
        }


def field_agreement(
    ratings: npt.ArrayLike,
    *,
    level: Level,
    annotators: Sequence[str],
    categories: Sequence[str],
    bootstrap: int = 0,
    seed: Seed = None,
    offered_categories: int | None = None,
) -> FieldAgreement:
    """Every agreement figure of one field.

    ``ratings`` is units × annotators of codes indexing ``categories`` (``-1`` missing);
    for ordered levels the category order is the scale order and interval distances are
    code positions (equally spaced). ``bootstrap`` resamples (0: none) give 95 % intervals
    for alpha and Fleiss' kappa; ``seed`` (int or ``numpy.random.Generator``) makes them
    reproducible. AC1 counts the categories that occur in ``ratings`` unless
    ``offered_categories`` gives how many annotators could choose from. Never raises for data
    on which a coefficient is undefined.
    """
    if level not in _ALPHA_METRICS:
        raise InputError(f"unknown level {level!r}", hint="nominal, ordinal or interval")
    names = check_names(annotators, "annotator", pair_keys=True)
    labels = check_names(categories, "category")
    q = len(labels)
    codes = missing_as_last(as_ratings(ratings, q, len(names)), q)
    profiles = unit_profiles(codes, q)
    metrics = _ALPHA_METRICS[level]

    pairs = all_pair_counts(codes, q)

    def kappas(weights: Weights | None) -> dict[str, Coefficient]:
        return {
            pair_key(names[a], names[b]): guarded(partial(kappa_from_counts, counts, weights))
            for (a, b), counts in pairs.items()
        }

    ordered = level != "nominal"
    if offered_categories is None:
        ac1_q = AC1Categories(co.observed_categories(profiles), "observed")
    else:
        ac1_q = AC1Categories(max(offered_categories, co.observed_categories(profiles)), "offered")
    return FieldAgreement(
        level=level,
        annotators=names,
        categories=labels,
        units=profiles.n_units,
        pairable_units=profiles.pairable.n_rated_units,
        values=profiles.n_values,
        percent_agreement=guarded(lambda: co.observed_agreement(profiles)),
        alpha={m: guarded(partial(co.alpha, profiles, m)) for m in metrics},
        fleiss_kappa=guarded(lambda: co.fleiss_kappa(profiles)),
        gwet_ac1=guarded(lambda: co.gwet_ac1(profiles, ac1_q.q)),
        cohen_kappa=kappas(None),
        weighted_kappa_linear=kappas("linear") if ordered else None,
        weighted_kappa_quadratic=kappas("quadratic") if ordered else None,
        per_category=co.per_category(profiles, labels),
        per_annotator=annotator_agreement_from_pairs(pairs, names),
        intervals=(bootstrap_from_profiles(profiles, metrics, bootstrap, seed) if bootstrap > 0 else {}),
        ac1_categories=ac1_q,
    )
