"""Agreement maths on seeded random data (with missing ratings) against other implementations.

References: ``krippendorff.alpha`` (nominal, ordinal, interval), scikit-learn's
``cohen_kappa_score`` (plain, linear, quadratic) and ``confusion_matrix``, statsmodels'
``fleiss_kappa`` (complete data), and brute-force loops written from the definitions for
what no package computes the same way (Gwet's generalised Fleiss' kappa and AC1 with missing
ratings, percent agreement, coincidences, per-unit disagreement). The shapes are chosen so
that every profile encoding in ``matrix.unit_profiles`` is exercised.
"""

from __future__ import annotations

import itertools
import json

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.domain import agreement as ag

# (units, annotators, categories): additive keys; ranks of sorted codes by bincount; ranks
# by np.unique; too many annotators × categories for an int64 key (one profile per unit).
SHAPES = [(200, 2, 2), (300, 3, 5), (300, 5, 12), (300, 4, 100), (150, 14, 30), (100, 20, 100)]
SHAPE_IDS = ["additive-2x2", "additive-3x5", "rank-bincount-5x12", "rank-unique-4x100",
             "rank-unique-14x30", "per-unit-20x100"]  # fmt: skip


def make(units: int, annotators: int, q: int, seed: int, missing: float = 0.3) -> np.ndarray:
    """Annotators agreeing with a hidden truth 60 % of the time, ``missing`` left out."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, q, size=(units, 1))
    noise = rng.integers(0, q, size=(units, annotators))
    ratings = np.where(rng.random((units, annotators)) < 0.6, truth, noise)
    ratings[rng.random((units, annotators)) < missing] = -1
    return ratings


def their_alpha(ratings: np.ndarray, q: int, metric: str) -> float:
    data = np.where(ratings < 0, np.nan, ratings.astype(float)).T
    return float(
        krippendorff.alpha(reliability_data=data, level_of_measurement=metric, value_domain=list(range(q)))
    )


def units_of(ratings: np.ndarray) -> list[list[int]]:
    return [[int(v) for v in row if v >= 0] for row in ratings]


def brute_gwet(ratings: np.ndarray, q: int) -> tuple[float, float, float]:
    """Percent agreement, Fleiss' kappa and AC1 as written in Gwet (2014), with loops."""
    units = [u for u in units_of(ratings) if u]
    pairable = [u for u in units if len(u) >= 2]
    pa = sum(
        sum(u.count(k) * (u.count(k) - 1) for k in range(q)) / (len(u) * (len(u) - 1)) for u in pairable
    ) / len(pairable)
    pi = [sum(u.count(k) / len(u) for u in units) / len(units) for k in range(q)]
    pe_fleiss = sum(p * p for p in pi)
    pe_ac1 = sum(p * (1 - p) for p in pi) / (q - 1)
    return pa, (pa - pe_fleiss) / (1 - pe_fleiss), (pa - pe_ac1) / (1 - pe_ac1)


@pytest.mark.parametrize(("units", "m", "q"), SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("metric", ["nominal", "ordinal", "interval"])
def test_alpha_matches_krippendorff_package(units: int, m: int, q: int, metric: str) -> None:
    for seed in range(3):
        ratings = make(units, m, q, seed)
        ours = ag.krippendorff_alpha(ratings, q, metric).require()  # type: ignore[arg-type]
        assert ours == pytest.approx(their_alpha(ratings, q, metric), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("units", "m", "q"), SHAPES, ids=SHAPE_IDS)
def test_gwet_coefficients_match_brute_force(units: int, m: int, q: int) -> None:
    ratings = make(units, m, q, seed=11)
    pa, kappa, ac1 = brute_gwet(ratings, q)
    assert ag.percent_agreement(ratings, q).require() == pytest.approx(pa, rel=1e-12)
    assert ag.fleiss_kappa(ratings, q).require() == pytest.approx(kappa, rel=1e-12)
    assert ag.gwet_ac1(ratings, q).require() == pytest.approx(ac1, rel=1e-12)


@pytest.mark.parametrize(("units", "m", "q"), [(500, 3, 4), (400, 6, 2), (200, 4, 7)])
def test_fleiss_matches_statsmodels_on_complete_data(units: int, m: int, q: int) -> None:
    ratings = make(units, m, q, seed=5, missing=0.0)
    table, _ = aggregate_raters(ratings, n_cat=q)
    expected = sm_fleiss_kappa(table, method="fleiss")
    assert ag.fleiss_kappa(ratings, q).require() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize(("units", "q"), [(400, 2), (400, 5), (400, 13), (3000, 300)])
def test_cohen_kappa_matches_sklearn(units: int, q: int, weights: str | None) -> None:
    # q = 300 takes the margins-only path instead of a confusion matrix.
    ratings = make(units, 2, q, seed=q)
    first, second = ratings[:, 0], ratings[:, 1]
    both = (first >= 0) & (second >= 0)
    expected = cohen_kappa_score(first[both], second[both], labels=list(range(q)), weights=weights)
    ours = ag.cohen_kappa(first, second, q, weights=weights).require()  # type: ignore[arg-type]
    assert ours == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_field_agreement_pairs_match_sklearn() -> None:
    q, names = 5, ["cleo", "ada", "bo", "dee"]
    ratings = make(600, 4, q, seed=3)
    result = ag.field_agreement(ratings, level="ordinal", annotators=names, categories=list("12345"))
    for a, b in itertools.combinations(range(4), 2):
        both = (ratings[:, a] >= 0) & (ratings[:, b] >= 0)
        key = "|".join(sorted((names[a], names[b])))
        for weights, got in (
            (None, result.cohen_kappa),
            ("linear", result.weighted_kappa_linear),
            ("quadratic", result.weighted_kappa_quadratic),
        ):
            assert got is not None
            expected = cohen_kappa_score(
                ratings[both, a], ratings[both, b], labels=list(range(q)), weights=weights
            )
            assert got[key].require() == pytest.approx(expected, rel=1e-9)
    assert result.alpha["ordinal"].require() == pytest.approx(their_alpha(ratings, q, "ordinal"))
    assert result.alpha["interval"].require() == pytest.approx(their_alpha(ratings, q, "interval"))
    assert result.units == 600
    assert result.values == int((ratings >= 0).sum())
    assert result.pairable_units == int(((ratings >= 0).sum(axis=1) >= 2).sum())


def test_confusion_matrices_match_sklearn() -> None:
    q = 6
    ratings = make(500, 3, q, seed=8)
    pooled = np.zeros((q, q), dtype=np.int64)
    for a, b in itertools.permutations(range(3), 2):
        both = (ratings[:, a] >= 0) & (ratings[:, b] >= 0)
        expected = confusion_matrix(ratings[both, a], ratings[both, b], labels=list(range(q)))
        assert np.array_equal(ag.pair_confusion(ratings[:, a], ratings[:, b], q), expected)
        pooled += expected
    assert np.array_equal(ag.pooled_confusion(ratings, q), pooled)


@pytest.mark.parametrize(("units", "m", "q"), SHAPES[:4], ids=SHAPE_IDS[:4])
def test_coincidence_matrix_matches_definition(units: int, m: int, q: int) -> None:
    ratings = make(units, m, q, seed=21)
    expected = np.zeros((q, q))
    for values in units_of(ratings):
        if len(values) < 2:
            continue
        for i, j in itertools.permutations(range(len(values)), 2):
            expected[values[i], values[j]] += 1.0 / (len(values) - 1)
    assert np.allclose(ag.coincidence_matrix(ratings, q), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("units", "m", "q"), [(300, 3, 4), (300, 5, 12)])
def test_per_category_alpha_is_alpha_of_binary_recoding(units: int, m: int, q: int) -> None:
    ratings = make(units, m, q, seed=13)
    labels = [f"source-{k}" for k in range(q)]
    result = ag.per_category_agreement(ratings, labels)
    for k, label in enumerate(labels):
        binary = np.where(ratings < 0, -1, (ratings == k).astype(int))
        expected = their_alpha(binary, 2, "nominal")
        assert result[label].alpha.require() == pytest.approx(expected, rel=1e-9)
        assert result[label].values == int((ratings == k).sum())


def test_annotator_and_gold_agreement_match_sklearn() -> None:
    q, names = 4, ["a", "b", "c"]
    ratings = make(400, 3, q, seed=17)
    gold = make(400, 1, q, seed=18, missing=0.5)[:, 0]
    per_annotator = ag.annotator_agreement(ratings, names, q)
    versus_gold = ag.gold_agreement(ratings, gold, names, q)
    for a, name in enumerate(names):
        kappas, agree, shared = [], 0, 0
        for b in range(3):
            if b == a:
                continue
            both = (ratings[:, a] >= 0) & (ratings[:, b] >= 0)
            kappas.append(cohen_kappa_score(ratings[both, a], ratings[both, b]))
            agree += int((ratings[both, a] == ratings[both, b]).sum())
            shared += int(both.sum())
        assert per_annotator[name].mean_kappa.require() == pytest.approx(np.mean(kappas))
        assert per_annotator[name].percent_agreement.require() == pytest.approx(agree / shared)
        assert per_annotator[name].shared_units == shared
        both = (ratings[:, a] >= 0) & (gold >= 0)
        assert versus_gold[name].units == int(both.sum())
        assert versus_gold[name].kappa.require() == pytest.approx(
            cohen_kappa_score(ratings[both, a], gold[both])
        )
        assert versus_gold[name].accuracy.require() == pytest.approx(
            float((ratings[both, a] == gold[both]).mean())
        )


def test_disagreement_scores_and_ranking_match_definition() -> None:
    q = 5
    ratings = make(300, 4, q, seed=23)
    units = units_of(ratings)
    nominal, interval = [], []
    for values in units:
        pairs = list(itertools.combinations(values, 2))
        nominal.append(sum(a != b for a, b in pairs) / len(pairs) if pairs else 0.0)
        gaps = [(a - b) ** 2 / (q - 1) ** 2 for a, b in pairs]
        interval.append(sum(gaps) / len(gaps) if gaps else 0.0)
    assert np.allclose(ag.disagreement_scores(ratings, q), nominal)
    assert np.allclose(ag.disagreement_scores(ratings, q, "interval"), interval)
    expected = sorted(
        (i for i, values in enumerate(units) if len(values) >= 2),
        key=lambda i: (-round(nominal[i], 12), -len(units[i]), i),
    )
    assert ag.rank_disagreements(ratings, q).tolist() == expected
    assert ag.rank_disagreements(ratings, q, limit=5).tolist() == expected[:5]


def test_bootstrap_is_reproducible_with_a_seed() -> None:
    ratings = make(300, 3, 5, seed=1)
    metrics = ("ordinal", "interval")
    first = ag.bootstrap_intervals(ratings, 5, metrics=metrics, resamples=300, seed=42)
    again = ag.bootstrap_intervals(ratings, 5, metrics=metrics, resamples=300, seed=42)
    generator = ag.bootstrap_intervals(
        ratings, 5, metrics=metrics, resamples=300, seed=np.random.default_rng(42)
    )
    other = ag.bootstrap_intervals(ratings, 5, metrics=metrics, resamples=300, seed=43)
    assert first == again == generator
    assert first != other
    assert set(first) == {"alpha_ordinal", "alpha_interval", "fleiss_kappa"}


@pytest.mark.parametrize(("units", "m", "q"), [(300, 3, 5), (400, 4, 40)])
def test_bootstrap_interval_contains_the_estimate(units: int, m: int, q: int) -> None:
    ratings = make(units, m, q, seed=2)
    result = ag.field_agreement(
        ratings, level="ordinal", annotators=[f"a{j}" for j in range(m)],
        categories=[str(k) for k in range(q)], bootstrap=1000, seed=7,
    )  # fmt: skip
    for key, point in (
        ("alpha_ordinal", result.alpha["ordinal"]),
        ("alpha_interval", result.alpha["interval"]),
        ("fleiss_kappa", result.fleiss_kappa),
    ):
        interval = result.intervals[key]
        assert interval.defined and interval.defined_resamples == 1000
        assert interval.contains(point.require())
        assert interval.low is not None and interval.high is not None
        assert 0.01 < interval.high - interval.low < 0.5


def test_bootstrap_matches_resampling_the_units() -> None:
    """The multinomial draw over profiles is the case bootstrap: compare with the naive one."""
    q = 4
    ratings = make(250, 3, q, seed=9)
    ours = ag.bootstrap_intervals(ratings, q, metrics=("nominal",), resamples=4000, seed=1)
    rng = np.random.default_rng(2)
    naive_alpha, naive_kappa = [], []
    for _ in range(4000):
        sample = ratings[rng.integers(0, len(ratings), size=len(ratings))]
        naive_alpha.append(ag.krippendorff_alpha(sample, q).require())
        naive_kappa.append(ag.fleiss_kappa(sample, q).require())
    for key, naive in (("alpha_nominal", naive_alpha), ("fleiss_kappa", naive_kappa)):
        low, high = np.quantile(naive, [0.025, 0.975])
        assert ours[key].low == pytest.approx(low, abs=0.01)
        assert ours[key].high == pytest.approx(high, abs=0.01)


def test_field_agreement_to_dict_is_strict_json() -> None:
    ratings = make(200, 3, 4, seed=4)
    result = ag.field_agreement(
        ratings, level="nominal", annotators=["x", "y", "z"], categories=list("abcd"),
        bootstrap=200, seed=0,
    )  # fmt: skip
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["alpha"] == {"nominal": result.alpha["nominal"].value}
    assert data["weighted_kappa_linear"] is None
    assert set(data["cohen_kappa"]) == {"x|y", "x|z", "y|z"}  # type: ignore[arg-type]
    assert set(data["intervals"]) == {"alpha_nominal", "fleiss_kappa"}  # type: ignore[arg-type]
