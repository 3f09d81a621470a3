"""Suggestions in the store, through the CLI and the io layer: computed, stored, exported
(every line valid against schemas/suggestions.schema.json), evaluated, learnt - and never
a label."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.cli import cli
from annotator.domain.article import ArticleDraft
from annotator.domain.suggestions import RULES_MODEL
from annotator.exchange.articles import load_sample_article
from annotator.exchange.export import export_bytes, export_jsonl
from annotator.exchange.import_labels import import_labels_file
from annotator.exchange.suggest import (
    current_suggester,
    evaluate_stored,
    suggest_documents,
    train_from_store,
    with_suggested_sources,
)
from annotator.store import documents, gold
from annotator.store import suggestions as store
from annotator.store.models import SourceOrigin
from tests.devset import devset_articles
from tests.helpers import record_validator
from tests.test_gold import SAMPLE_LABELS

DOC = "france24-sessions-kislyak"


def _label_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table: [tuple(r) for r in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
            for table in ("label", "label_history", "gold_label", "gold_history")
        }


@pytest.fixture
def labelled(engine: Engine) -> Engine:
    import_labels_file(engine, SAMPLE_LABELS)  # the sample article, its sources and 3 annotators
    return engine


def test_suggest_stores_one_row_per_sentence_and_skips_current_articles(labelled: Engine) -> None:
    first = suggest_documents(labelled)
    assert (first.documents, first.model, first.warning) == (1, RULES_MODEL, None)
    with Session(labelled) as session:
        assert first.sentences == documents.count_sentences(session=session, document_id=DOC)
        assert len(store.suggestions_of(session=session, document_id=DOC)) == first.sentences
    assert suggest_documents(labelled).documents == 0  # nothing changed: nothing to do
    with Session(labelled) as session:  # an edited source list makes them stale
        source = documents.list_sources(session=session, document_id=DOC)[0]
        assert source.id is not None
        documents.update_source(
            session=session, source_id=source.id, label="Intercepts", aliases=["intercepts"]
        )
    assert suggest_documents(labelled).documents == 1


def test_export_lines_validate_and_spans_are_document_text(labelled: Engine, tmp_path: Path) -> None:
    suggest_documents(labelled)
    out = tmp_path / "suggestions.jsonl"
    result = export_jsonl(labelled, what="suggestions", out=out, document_id=DOC)
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert result.records == len(lines) == 17
    validator = record_validator("suggestions")
    for line in lines:
        validator.validate(line)
    document_text = load_sample_article().text
    spans = [line[k] for line in lines for k in ("cue", "source_mention") if line[k] is not None]
    assert spans and all(document_text[s["char_start"] : s["char_end"]] == s["text"] for s in spans)
    assert all(document_text[r["char_start"] : r["char_end"]] == r["text"] for r in lines)
    assert len(pd.read_json(out, lines=True)) == 17
    said = next(line for line in lines if line["sentence_index"] == 6)
    assert (said["source"], said["cue"]["text"], said["source_mention"]["text"]) == ("sessions", "said", "he")


def test_suggestions_never_change_a_label(labelled: Engine) -> None:
    with Session(labelled) as session:
        gold.settle_gold(session=session, policy="majority")
    before = _label_tables(labelled)
    suggest_documents(labelled)
    evaluate_stored(labelled, against="labels", resamples=20)
    evaluate_stored(labelled, against="gold", resamples=20)
    train_from_store(labelled, learn_from="labels")
    suggest_documents(labelled)
    assert _label_tables(labelled) == before


def test_evaluate_against_each_annotator_gold_and_a_file(labelled: Engine, tmp_path: Path) -> None:
    suggest_documents(labelled)
    per_annotator = evaluate_stored(labelled, against="labels", resamples=50)
    assert sorted(per_annotator.scores) == ["ana", "ben", "chloe"]
    ana = per_annotator.scores["ana"]
    assert ana.source.units == 17 and ana.source.accuracy is not None
    assert (
        ana.source.accuracy_interval.low is not None
        and ana.source.accuracy_interval.low <= ana.source.accuracy
    )
    # A labels file gives the same figures as the store's labels it was exported from.
    out = tmp_path / "labels.jsonl"
    export_jsonl(labelled, what="labels", out=out)
    from_file = evaluate_stored(labelled, against=out, resamples=50)
    assert from_file.scores["ana"].source.correct == ana.source.correct
    with Session(labelled) as session:
        gold.settle_gold(session=session, policy="majority")
    assert evaluate_stored(labelled, against="gold", resamples=0).scores["gold"].source.units > 0


def test_a_bad_reference_file_names_the_line(labelled: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(f'{{"document_id": "{DOC}", "sentence_index": 99, "is_claim": true}}\n')
    with pytest.raises(Exception, match=r"bad.jsonl:1: field 'sentence_index': no sentence 99"):
        evaluate_stored(labelled, against=bad)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"format": "annotator-suggestion-model", "format_version": 99}, "format version 99"),
        ({"format": "pickle"}, "not a suggestion model"),
        (
            {
                "format": "annotator-suggestion-model",
                "format_version": 1,
                "features": ["k=rules"],
                "coefficients": [1.0, 2.0],
                "intercept": 0.0,
            },
            "one number per feature",
        ),
    ],
)
def test_a_corrupt_or_other_version_model_is_refused_and_the_rules_take_over(
    labelled: Engine, parameters: dict[str, Any], message: str
) -> None:
    train_from_store(labelled)  # a good model first: the bad one below is newer
    with Session(labelled) as session:
        store.save_model(
            session=session,
            format_version=1,
            trained_from="labels",
            sentences=1,
            parameters=parameters,
            evaluation={},
        )
        suggester = current_suggester(session)
    assert suggester.name == RULES_MODEL and suggester.model is None
    assert suggester.warning is not None and message in suggester.warning
    report = suggest_documents(labelled, document_ids=[DOC])
    assert report.model == RULES_MODEL and report.warning == suggester.warning


def test_trained_model_is_stored_as_data_and_used_by_every_server(labelled: Engine) -> None:
    report = train_from_store(labelled)
    assert report.result.labels == 51 and report.result.sentences == 17
    with Session(labelled) as session:
        row = store.newest_model(session=session)
        assert row is not None and f"learnt-{row.id}" == report.model
        # JSON data only: it round-trips through JSON unchanged.
        assert orjson.loads(orjson.dumps(row.parameters)) == row.parameters
        assert current_suggester(session).name == report.model
    assert suggest_documents(labelled).model == report.model


def test_training_on_several_articles_reports_cross_validated_agreement(engine: Engine) -> None:
    articles = devset_articles()
    drafts = [ArticleDraft(a.id, a.id, a.text, a.sentences, a.sources) for a in articles]
    with Session(engine) as session:
        documents.add_articles(session=session, drafts=drafts)
    from tests.helpers import add_user, label

    annotator = add_user(engine, "dana")
    for article in articles:
        for index, ref in enumerate(article.references):
            label(
                engine,
                annotator,
                index,
                doc_id=article.id,
                is_claim=ref.is_claim,
                source=ref.source,
                source_other=ref.source_other,
                confidence=4 if ref.is_claim else None,
            )
    result = train_from_store(engine, folds=3).result
    assert result.folds == 3 and result.sentences == 127
    assert result.model.accuracy is not None and result.rules.accuracy is not None
    assert result.rules.accuracy >= 0.85


def test_articles_without_sources_get_suggested_ones(engine: Engine) -> None:
    sample = load_sample_article()
    bare = ArticleDraft("bare", sample.title, sample.text, sample.sentences)
    drafts, suggested = with_suggested_sources([bare, sample])
    assert suggested == {"bare"} and drafts[1] is sample
    with Session(engine) as session:
        documents.add_articles(session=session, drafts=drafts, suggested_sources=suggested)
        origins = {s.origin for s in documents.list_sources(session=session, document_id="bare")}
        listed = {s.origin for s in documents.list_sources(session=session, document_id=sample.id)}
    assert origins == {SourceOrigin.suggested} and listed == {SourceOrigin.article}
    exported = orjson.loads(export_bytes(engine, what="documents", document_id="bare"))
    record_validator("documents").validate(exported)
    assert {s["origin"] for s in exported["sources"]} == {"suggested"}


def test_cli_import_suggest_export_evaluate(tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'a.db'}"]
    plain = tmp_path / "plain.txt"
    plain.write_text(
        "Mayor backs tram plan\n\nAda Okon, the mayor of Tarrow, said the tram would open in May. "
        "She added that fares would not rise.\n",
        encoding="utf-8",
    )
    bare = tmp_path / "bare.txt"
    bare.write_text(plain.read_text(encoding="utf-8"), encoding="utf-8")

    def run(*args: str) -> str:
        result = runner.invoke(cli, [*db, *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "(suggested from the text)" in run("import-articles", str(plain))
    assert "0 sources" in run("import-articles", str(bare), "--no-suggested-sources")
    assert "in 2 article(s) with rules-1" in run("suggest")
    exported = run("export", "--what", "suggestions", "--document", "plain", "-o", "-")
    lines = [orjson.loads(x) for x in exported.splitlines()]
    assert [(x["source"], x["carried_from"]) for x in lines] == [("ada-okon", None), ("ada-okon", 0)]
    labels = tmp_path / "labels.jsonl"
    said = plain.read_text(encoding="utf-8").index("said")
    cue = {"char_start": said, "char_end": said + 4, "text": "said"}
    record = {"document_id": "plain", "sentence_index": 0, "is_claim": True, "source": "ada-okon", "cue": cue}
    labels.write_bytes(orjson.dumps({**record, "annotator": "x"}) + b"\n")
    figures = orjson.loads(run("suggest", "evaluate", "--against", str(labels), "--json", "--bootstrap", "0"))
    assert figures["x"]["source"]["accuracy"] == 1.0 and figures["x"]["cue"]["exact"] == 1
