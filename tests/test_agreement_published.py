"""Agreement coefficients against published worked examples, to the published precision.

Each case names its source in its test id. Where the original paper or book was not at
hand, the numbers come from a reputable reimplementation's test suite that reproduces it,
and that suite is cited too:

* Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability" (Univ. of Pennsylvania):
  section C, 4 coders × 12 units with missing values: nominal 0.743; the same data as
  ordinal 0.815, interval 0.849 (also in the `krippendorff` package's tests, ordinal 0.815,
  and in irrCAC's tests, 0.743 and quadratic-weighted = interval 0.849); section B,
  2 coders × 10 binary units: 0.095 (also in Krippendorff.jl's tests).
* Fleiss (1971) "Measuring nominal scale agreement among many raters", 30 patients × 6
  psychiatrists × 5 diagnoses: kappa 0.430; R irr's `kappam.fleiss(diagnoses)` prints
  0.4302445 (data and value as in statsmodels' test_inter_rater.py).
* Wikipedia "Fleiss' kappa" worked example, 10 subjects × 14 raters × 5 categories: 0.210.
* Gwet (2014) Handbook of Inter-Rater Reliability, 4th ed.: raw ratings with missing
  values (p. 120 and related tables) and two contingency tables, with percent agreement,
  Fleiss' kappa (generalised to missing ratings), Gwet's AC1, Krippendorff's alpha and
  (weighted) Cohen's kappa to 3 decimals as reproduced by irrCAC (Gwet's R package; the
  Python port afergadis/irrCAC, test/unit/irrCAC/{raw,table}).
* Cohen's kappa, textbook 2 × 2 (Wikipedia "Cohen's kappa": 50 grant proposals,
  20/5/10/15): po = 0.70, kappa = 0.40.
* SAS PROC FREQ kappa example, 3 × 3 table: kappa 0.4842, weighted (Cicchetti-Allison =
  linear) 0.4701 (statsmodels' test_inter_rater.py).
* R irr `kappa2(anxiety[, 2:3])`: unweighted -0.006289308, "equal" (linear) 0.1459075,
  "squared" (quadratic) 0.2520325, on the levels that occur (1, 2, 3, 4, 6).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.domain.agreement import (
    cohen_kappa,
    field_agreement,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)

N = None


def codes(columns: list[list[object]], labels: list[object]) -> np.ndarray:
    """Units × raters codes from one list per rater; ``None`` is missing (-1)."""
    index = {label: k for k, label in enumerate(labels)}
    return np.array([[index[v] if v is not None else -1 for v in col] for col in columns]).T


def table_to_pairs(table: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Two raters' codes from a contingency table (rows: first rater, columns: second)."""
    first, second = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            first += [i] * count
            second += [j] * count
    return np.array(first), np.array(second)


def counts_to_ratings(table: list[list[int]]) -> np.ndarray:
    """Ratings from a subjects × categories count table (which rater said what is moot)."""
    return np.array([np.repeat(np.arange(len(row)), row) for row in table])


# Krippendorff (2011), section C: observers A-D, units 1-12, values 1-5, "." missing.
KRIPPENDORFF_C = codes(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ],
    [1, 2, 3, 4, 5],
)


@pytest.mark.parametrize(
    ("metric", "published"),
    [
        pytest.param("nominal", 0.743, id="Krippendorff2011-C-nominal-0.743"),
        pytest.param("ordinal", 0.815, id="Krippendorff2011-ordinal-0.815"),
        pytest.param("interval", 0.849, id="Krippendorff2011-interval-0.849"),
    ],
)
def test_krippendorff_2011_four_coders_missing(metric: str, published: float) -> None:
    value = krippendorff_alpha(KRIPPENDORFF_C, 5, metric).require()  # type: ignore[arg-type]
    assert round(value, 3) == published


def test_krippendorff_2011_two_coders_binary() -> None:
    """Krippendorff (2011), section B: alpha = 0.095."""
    ratings = codes([[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]], [0, 1])
    assert round(krippendorff_alpha(ratings, 2).require(), 3) == 0.095


# Fleiss (1971), as R irr's `diagnoses`: one string per patient, one digit per rater
# (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other).
FLEISS_1971 = [
    "444444", "222555", "233335", "555555", "222444", "113333", "333355", "113334",
    "114444", "555555", "144444", "124444", "222333", "144444", "224445", "333335",
    "111455", "111112", "224444", "133555", "555555", "244444", "224555", "114444",
    "144445", "222224", "111155", "224444", "133333", "555555",
]  # fmt: skip


def test_fleiss_1971_psychiatric_diagnoses() -> None:
    ratings = np.array([[int(c) - 1 for c in row] for row in FLEISS_1971])
    assert ratings.shape == (30, 6)
    value = fleiss_kappa(ratings, 5).require()
    assert round(value, 3) == 0.430  # Fleiss (1971)
    assert value == pytest.approx(0.4302445, abs=5e-8)  # R irr kappam.fleiss


def test_wikipedia_fleiss_kappa_example() -> None:
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    assert round(fleiss_kappa(counts_to_ratings(table), 5).require(), 3) == 0.210


# Gwet (2014) raw-ratings examples (irrCAC datasets), with irrCAC's published figures:
# percent agreement, Fleiss' kappa, Gwet's AC1, Krippendorff's alpha (nominal).
GWET_RAW = {
    "Gwet2014-p120-raw4raters": (
        codes(
            [
                [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
                [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, N],
                [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
                [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
            ],
            [1, 2, 3, 4, 5],
        ),
        5,
        (0.818, 0.761, 0.775, 0.743),
    ),
    "Gwet2014-p125-raw5observers": (
        codes(
            [
                [1, 1, 2, N, 0, 0, 1, 1, 2, 2, N, 0, 1, 3, 1],
                [1, 1, 3, 0, 0, 0, 0, N, 2, 1, 1, 0, 2, 3, 1],
                [2, 0, 3, 0, 0, 0, 2, 2, 2, 1, 0, 0, 2, 2, 1],
                [N, 1, 3, N, N, N, N, 0, N, 1, 0, 0, 2, 2, N],
                [2, N, N, 0, 0, 0, 1, N, 2, N, N, N, N, 3, 1],
            ],
            [0, 1, 2, 3],
        ),
        4,
        (0.616, 0.458, 0.497, 0.481),
    ),
    "Gwet2014-raw-gender": (
        codes(
            [
                list("aaaaabbbcaaaaab"),
                list("aaaababccaaaaba"),
                list("abbcaabbcabbcaa"),
                list("ccccaabbcccccaa"),
            ],
            list("abc"),
        ),
        3,
        (0.456, 0.129, 0.208, 0.143),
    ),
    "Gwet2014-raw-g1g2": (
        codes(
            [
                ["a", "b", "c", "c", "b", "a", "d", "a", "b", N, N, N, "b", "b"],
                ["a", "b", "c", "c", "b", "b", "d", "a", "b", "e", N, N, "b", "a"],
                [N, "c", "c", "c", "b", "c", "d", "b", "b", "e", "a", "c", "c", "c"],
                ["a", "b", "c", "c", "b", "d", "d", "a", "b", "e", "a", N, "b", "b"],
            ],
            list("abcde"),
        ),
        5,
        (0.744, 0.657, 0.685, 0.632),
    ),
    "Gwet2014-raw-ben-gerry": (
        codes(
            [
                list("aabbdcccedda"),
                ["b", "a", "b", "b", "b", "c", "c", "c", "e", N, "d", "d"],
            ],
            list("abcde"),
        ),
        5,
        (0.727, 0.649, 0.661, 0.665),
    ),
}


@pytest.mark.parametrize(("ratings", "q", "published"), GWET_RAW.values(), ids=GWET_RAW.keys())
def test_gwet_2014_raw_ratings(
    ratings: np.ndarray, q: int, published: tuple[float, float, float, float]
) -> None:
    pa, kappa, ac1, alpha = published
    assert round(percent_agreement(ratings, q).require(), 3) == pa
    assert round(fleiss_kappa(ratings, q).require(), 3) == kappa
    assert round(gwet_ac1(ratings, q).require(), 3) == ac1
    assert round(krippendorff_alpha(ratings, q).require(), 3) == alpha


# Two-rater contingency tables: (table, kappa, linear, quadratic, AC1); None = not published.
TABLES = {
    "Cohen-textbook-2x2-Wikipedia": ([[20, 5], [10, 15]], 0.40, None, None, None),
    "SAS-PROC-FREQ-3x3": ([[0, 4, 1], [0, 8, 0], [0, 1, 5]], 0.4842, 0.4701, None, None),
    "Gwet2014-cont3x3abstractors": ([[13, 0, 0], [0, 20, 7], [0, 4, 56]], 0.796, 0.843, 0.892, 0.849),
    "Gwet2014-cont4x4diagnosis": (
        [[40, 4, 4, 17], [6, 25, 2, 13], [4, 1, 21, 12], [15, 5, 9, 45]],
        0.432,
        0.407,
        0.383,
        0.456,
    ),
}


def _decimals(value: float) -> int:
    return len(repr(value).split(".")[1])


@pytest.mark.parametrize(("table", "kappa", "linear", "quadratic", "ac1"), TABLES.values(), ids=TABLES.keys())
def test_two_rater_tables(
    table: list[list[int]],
    kappa: float,
    linear: float | None,
    quadratic: float | None,
    ac1: float | None,
) -> None:
    first, second = table_to_pairs(table)
    q = len(table)
    ours = cohen_kappa(first, second, q).require()
    assert round(ours, _decimals(kappa)) == kappa
    if linear is not None:
        value = cohen_kappa(first, second, q, weights="linear").require()
        assert round(value, _decimals(linear)) == linear
    if quadratic is not None:
        value = cohen_kappa(first, second, q, weights="quadratic").require()
        assert round(value, _decimals(quadratic)) == quadratic
    if ac1 is not None:
        assert round(gwet_ac1(np.stack([first, second], 1), q).require(), 3) == ac1


def test_cohen_textbook_observed_agreement() -> None:
    first, second = table_to_pairs([[20, 5], [10, 15]])
    assert percent_agreement(np.stack([first, second], 1), 2).require() == pytest.approx(0.70)


# R irr, kappa2(anxiety[, 2:3]); irr uses the levels that occur, 1 2 3 4 6, as positions.
ANXIETY_RATER2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
ANXIETY_RATER3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]


@pytest.mark.parametrize(
    ("weights", "published"),
    [
        pytest.param(None, -0.006289308, id="R-irr-kappa2-anxiety-unweighted"),
        pytest.param("linear", 0.1459075, id="R-irr-kappa2-anxiety-equal"),
        pytest.param("quadratic", 0.2520325, id="R-irr-kappa2-anxiety-squared"),
    ],
)
def test_r_irr_anxiety_weighted_kappa(weights: str | None, published: float) -> None:
    ratings = codes([ANXIETY_RATER2, ANXIETY_RATER3], [1, 2, 3, 4, 6])
    first, second = ratings[:, 0], ratings[:, 1]
    value = cohen_kappa(first, second, 5, weights=weights).require()  # type: ignore[arg-type]
    assert value == pytest.approx(published, abs=5e-7 if weights else 5e-10)


def test_field_agreement_reproduces_krippendorff_2011() -> None:
    result = field_agreement(
        KRIPPENDORFF_C, level="ordinal", annotators=list("ABCD"), categories=list("12345")
    )
    assert round(result.alpha["ordinal"].require(), 3) == 0.815
    assert round(result.alpha["interval"].require(), 3) == 0.849
    assert round(result.fleiss_kappa.require(), 3) == 0.761  # Gwet (2014), same data
    assert round(result.gwet_ac1.require(), 3) == 0.775
    assert round(result.percent_agreement.require(), 3) == 0.818


# --- end to end: Gwet's datasets through import-labels and `annotator agreement --json` ---------
# Each rater is an annotator, each category a source key; every label is a claim with that source.
# AC1's q is then the number of categories observed (irrCAC's rule, which Gwet's figures use):
# before, "not a claim" and "unattributed" were counted although nobody used them (0.8728 for
# the abstractors' 0.8493, 0.7918 for the four raters' 0.7754, 0.4854 for the six raters' 0.4448).

END_TO_END = {
    **{name: (ratings, ac1) for name, (ratings, _q, (_pa, _k, ac1, _a)) in GWET_RAW.items()},
    "Gwet2014-cont3x3abstractors": (
        np.stack(table_to_pairs(TABLES["Gwet2014-cont3x3abstractors"][0]), 1),
        0.849,
    ),
    "Gwet2014-cont4x4diagnosis": (np.stack(table_to_pairs(TABLES["Gwet2014-cont4x4diagnosis"][0]), 1), 0.456),
}
# irrCAC's distrib.6raters (Gwet 2014; the README of Gwet's R package, kgwet/irrCAC, prints
# gwet.ac1.dist(distrib.6raters) = 0.4448007, q = 5): six psychiatrists put each of 15 patients
# in one of five categories; a row counts the raters per category. Which rater said what does not
# matter to a multi-rater AC1, so each row becomes raters 0-5 in category order. Before the q fix
# this came out 0.4854.
DISTRIB_6RATERS = [
    [0, 0, 0, 6, 0],
    [0, 3, 0, 0, 3],
    [0, 1, 4, 0, 1],
    [0, 0, 0, 0, 6],
    [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0],
    [0, 0, 4, 0, 2],
    [2, 0, 3, 1, 0],
    [2, 0, 0, 4, 0],
    [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0],
    [1, 1, 0, 4, 0],
    [0, 3, 3, 0, 0],
    [1, 0, 0, 5, 0],
    [0, 2, 0, 3, 1],
]
END_TO_END["irrCAC-distrib-6raters"] = (
    np.array([[c for c, n in enumerate(row) for _ in range(n)] for row in DISTRIB_6RATERS]),
    0.445,
)
FOUR_DECIMALS = {
    "Gwet2014-cont3x3abstractors": 0.8493,
    "Gwet2014-p120-raw4raters": 0.7754,
    "irrCAC-distrib-6raters": 0.4448,
}


def _labels_jsonl(ratings: np.ndarray) -> bytes:
    lines = []
    for unit, row in enumerate(ratings):
        sentence = f"Unit {unit}."
        for rater, code in enumerate(row):
            if code < 0:
                continue
            record = {
                "document_id": "gwet",
                "sentence_index": unit,
                "text": sentence,
                "char_start": unit * 20,
                "char_end": unit * 20 + len(sentence),
                "annotator": f"rater{rater}",
                "is_claim": True,
                "source": f"c{code}",
                "confidence": None,
            }
            lines.append(orjson.dumps(record))
    return b"\n".join(lines) + b"\n"


def _agreement_json(tmp_path: Path, ratings: np.ndarray, *extra: str) -> dict[str, Any]:
    labels = tmp_path / "labels.jsonl"
    labels.write_bytes(_labels_jsonl(ratings))
    db = ["--db", f"sqlite:///{tmp_path / 'gwet.db'}"]
    imported = CliRunner().invoke(cli, [*db, "import-labels", str(labels)])
    assert imported.exit_code == 0, imported.output
    result = CliRunner().invoke(cli, [*db, "agreement", "--json", "--bootstrap", "0", *extra])
    assert result.exit_code == 0, result.output
    return dict(orjson.loads(result.output))


@pytest.mark.parametrize(("ratings", "published"), END_TO_END.values(), ids=END_TO_END.keys())
def test_gwet_ac1_through_import_labels_and_the_cli(
    tmp_path: Path, ratings: np.ndarray, published: float
) -> None:
    source = _agreement_json(tmp_path, ratings)["source"]
    observed = len(np.unique(ratings[ratings >= 0]))
    assert source["gwet_ac1_categories"] == {"q": observed, "rule": "observed"}
    assert round(source["gwet_ac1"], 3) == published


@pytest.mark.parametrize(("name", "published"), FOUR_DECIMALS.items())
def test_gwet_ac1_four_decimals_through_the_cli(tmp_path: Path, name: str, published: float) -> None:
    assert round(_agreement_json(tmp_path, END_TO_END[name][0])["source"]["gwet_ac1"], 4) == published


def test_offered_categories_count_the_article_sources_specials_and_not_a_claim(tmp_path: Path) -> None:
    """--categories offered: the article's sources (here the imported keys c0-c2), the special
    sources author and other, and not-a-claim: q = 6 for the abstractors' 3 categories."""
    ratings = END_TO_END["Gwet2014-cont3x3abstractors"][0]
    report = _agreement_json(tmp_path, ratings, "--categories", "offered")
    assert report["source"]["gwet_ac1_categories"] == {"q": 6, "rule": "offered"}
    assert report["confidence"]["gwet_ac1_categories"] == {"q": 5, "rule": "offered"}
    assert report["is_claim"]["gwet_ac1_categories"] == {"q": 2, "rule": "offered"}
    first, second = table_to_pairs(TABLES["Gwet2014-cont3x3abstractors"][0])
    assert report["source"]["gwet_ac1"] == pytest.approx(gwet_ac1(np.stack([first, second], 1), 6).require())
