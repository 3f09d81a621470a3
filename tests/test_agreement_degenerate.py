"""Data on which agreement is undefined: a clear reason, never a crash, NaN or silent 0.

Also the input checks (bad codes are the caller's error, not "undefined") and the
Coefficient / Interval invariants.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from annotator.domain import agreement as ag
from annotator.domain.agreement.result import (
    CATEGORY_ABSENT,
    FEWER_THAN_TWO_ANNOTATORS,
    FEWER_THAN_TWO_CATEGORIES,
    NO_GOLD_UNIT,
    NO_PAIRABLE_UNIT,
    NO_PARTNER,
    NO_SHARED_UNIT,
    ONE_CATEGORY,
)
from annotator.domain.errors import InputError, UndefinedStatisticError

M = -1


def field(ratings: object, annotators: list[str], categories: list[str], level: str = "nominal",
          bootstrap: int = 0) -> ag.FieldAgreement:  # fmt: skip
    return ag.field_agreement(
        ratings,  # type: ignore[arg-type]
        level=level,  # type: ignore[arg-type]
        annotators=annotators,
        categories=categories,
        bootstrap=bootstrap,
        seed=0,
    )


def assert_clean_json(result: ag.FieldAgreement) -> dict[str, object]:
    """Strict JSON (no NaN), and every undefined figure says why."""
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "undefined" in node:
                assert str(node["undefined"]).startswith("because "), node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, float):
            assert math.isfinite(node)

    walk(json.loads(text))
    return data


def test_one_category_only() -> None:
    ratings = np.array([[1, 1, 1], [1, M, 1], [1, 1, M], [M, 1, 1]])
    result = field(ratings, ["a", "b", "c"], ["x", "y", "z"], level="ordinal", bootstrap=100)
    assert result.alpha["ordinal"].reason == ONE_CATEGORY
    assert result.alpha["interval"].reason == ONE_CATEGORY
    assert result.fleiss_kappa.reason == ONE_CATEGORY
    assert all(c.reason == ONE_CATEGORY for c in result.cohen_kappa.values())
    assert result.weighted_kappa_linear is not None
    assert all(c.reason == ONE_CATEGORY for c in result.weighted_kappa_linear.values())
    # Observed agreement is complete. AC1 counting the categories observed (one) cannot tell it
    # from chance; counting the three offered, chance agreement is 1/3 and AC1 is 1.
    assert result.percent_agreement.value == 1.0
    assert result.gwet_ac1.reason == ONE_CATEGORY
    offered = ag.field_agreement(
        ratings, level="ordinal", annotators=["a", "b", "c"], categories=["x", "y", "z"], offered_categories=3
    )
    assert offered.gwet_ac1.value == pytest.approx(1.0)
    assert result.per_category["y"].alpha.reason == ONE_CATEGORY
    assert result.per_category["y"].specific_agreement.value == 1.0
    assert result.per_category["x"].alpha.reason == CATEGORY_ABSENT
    assert result.intervals["alpha_ordinal"].reason == ONE_CATEGORY
    assert result.intervals["fleiss_kappa"].low is None
    data = assert_clean_json(result)
    assert data["fleiss_kappa"] == {"value": None, "undefined": "because only one category occurs"}


def test_a_single_defined_category() -> None:
    ratings = np.zeros((5, 2), dtype=int)
    result = field(ratings, ["a", "b"], ["only"])
    assert result.gwet_ac1.reason == FEWER_THAN_TWO_CATEGORIES
    assert result.alpha["nominal"].reason == ONE_CATEGORY
    assert_clean_json(result)


def test_one_annotator() -> None:
    ratings = np.array([[0], [1], [2], [1]])
    result = field(ratings, ["solo"], ["x", "y", "z"], level="ordinal", bootstrap=50)
    for coefficient in (
        result.percent_agreement,
        result.alpha["ordinal"],
        result.alpha["interval"],
        result.fleiss_kappa,
        result.gwet_ac1,
        result.per_category["x"].alpha,
        result.per_annotator["solo"].mean_kappa,
        result.per_annotator["solo"].percent_agreement,
    ):
        assert coefficient.reason == FEWER_THAN_TWO_ANNOTATORS
    assert result.cohen_kappa == {}
    assert result.intervals["fleiss_kappa"].reason == FEWER_THAN_TWO_ANNOTATORS
    assert_clean_json(result)


def test_no_overlap_between_two_annotators() -> None:
    ratings = np.array([[0, M], [1, M], [M, 0], [M, 1]])
    result = field(ratings, ["a", "b"], ["x", "y"], level="ordinal", bootstrap=50)
    assert result.alpha["ordinal"].reason == NO_PAIRABLE_UNIT
    assert result.percent_agreement.reason == NO_PAIRABLE_UNIT
    assert result.fleiss_kappa.reason == NO_PAIRABLE_UNIT
    assert result.gwet_ac1.reason == NO_PAIRABLE_UNIT
    assert result.cohen_kappa["a|b"].reason == NO_SHARED_UNIT
    assert result.per_annotator["a"].mean_kappa.reason == NO_PARTNER
    assert result.pairable_units == 0 and result.values == 4
    assert result.per_category["x"].values == 2
    assert ag.cohen_kappa(ratings[:, 0], ratings[:, 1], 2).reason == NO_SHARED_UNIT
    assert_clean_json(result)


def test_all_missing() -> None:
    ratings = np.full((6, 3), M)
    result = field(ratings, ["a", "b", "c"], ["x", "y"], bootstrap=20)
    assert result.units == 6 and result.values == 0
    assert result.alpha["nominal"].reason == NO_PAIRABLE_UNIT
    assert result.gwet_ac1.reason == NO_PAIRABLE_UNIT
    assert result.intervals["alpha_nominal"].reason == NO_PAIRABLE_UNIT
    assert ag.rank_disagreements(ratings, 2).size == 0
    assert ag.disagreement_scores(ratings, 2).tolist() == [0.0] * 6
    assert_clean_json(result)


@pytest.mark.parametrize("empty", [[], np.empty((0, 2), dtype=int)], ids=["list", "array"])
def test_empty_input(empty: object) -> None:
    result = field(empty, ["a", "b"], ["x", "y"], level="ordinal", bootstrap=10)
    assert result.units == 0
    assert result.alpha["ordinal"].reason == NO_PAIRABLE_UNIT
    assert result.per_annotator["a"].percent_agreement.reason == NO_PARTNER
    assert_clean_json(result)
    nobody = field([], [], ["x", "y"])
    assert nobody.alpha["nominal"].reason == FEWER_THAN_TWO_ANNOTATORS
    assert ag.krippendorff_alpha([], 2).reason == FEWER_THAN_TWO_ANNOTATORS
    assert ag.pooled_confusion(np.empty((0, 2), dtype=int), 2).tolist() == [[0, 0], [0, 0]]


def test_no_categories_at_all() -> None:
    result = field(np.full((3, 2), M), ["a", "b"], [])
    assert result.alpha["nominal"].reason == NO_PAIRABLE_UNIT
    assert result.per_category == {}
    assert_clean_json(result)


def test_gold_without_shared_units() -> None:
    ratings = np.array([[0, 1], [1, M], [M, M]])
    gold = np.array([M, M, 1])
    result = ag.gold_agreement(ratings, gold, ["a", "b"], 2)
    assert result["a"].kappa.reason == NO_GOLD_UNIT
    assert result["a"].accuracy.reason == NO_GOLD_UNIT
    assert result["a"].units == 0


def test_tiny_data_bootstrap_reports_too_few_defined_resamples() -> None:
    # Two units: half the resamples repeat one unit and see a single category.
    ratings = np.array([[0, 0], [1, 1]])
    interval = ag.bootstrap_intervals(ratings, 2, resamples=500, seed=3)["alpha_nominal"]
    assert interval.reason is not None and "resamples gave a value" in interval.reason
    assert interval.low is None and interval.defined_resamples < 500
    assert json.dumps(interval.to_json(), allow_nan=False)


def test_rated_singletons_do_not_disturb_pairable_units() -> None:
    # Units with one value count for Gwet's category shares, never for agreement.
    ratings = np.array([[0, 0], [1, 1], [0, 1], [1, M], [M, 0]])
    assert ag.krippendorff_alpha(ratings, 2) == ag.krippendorff_alpha(ratings[:3], 2)
    assert ag.percent_agreement(ratings, 2).value == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        (np.array([[0, 3]]), "outside -1..2"),
        (np.array([[0, -2]]), "outside -1..2"),
        (np.array([[0.0, 1.0]]), "must be integers"),
        (np.array([0, 1, 2]), "units × annotators"),
        (np.array([[0, 1, 2]]), "3 annotator column(s) but 2"),
    ],
)
def test_bad_input_is_an_input_error(ratings: np.ndarray, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        field(ratings, ["a", "b"], ["x", "y", "z"])


def test_bad_names_and_arguments() -> None:
    with pytest.raises(InputError, match="unique"):
        field(np.zeros((2, 2), int), ["a", "a"], ["x"])
    with pytest.raises(InputError, match=r"'\|'"):
        field(np.zeros((2, 2), int), ["a|b", "c"], ["x"])
    with pytest.raises(InputError, match="unique"):
        field(np.zeros((2, 2), int), ["a", "b"], ["x", "x"])
    with pytest.raises(InputError, match="level"):
        field(np.zeros((2, 2), int), ["a", "b"], ["x"], level="ratio")
    with pytest.raises(InputError, match="resamples"):
        ag.bootstrap_intervals(np.zeros((2, 2), int), 1, resamples=0)
    with pytest.raises(InputError, match="differ in length"):
        ag.cohen_kappa([0, 1], [0], 2)
    with pytest.raises(InputError, match="gold vector"):
        ag.gold_agreement(np.zeros((2, 2), int), [0], ["a", "b"], 1)


def test_coefficient_invariants() -> None:
    with pytest.raises(ValueError):
        ag.Coefficient(float("nan"))
    with pytest.raises(ValueError):
        ag.Coefficient(None)
    with pytest.raises(ValueError):
        ag.Coefficient(0.5, "undefined, because both")
    undefined = ag.Coefficient.undefined(ONE_CATEGORY)
    with pytest.raises(UndefinedStatisticError, match="only one category occurs"):
        undefined.require()
    assert undefined.to_json() == {"value": None, "undefined": "because only one category occurs"}
    assert ag.Coefficient.of(np.float64(0.25)).to_json() == 0.25
    assert type(ag.Coefficient.of(np.float64(0.25)).value) is float
