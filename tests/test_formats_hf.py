"""Hugging Face datasets: the gold and labels JSONL exports load with
``datasets.load_dataset("json", data_files=...)`` from local files (nothing is downloaded), with
the features the README documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.exchange.export import export_jsonl
from annotator.store.engine import create_tables, make_engine
from annotator.store.gold import settle_gold
from tests.helpers import add_small_article, add_user, label

datasets = pytest.importorskip("datasets")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No network and a private cache: loading must work from the files alone."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    return tmp_path / "cache"


def _store() -> Engine:
    engine = make_engine("sqlite://")
    create_tables(engine)
    add_small_article(engine)
    ana, ben = add_user(engine, "ana"), add_user(engine, "ben")
    for user in (ana, ben):
        label(engine, user, 0, is_claim=True, source="alpha", confidence=4)
        label(engine, user, 1, is_claim=False)
    label(engine, ana, 2, is_claim=True, source="other", source_other="A neighbour", confidence=None)
    with Session(engine) as session:
        settle_gold(session=session, min_annotators=2)
    return engine


def test_labels_export_loads_with_its_features(tmp_path: Path, offline: Path) -> None:
    path = tmp_path / "labels.jsonl"
    export_jsonl(_store(), what="labels", out=path)
    data = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(offline))
    assert data.num_rows == 5
    features = data.features
    assert features["is_claim"].dtype == "bool"
    assert features["sentence_index"].dtype == "int64"
    assert features["source"].dtype == "string"
    assert data[4]["source_other"] == "A neighbour"
    assert data[4]["confidence"] is None


def test_gold_export_loads_with_votes_as_a_struct(tmp_path: Path, offline: Path) -> None:
    path = tmp_path / "gold.jsonl"
    export_jsonl(_store(), what="gold", out=path)
    data = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(offline))
    assert data.num_rows == 2
    assert data.features["needs_review"].dtype == "bool"
    assert data[0]["provenance"] == "unanimous"
    assert data[0]["votes"]["ana"]["source"] == "alpha"
