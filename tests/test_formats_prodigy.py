"""Prodigy-style JSONL: one line per sentence and annotator, spans in sentence offsets, and the
lines read back through import-labels."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from annotator.cli import cli
from annotator.domain.article import ArticleDraft, SentenceSpan
from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue, TextSpan
from annotator.exchange.formats.prodigy import export_prodigy, import_prodigy, lines
from annotator.exchange.formats.records import stored_articles
from annotator.store.models import Label
from tests.helpers import TEXT, add_small_article, add_user, fresh_engine, label

ARTICLE = ArticleDraft(
    "doc", "Doc", TEXT, (SentenceSpan(0, 21, 0), SentenceSpan(22, 40, 0), SentenceSpan(41, 58, 0))
)


def _labelled_store() -> Engine:
    engine = fresh_engine()
    add_small_article(engine)
    ana, ben = add_user(engine, "ana"), add_user(engine, "ben")
    label(
        engine,
        ana,
        0,
        is_claim=True,
        source="alpha",
        confidence=5,
        note="first\nline",
        flagged=True,
        cue=TextSpan(6, 10, "said"),
        source_mention=TextSpan(0, 5, "Alpha"),
        via=("beta", "other:A neighbour"),
    )
    label(engine, ana, 2, is_claim=False)
    label(engine, ben, 1, is_claim=True, source="other", source_other="A neighbour", confidence=2)
    return engine


def _export(engine: Engine) -> list[dict[str, Any]]:
    out = io.BytesIO()
    export_prodigy(engine, out)
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def test_one_line_per_sentence_and_annotator_with_prodigy_fields() -> None:
    exported = _export(_labelled_store())
    assert [(r["_annotator_id"], r["meta"]["sentence_index"]) for r in exported] == [
        ("ana", 0),
        ("ana", 2),
        ("ben", 1),
    ]
    first = exported[0]
    assert first["text"] == "Alpha said one thing."
    assert (first["label"], first["answer"], first["_session_id"]) == ("alpha", "accept", "doc-ana")
    assert first["meta"] == {
        "document_id": "doc", "sentence_index": 0, "char_start": 0, "is_claim": True, "confidence": 5,
        "via": ["beta", "other:A neighbour"], "source_other": None, "note": "first\nline", "flagged": True,
        "source_mention": None,
    }  # fmt: skip
    assert first["spans"] == [
        {"start": 0, "end": 5, "label": "SOURCE", "text": "Alpha"},
        {"start": 6, "end": 10, "label": "CUE", "text": "said"},
    ]
    assert exported[1]["label"] is None and exported[1]["meta"]["is_claim"] is False


def test_spans_count_characters_of_the_sentence_and_an_earlier_mention_goes_to_meta() -> None:
    value = LabelValue(True, "beta", cue=TextSpan(27, 31, "said"), source_mention=TextSpan(0, 5, "Alpha"))
    [line] = lines(ARTICLE, "ana", {1: value})
    assert line["spans"] == [{"start": 5, "end": 9, "label": "CUE", "text": "said"}]
    assert line["text"][5:9] == "said"
    assert line["meta"]["source_mention"] == {"char_start": 0, "char_end": 5, "text": "Alpha"}


def test_export_import_export_is_lossless(tmp_path: Path) -> None:
    engine = _labelled_store()
    path = tmp_path / "prodigy.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in _export(engine)))
    again = fresh_engine()
    add_small_article(again)  # the sentences' article; prodigy lines carry sentences only
    report = import_prodigy(again, path)
    assert report.inserted == 3
    assert _export(again) == _export(engine)


def test_a_mention_in_a_sentence_no_line_gives_needs_the_article_first(tmp_path: Path) -> None:
    # Sentence 1's mention is in sentence 0, which no line labels: an empty store can only rebuild
    # the article from the lines, and has no text there.
    value = LabelValue(True, "beta", cue=TextSpan(27, 31, "said"), source_mention=TextSpan(0, 5, "Alpha"))
    path = tmp_path / "carried.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in lines(ARTICLE, "ana", {1: value})))
    engine = fresh_engine()
    with pytest.raises(InputError, match=r":1: field 'source_mention': the source mention at 0-5") as error:
        import_prodigy(engine, path)
    assert "import-articles" in str(error.value)
    add_small_article(engine)  # the article first: then its text is known and the line imports
    assert import_prodigy(engine, path).inserted == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.pop("meta"), r":2: field 'meta': missing"),
        (lambda r: r["meta"].pop("sentence_index"), r":2: field 'meta.sentence_index'"),
        (lambda r: r.update(spans=[{"start": 3, "end": 99, "label": "CUE"}]), r":2: field 'spans\[0\]'"),
        (lambda r: r.update(spans=[{"start": 0, "end": 3, "label": "PERSON"}]), r":2: field 'spans\[0\]'"),
        (lambda r: r["meta"].update(confidence=9), r":2: field 'confidence'"),
    ],
)
def test_bad_line_names_line_and_field_and_changes_nothing(
    tmp_path: Path, change: Any, expected: str
) -> None:
    exported = _export(_labelled_store())
    change(exported[1])
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in exported))
    engine = fresh_engine()
    add_small_article(engine)
    with pytest.raises(InputError, match=expected):
        import_prodigy(engine, path)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Label)).one() == 0


def test_cli_export_and_import_prodigy(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner = CliRunner()
    labels = tmp_path / "labels.jsonl"
    engine = _labelled_store()
    from annotator.exchange.export import export_jsonl

    export_jsonl(engine, what="labels", out=labels)
    assert runner.invoke(cli, ["--db", db, "import-labels", str(labels)]).exit_code == 0
    result = runner.invoke(
        cli, ["--db", db, "export", "--format", "prodigy", "--annotator", "ana", "-o", "-"]
    )
    assert result.exit_code == 0, result.output
    assert [orjson.loads(line)["_annotator_id"] for line in result.stdout.splitlines()] == ["ana", "ana"]


def test_stored_articles_reads_one_article_at_a_time() -> None:
    engine = _labelled_store()
    add_small_article(engine, "other-doc")
    label(engine, 1, 0, doc_id="other-doc", is_claim=False)
    assert [item.article.id for item in stored_articles(engine)] == ["doc", "other-doc"]
