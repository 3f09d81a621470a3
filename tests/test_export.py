"""JSONL exports: every line validates against its JSON Schema and loads in pandas."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from annotator.domain.errors import NotFoundError
from annotator.domain.label import TextSpan
from annotator.exchange import export as export_module
from annotator.exchange.export import export_file_name, export_jsonl
from annotator.exchange.import_labels import import_labels_file
from annotator.store.engine import create_tables, make_engine
from tests.helpers import add_small_article, add_user, label, record_validator


@pytest.fixture
def labelled(engine: Engine) -> Engine:
    add_small_article(engine)
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=True, source="alpha", confidence=5, note='He said "so" <b>')
    label(engine, alice, 1, is_claim=True, source=None, confidence=None)
    label(engine, bob, 0, is_claim=True, source="other", source_other="A neighbour", confidence=2)
    label(engine, bob, 2, is_claim=False, flagged=True)
    return engine


@pytest.mark.parametrize("what", ["labels", "sentences", "documents"])
def test_every_line_validates_and_loads_in_pandas(labelled: Engine, tmp_path: Path, what: str) -> None:
    out = tmp_path / f"{what}.jsonl"
    result = export_jsonl(labelled, what=what, out=out)  # type: ignore[arg-type]
    lines = out.read_bytes().splitlines()
    assert result.records == len(lines) == {"labels": 4, "sentences": 3, "documents": 1}[what]
    validator = record_validator(what)
    for line in lines:
        errors = list(validator.iter_errors(orjson.loads(line)))
        assert errors == []
    frame = pd.read_json(out, lines=True)
    assert len(frame) == len(lines)


def test_label_fields(labelled: Engine) -> None:
    buffer = io.BytesIO()
    export_jsonl(labelled, what="labels", out=buffer)
    records = [orjson.loads(line) for line in buffer.getvalue().splitlines()]
    first = records[0]
    assert first["document_id"] == "doc" and first["sentence_index"] == 0
    assert first["text"] == "Alpha said one thing." and (first["char_start"], first["char_end"]) == (0, 21)
    assert first["annotator"] == "alice" and first["is_claim"] is True and first["source"] == "alpha"
    assert first["confidence"] == 5 and first["note"] == 'He said "so" <b>'
    assert first["created_at"].endswith("Z") and first["updated_at"] >= first["created_at"]
    unattributed = records[2]
    assert unattributed["source"] is None and unattributed["confidence"] is None
    assert [r["annotator"] for r in records] == ["alice", "bob", "alice", "bob"]


def test_document_filter_and_unknown_document(labelled: Engine, tmp_path: Path) -> None:
    add_small_article(labelled, "other-doc")
    out = tmp_path / "s.jsonl"
    assert export_jsonl(labelled, what="sentences", out=out, document_id="other-doc").records == 3
    with pytest.raises(NotFoundError, match="no document 'nope'"):
        export_jsonl(labelled, what="sentences", out=out, document_id="nope")


def test_interrupted_export_leaves_no_file(
    labelled: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module, "_write", boom)
    out = tmp_path / "labels.jsonl"
    with pytest.raises(KeyboardInterrupt):
        export_jsonl(labelled, what="labels", out=out)
    assert list(tmp_path.iterdir()) == []


def _records(engine: Engine, **scope: object) -> list[dict[str, object]]:
    buffer = io.BytesIO()
    export_jsonl(engine, what="labels", out=buffer, **scope)  # type: ignore[arg-type]
    return [orjson.loads(line) for line in buffer.getvalue().splitlines()]


def test_labels_export_holds_exactly_the_chosen_article_and_annotators(labelled: Engine) -> None:
    add_small_article(labelled, "other-doc")
    carol = add_user(labelled, "carol")
    label(labelled, carol, 0, doc_id="other-doc", is_claim=False)
    label(labelled, carol, 1, doc_id="doc", is_claim=False)
    scoped = _records(labelled, document_id="doc", annotators=["bob", "carol"])
    assert [(r["document_id"], r["sentence_index"], r["annotator"]) for r in scoped] == [
        ("doc", 0, "bob"),
        ("doc", 1, "carol"),
        ("doc", 2, "bob"),
    ]
    assert [r["annotator"] for r in _records(labelled, annotators=["carol"])] == ["carol", "carol"]
    assert {r["document_id"] for r in _records(labelled, document_id="other-doc")} == {"other-doc"}
    assert _records(labelled, annotators=[]) == []  # nobody chosen: an empty file, never everyone's


def test_export_file_name_says_the_scope_and_the_utc_time() -> None:
    at = datetime(2026, 11, 30, 9, 15, 2, tzinfo=UTC)
    assert export_file_name("gold", document_id=None, at=at) == "gold-20261130T091502Z.jsonl"
    assert (
        export_file_name("labels", document_id="harbour", annotators=["ben", "ana"], at=at)
        == "labels-harbour-ana+ben-20261130T091502Z.jsonl"
    )
    assert export_file_name("labels", document_id="../x y", annotators=[], at=at) == (
        "labels-x_y-nobody-20261130T091502Z.jsonl"
    )


def test_labels_carry_their_evidence_and_survive_export_import_export(
    labelled: Engine, tmp_path: Path
) -> None:
    # The mention is carried over from the sentence before; the chain names an unlisted source.
    label(
        labelled,
        add_user(labelled, "dana"),
        1,
        is_claim=True,
        source="alpha",
        confidence=4,
        cue=TextSpan(27, 31, "said"),
        source_mention=TextSpan(0, 5, "Alpha"),
        via=("beta", "other:The Gazette"),
    )
    first = tmp_path / "labels.jsonl"
    export_jsonl(labelled, what="labels", out=first)
    records = {
        (r["annotator"], r["sentence_index"]): r for r in map(orjson.loads, first.read_bytes().splitlines())
    }
    with_evidence = records[("dana", 1)]
    assert with_evidence["cue"] == {"char_start": 27, "char_end": 31, "text": "said"}
    assert with_evidence["source_mention"] == {"char_start": 0, "char_end": 5, "text": "Alpha"}
    assert with_evidence["via"] == ["beta", "other:The Gazette"]
    assert records[("alice", 0)]["cue"] is None and records[("alice", 0)]["via"] == []

    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    create_tables(fresh)
    import_labels_file(fresh, first)
    again = tmp_path / "again.jsonl"
    export_jsonl(fresh, what="labels", out=again)
    assert again.read_bytes() == first.read_bytes()
    fresh.dispose()
