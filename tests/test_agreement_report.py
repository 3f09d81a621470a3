"""From stored labels to the agreement report: category mapping, calibration, disputes, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from annotator.cli import cli
from annotator.domain.agreement import field_agreement
from annotator.domain.agreement.report import NOT_A_CLAIM, UNATTRIBUTED, to_matrices
from annotator.reports.agreement import describe_disagreements, store_agreement
from annotator.store.agreement_reads import load_label_table
from tests.helpers import add_small_article, add_user, label

SAMPLE_LABELS = (
    Path(__file__).resolve().parents[1] / "annotator/data/sample/france24-sessions-kislyak.labels.jsonl"
)
SCALE = [1, 2, 3, 4, 5]


@pytest.fixture
def three_annotators(engine: Engine) -> Engine:
    add_small_article(engine)
    a, b, c = add_user(engine, "a"), add_user(engine, "b"), add_user(engine, "c")
    label(engine, a, 0, is_claim=True, source="alpha", confidence=5)
    label(engine, b, 0, is_claim=True, source="alpha", confidence=4)
    label(engine, c, 0, is_claim=True, source=None, confidence=2)
    label(engine, a, 1, is_claim=False)
    label(engine, b, 1, is_claim=False)
    label(engine, a, 2, is_claim=True, source="beta", confidence=3)
    return engine


def test_not_a_claim_and_unattributed_are_categories_of_the_source(three_annotators: Engine) -> None:
    with three_annotators.connect() as connection:
        table = load_label_table(connection)
    matrices = to_matrices(table, SCALE)
    names = matrices.source_categories
    assert names[:2] == (NOT_A_CLAIM, UNATTRIBUTED)
    as_names = [[names[v] if v >= 0 else None for v in row] for row in matrices.source.tolist()]
    assert as_names == [
        ["alpha", "alpha", UNATTRIBUTED],
        [NOT_A_CLAIM, NOT_A_CLAIM, None],
        ["beta", None, None],
    ]
    assert matrices.confidence.tolist() == [[4, 3, 1], [-1, -1, -1], [2, -1, -1]]
    assert matrices.is_claim.tolist() == [[1, 1, 1], [0, 0, -1], [1, -1, -1]]


def test_calibration_and_disagreements(three_annotators: Engine) -> None:
    report = store_agreement(three_annotators)
    by_value = {row["confidence"]: row for row in report.calibration}
    # Sentence 0: a (5) and b (4) agree with each other, not with c (2, unattributed).
    assert (by_value[5]["pairs"], by_value[5]["source_agreement"]) == (2, 0.5)
    assert (by_value[4]["pairs"], by_value[4]["source_agreement"]) == (2, 0.5)
    assert (by_value[2]["pairs"], by_value[2]["source_agreement"]) == (2, 0.0)
    assert by_value[3]["pairs"] == 0 and by_value[3]["source_agreement"] is None  # beta has no partner
    disputes = describe_disagreements(three_annotators, report)
    assert [(d.sentence_index, round(d.disagreement, 3), d.labels) for d in disputes] == [(0, 0.667, 3)]


def _matrix_from_jsonl(path: Path) -> tuple[list[str], dict[str, np.ndarray], dict[str, list[str]]]:
    """An independent reading of the labels file: no store involved."""
    records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    names = sorted({r["annotator"] for r in records})
    units = sorted({(r["document_id"], r["sentence_index"]) for r in records})
    keys = sorted({r["source"] for r in records if r["source"]})
    categories = {
        "is_claim": ["no", "yes"],
        "source": [NOT_A_CLAIM, UNATTRIBUTED, *keys],
        "confidence": [str(v) for v in SCALE],
    }
    matrices = {name: np.full((len(units), len(names)), -1) for name in categories}
    for r in records:
        u, a = units.index((r["document_id"], r["sentence_index"])), names.index(r["annotator"])
        matrices["is_claim"][u, a] = int(r["is_claim"])
        matrices["source"][u, a] = (
            0 if not r["is_claim"] else 1 if r["source"] is None else categories["source"].index(r["source"])
        )
        if r["confidence"] is not None:
            matrices["confidence"][u, a] = r["confidence"] - 1
    return names, matrices, categories


def test_cli_json_on_imported_labels_matches_the_library(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "import-labels", str(SAMPLE_LABELS)]).exit_code == 0
    result = runner.invoke(cli, ["--db", db, "agreement", "--json", "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    names, matrices, categories = _matrix_from_jsonl(SAMPLE_LABELS)
    for field, level in (("is_claim", "nominal"), ("source", "nominal"), ("confidence", "ordinal")):
        expected = field_agreement(
            matrices[field],
            level=level,
            annotators=names,  # type: ignore[arg-type]
            categories=categories[field],
        ).to_dict()
        block = output[field]
        assert block["units"] == 17 and block["annotators"] == 3
        weighted = ("weighted_kappa_linear", "weighted_kappa_quadratic") if level == "ordinal" else ()
        for key in ("percent_agreement", "fleiss_kappa", "gwet_ac1", "cohen_kappa", *weighted):
            assert block[key] == pytest.approx(expected[key]), (field, key)
        if level == "nominal":  # figures that do not apply are left out, not written as null
            assert "weighted_kappa_linear" not in block and expected["weighted_kappa_linear"] is None
        alpha = expected["alpha"]
        assert isinstance(alpha, dict)
        if field == "confidence":
            assert block["krippendorff_alpha_ordinal"] == pytest.approx(alpha["ordinal"])
            assert block["krippendorff_alpha_interval"] == pytest.approx(alpha["interval"])
        else:
            assert block["krippendorff_alpha"] == pytest.approx(alpha["nominal"])
    assert set(output["source"]["per_source"]) >= {"intercepts", "trump-nyt", NOT_A_CLAIM}
    assert set(output["source"]["cohen_kappa"]) == {"ana|ben", "ana|chloe", "ben|chloe"}


def test_cli_table_and_intervals(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner = CliRunner()
    runner.invoke(cli, ["--db", db, "import-labels", str(SAMPLE_LABELS)])
    result = runner.invoke(cli, ["--db", db, "agreement", "--bootstrap", "300", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "== source (nominal) — 17 sentences, 3 annotators, 51 labels" in result.output
    assert "most disputed sentences" in result.output
    again = runner.invoke(cli, ["--db", db, "agreement", "--json", "--bootstrap", "300", "--seed", "7"])
    interval = json.loads(again.output)["source"]["intervals"]["alpha_nominal"]
    alpha = json.loads(again.output)["source"]["krippendorff_alpha"]
    assert interval["low"] < alpha < interval["high"]


def test_agreement_on_an_unknown_document_says_how_to_find_ids(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--db", f"sqlite:///{tmp_path / 'a.db'}", "agreement", "--document", "x"]
    )
    assert result.exit_code == 1 and "no document 'x'" in result.output


def _nulls_without_reason(value: object, path: str = "") -> list[str]:
    """Paths of JSON nulls that sit in no object saying why (an "undefined" key beside them)."""
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if item is None and "undefined" not in value:
                found.append(f"{path}.{key}")
            found += _nulls_without_reason(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _nulls_without_reason(item, f"{path}[{i}]")]
    return []


def test_every_undefined_figure_says_why_in_json_and_text(tmp_path: Path) -> None:
    """The sample's is_claim interval is undefined (too many resamples with one category),
    nobody gave confidence 1, and nobody left a claim unattributed: each says why."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "import-labels", str(SAMPLE_LABELS)]).exit_code == 0
    as_json = runner.invoke(cli, ["--db", db, "agreement", "--json", "--bootstrap", "300", "--seed", "1"])
    output = json.loads(as_json.output)
    assert _nulls_without_reason(output) == []
    assert output["is_claim"]["intervals"]["alpha_nominal"]["undefined"].startswith("because")
    assert output["calibration"][0]["source_agreement"]["undefined"].startswith("because no label")
    text = runner.invoke(cli, ["--db", db, "agreement", "--bootstrap", "300", "--seed", "1"]).output
    assert "None" not in text and "nan" not in text.lower()
    claim_alpha = next(line for line in text.splitlines() if "Krippendorff's alpha (nominal)" in line)
    assert "no interval: because only" in claim_alpha
    for line in text.splitlines():
        if "undefined" in line:
            assert "(because" in line, line
