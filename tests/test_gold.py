"""Gold in the store: settling, adjudication with history, re-opening, the queue, export, quality."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pandas as pd
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.label import LabelValue
from annotator.exchange.export import export_jsonl
from annotator.exchange.import_labels import import_labels_file
from annotator.exchange.schemas import load_label_schema
from annotator.reports.agreement import store_gold_quality
from annotator.store import documents, gold
from annotator.store.models import Provenance
from tests.helpers import add_small_article, add_user, label, record_validator

SAMPLE_LABELS = (
    Path(__file__).resolve().parents[1] / "annotator/data/sample/france24-sessions-kislyak.labels.jsonl"
)

RECENT = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
"""Newer than labels the tests have just saved; within the day of clock difference the importer
allows (a time further ahead is refused)."""


@pytest.fixture
def voted(engine: Engine) -> Engine:
    """Sentence 0: all agree; 1: two of three; 2: all differ."""
    add_small_article(engine)
    a, b, c = add_user(engine, "a"), add_user(engine, "b"), add_user(engine, "c")
    for user, conf in ((a, 5), (b, 4), (c, 3)):
        label(engine, user, 0, is_claim=True, source="alpha", confidence=conf)
    label(engine, a, 1, is_claim=True, source="beta", confidence=4)
    label(engine, b, 1, is_claim=True, source="beta", confidence=2)
    label(engine, c, 1, is_claim=False, flagged=True, note="no claim here?")
    label(engine, a, 2, is_claim=True, source="alpha", confidence=1)
    label(engine, b, 2, is_claim=True, source="beta", confidence=1)
    label(engine, c, 2, is_claim=False)
    return engine


def _sentence_id(session: Session, index: int) -> int:
    sentence = documents.get_sentence(session=session, document_id="doc", index=index)
    assert sentence is not None and sentence.id is not None
    return sentence.id


def test_settle_majority_and_queue(voted: Engine) -> None:
    with Session(voted) as session:
        report = gold.settle_gold(session=session, policy="majority")
        assert (report.unanimous, report.majority, report.to_review) == (1, 1, 1)
        first = gold.get_gold(session=session, sentence_id=_sentence_id(session, 0))
        second = gold.get_gold(session=session, sentence_id=_sentence_id(session, 1))
        assert first is not None and (first.provenance, first.confidence, first.agreement) == (
            Provenance.unanimous,
            4,
            3,
        )
        assert second is not None and (second.provenance, second.source, second.agreement) == (
            Provenance.majority,
            "beta",
            2,
        )
        assert second.votes["c"] == {
            "is_claim": False,
            "source": None,
            "source_other": None,
            "confidence": None,
            "cue": None,
            "source_mention": None,
            "via": [],
        }
        queue = gold.review_queue(session=session)
        assert [(q.index, q.disagreement) for q in queue] == [(2, 1.0)]
        assert gold.review_progress(session=session) == (2, 3)


def test_existing_gold_is_never_changed_by_settling(voted: Engine) -> None:
    with Session(voted) as session:
        gold.settle_gold(session=session, policy="unanimous")
        again = gold.settle_gold(session=session, policy="majority")
        assert (again.already_gold, again.majority) == (1, 1)
        assert gold.get_gold(session=session, sentence_id=_sentence_id(session, 0)).version == 1  # type: ignore[union-attr]


def test_adjudication_keeps_history_and_reopening(voted: Engine) -> None:
    reviewer = add_user(voted, "rita")
    with Session(voted) as session:
        sid = _sentence_id(session, 2)
        gold.decide(
            session=session,
            sentence_id=sid,
            reviewer_id=reviewer,
            value=LabelValue(is_claim=True, source="beta", confidence=3),
            rationale="the quote is Beta's",
            schema=load_label_schema(),
        )
        decided = gold.get_gold(session=session, sentence_id=sid)
        assert decided is not None and decided.provenance == Provenance.adjudicated and decided.agreement == 1
    # An annotator changes their label after gold: re-opened for review, gold itself unchanged.
    label(voted, 1, 2, is_claim=True, source="beta", confidence=2)
    with Session(voted) as session:
        reopened = gold.get_gold(session=session, sentence_id=sid)
        assert reopened is not None and reopened.needs_review and reopened.source == "beta"
        assert gold.review_queue(session=session)[0].reopened
        gold.decide(
            session=session,
            sentence_id=sid,
            reviewer_id=reviewer,
            value=LabelValue(is_claim=True, source="beta", confidence=4),
        )
        history = gold.gold_history(session=session, sentence_id=sid)
        assert [(h.version, h.action, h.confidence) for h in history] == [
            (1, "adjudicate", 3),
            (2, "adjudicate", 4),
        ]
        assert not gold.get_gold(session=session, sentence_id=sid).needs_review  # type: ignore[union-attr]


def test_gold_export_validates_and_loads(tmp_path: Path, engine: Engine) -> None:
    import_labels_file(engine, SAMPLE_LABELS)
    reviewer = add_user(engine, "rita")
    with Session(engine) as session:
        gold.settle_gold(session=session, policy="unanimous", min_annotators=3)
        first_open = gold.review_queue(session=session)[0]
        gold.decide(
            session=session,
            sentence_id=first_open.sentence_id,
            reviewer_id=reviewer,
            value=LabelValue(is_claim=True, source="intercepts", confidence=4),
            rationale="the Post only cites them",
        )
    out = tmp_path / "gold.jsonl"
    assert export_jsonl(engine, what="gold", out=out).records == 10
    records = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    validator = record_validator("gold")
    for record in records:
        assert list(validator.iter_errors(record)) == []
    assert {r["provenance"] for r in records} == {"unanimous", "adjudicated"}
    adjudicated = next(r for r in records if r["provenance"] == "adjudicated")
    assert (adjudicated["decided_by"], adjudicated["rationale"], adjudicated["agreement"]) == (
        "rita",
        "the Post only cites them",
        2,
    )
    assert set(adjudicated["votes"]) == {"ana", "ben", "chloe"}
    assert len(pd.read_json(out, lines=True)) == 10
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset("json", data_files=str(out), split="train", cache_dir=str(tmp_path / "hf"))
    assert loaded.num_rows == 10 and "provenance" in loaded.column_names


def test_imported_label_change_reopens_gold(tmp_path: Path, engine: Engine) -> None:
    import_labels_file(engine, SAMPLE_LABELS)
    with Session(engine) as session:
        gold.settle_gold(session=session, policy="majority")
    records = [orjson.loads(line) for line in SAMPLE_LABELS.read_bytes().splitlines()]
    records[0] |= {"source": "washington-post", "updated_at": RECENT}
    path = tmp_path / "newer.jsonl"
    path.write_bytes(orjson.dumps(records[0]))
    import_labels_file(engine, path)
    with Session(engine) as session:
        sentence = documents.get_sentence(session=session, document_id="france24-sessions-kislyak", index=0)
        assert sentence is not None and sentence.id is not None
        assert gold.get_gold(session=session, sentence_id=sentence.id).needs_review  # type: ignore[union-attr]


def test_annotator_quality_against_gold(voted: Engine) -> None:
    with Session(voted) as session:
        gold.settle_gold(session=session, policy="majority")
    quality = store_gold_quality(voted)
    # Gold: sentence 0 alpha, sentence 1 beta. a and b match both; c matches one of two.
    assert {name: (q.accuracy.value, q.units) for name, q in quality.items()} == {
        "a": (1.0, 2),
        "b": (1.0, 2),
        "c": (0.5, 2),
    }
    assert quality["a"].kappa.value == pytest.approx(1.0)
