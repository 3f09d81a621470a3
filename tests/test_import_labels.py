"""import-labels: lossless round trip, merging, newer-wins, and all-or-nothing on bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.errors import InputError
from annotator.exchange.export import export_jsonl
from annotator.exchange.import_labels import import_labels_file
from annotator.store import documents, labels
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import SourceOrigin
from tests.helpers import TEXT, add_small_article, add_user, count_rows, label

VOLATILE = ("created_at", "updated_at")

RECENT = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
"""Newer than labels the tests have just saved; within the day of clock difference the importer
allows (a time further ahead is refused)."""


def _records(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _stable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in records]


@pytest.fixture
def exported(engine: Engine, tmp_path: Path) -> Path:
    add_small_article(engine)
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=True, source="alpha", confidence=5, note='quote " and\nnewline ✓')
    label(engine, alice, 2, is_claim=True, source=None, confidence=None)
    label(engine, bob, 0, is_claim=True, source="other", source_other="A neighbour", confidence=2)
    label(engine, bob, 2, is_claim=False, flagged=True)
    out = tmp_path / "labels.jsonl"
    export_jsonl(engine, what="labels", out=out)
    return out


def _fresh_engine() -> Engine:
    engine = make_engine("sqlite://")
    create_tables(engine)
    return engine


def test_round_trip_into_empty_database_is_lossless(exported: Path, tmp_path: Path) -> None:
    target = _fresh_engine()
    report = import_labels_file(target, exported)
    assert (report.inserted, report.documents_created, sorted(report.users_created)) == (
        4,
        ["doc"],
        ["alice", "bob"],
    )
    again = tmp_path / "again.jsonl"
    export_jsonl(target, what="labels", out=again)
    assert _records(again) == _records(exported)  # the times travel with the records too
    with Session(target) as session:
        doc = documents.require_document(session=session, document_id="doc")
        for s in documents.list_sentences(session=session, document_id="doc"):
            assert doc.text[s.char_start : s.char_end] == s.text
        assert [s.index for s in documents.list_sentences(session=session, document_id="doc")] == [0, 2]


def test_importing_twice_changes_nothing(exported: Path) -> None:
    target = _fresh_engine()
    import_labels_file(target, exported)
    before = count_rows(target)
    report = import_labels_file(target, exported)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 4)
    assert count_rows(target) == before


def test_newer_record_replaces_and_keeps_history(exported: Path, tmp_path: Path, engine: Engine) -> None:
    records = _records(exported)
    records[0]["confidence"] = 3
    records[0]["updated_at"] = RECENT
    records[1]["confidence"] = 1
    records[1]["updated_at"] = "2000-01-01T00:00:00Z"  # older than what is stored: ignored
    changed = tmp_path / "changed.jsonl"
    changed.write_bytes(b"\n".join(orjson.dumps(r) for r in records))
    report = import_labels_file(engine, changed)
    assert (report.updated, report.older_skipped, report.unchanged) == (1, 1, 2)
    with Session(engine) as session:
        sentence = documents.list_sentences(session=session, document_id="doc")[0]
        assert sentence.id is not None
        history = labels.label_history(session=session, sentence_id=sentence.id, user_id=1)
        assert [h.confidence for h in history] == [5, 3]
        assert history[-1].action == "import"


def test_unknown_source_key_joins_the_list_as_imported(
    exported: Path, tmp_path: Path, engine: Engine
) -> None:
    records = _records(exported)
    records[0]["source"] = "gamma-press"
    records[0]["updated_at"] = RECENT
    path = tmp_path / "new-source.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records))
    assert import_labels_file(engine, path).sources_added == 1
    with Session(engine) as session:
        added = [
            s for s in documents.list_sources(session=session, document_id="doc") if s.key == "gamma-press"
        ]
        assert added and added[0].origin == SourceOrigin.imported


def _line(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "document_id": "doc",
        "sentence_index": 0,
        "text": "Alpha said one thing.",
        "char_start": 0,
        "char_end": 21,
        "annotator": "carol",
        "is_claim": True,
        "source": "alpha",
        "confidence": 4,
        "note": "",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    record.update(overrides)
    return record


def _remove(key: str) -> dict[str, Any]:
    record = _line()
    del record[key]
    return record


GOOD = orjson.dumps(_line(sentence_index=1, text="Beta said another.", char_start=22, char_end=40))

BAD_INPUT = {
    "invalid JSON": (b'{"document_id": "doc", ', 2, None, "invalid JSON"),
    "missing field": (orjson.dumps(_remove("is_claim")), 2, "is_claim", "missing"),
    "mistyped field": (orjson.dumps(_line(confidence="4")), 2, "confidence", "must be an integer or null"),
    "boolean as confidence": (orjson.dumps(_line(confidence=True)), 2, "confidence", "must be an integer"),
    "confidence outside the scale": (orjson.dumps(_line(confidence=7)), 2, "confidence", "outside the scale"),
    "source key the schema forbids": (orjson.dumps(_line(source="Bad Key!")), 2, "source", "not allowed"),
    "source on a non-claim": (orjson.dumps(_line(is_claim=False)), 2, "source", "not a claim"),
    "sentence index past the document": (
        orjson.dumps(_line(sentence_index=40)),
        2,
        "sentence_index",
        "past the document",
    ),
    "text differs from the stored sentence": (
        orjson.dumps(_line(text="Alpha said one THING.")),
        2,
        "text",
        "differs",
    ),
    "duplicate sentence and annotator": (GOOD, 2, "annotator", "duplicate label"),
    "offsets do not match the text": (orjson.dumps(_line(char_end=30)), 2, "char_end", "characters"),
    "offsets that do not match the stored sentence": (
        orjson.dumps(_line(char_start=1, char_end=22)),
        2,
        "char_start",
        "differs from sentence 0",
    ),
    "document id too long": (orjson.dumps(_line(document_id="d" * 201)), 2, "document_id", "over the 200"),
    "bad time": (orjson.dumps(_line(updated_at="yesterday")), 2, "updated_at", "ISO 8601"),
    "non-UTF-8": (orjson.dumps(_line(note="caf")).replace(b"caf", b"caf\xe9"), 2, None, "not UTF-8"),
    "10 MB single line": (b'{"document_id": "' + b"x" * 10_000_000 + b'"}', 2, None, "over the"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_names_file_line_field_and_changes_nothing(
    case: str, engine: Engine, tmp_path: Path
) -> None:
    add_small_article(engine)
    second, line, field, message = BAD_INPUT[case]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(GOOD + b"\n" + second + b"\n")
    before = count_rows(engine)
    with pytest.raises(InputError) as caught:
        import_labels_file(engine, path)
    text = str(caught.value)
    assert text.startswith(f"{path}:{line}: "), text
    assert message in text
    if field:
        assert f"field '{field}'" in text
    assert count_rows(engine) == before
    with Session(engine) as session:
        assert [s.key for s in documents.list_sources(session=session, document_id="doc")] == [
            "alpha",
            "beta",
        ]


def test_conflict_found_late_rolls_back_everything(engine: Engine, tmp_path: Path) -> None:
    # The first line would create a new document and user; the second fails in the database phase.
    add_small_article(engine)
    new_doc = orjson.dumps(_line(document_id="brand-new"))
    bad = orjson.dumps(_line(sentence_index=40))
    path = tmp_path / "late.jsonl"
    path.write_bytes(new_doc + b"\n" + bad + b"\n")
    with pytest.raises(InputError, match="past the document"):
        import_labels_file(engine, path)
    with Session(engine) as session:
        assert documents.get_document(session=session, document_id="brand-new") is None
    assert count_rows(engine) == (0, 0)


def test_empty_file(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"\n\n")
    with pytest.raises(InputError, match="no label records"):
        import_labels_file(engine, path)


def test_times_are_stored_in_utc_whatever_their_form(engine: Engine, tmp_path: Path) -> None:
    """Exported times are copied as text, others converted: both come back as the same instant."""
    times = {
        0: ("2026-01-01T10:00:00.123456Z", "2026-01-01T10:00:00.123456Z"),  # as the exporter writes them
        2: ("2026-01-01T12:00:00+02:00", "2026-01-01T10:00:00.000000Z"),
    }
    records = [
        _line(
            sentence_index=index,
            text=TEXT[start:end],
            char_start=start,
            char_end=end,
            created_at=written,
            updated_at=written,
        )
        for index, start, end, written in ((0, 0, 21, times[0][0]), (2, 41, 58, times[2][0]))
    ]
    records.append(_line(document_id="new", created_at="2026-01-01T10:00:00", updated_at=None))
    add_small_article(engine)
    path = tmp_path / "times.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records))
    assert import_labels_file(engine, path).inserted == 3
    out = tmp_path / "out.jsonl"
    export_jsonl(engine, what="labels", out=out)
    stored = {(r["document_id"], r["sentence_index"]): r for r in _records(out)}
    for index, (_, expected) in times.items():
        assert stored["doc", index]["created_at"] == stored["doc", index]["updated_at"]
        assert _instant(stored["doc", index]["updated_at"]) == _instant(expected)
    assert _instant(stored["new", 0]["created_at"]) == _instant("2026-01-01T10:00:00Z")
    # No updated_at: the time of the import.
    assert _instant(stored["new", 0]["updated_at"]) > _instant("2026-01-02T00:00:00Z")


def _instant(exported: str) -> datetime:
    # PostgreSQL exports leave out a zero fraction of a second.
    return datetime.fromisoformat(exported)


def test_annotator_names_are_trimmed_on_every_line(engine: Engine, tmp_path: Path) -> None:
    add_small_article(engine)
    second = {"sentence_index": 1, "text": TEXT[22:40], "char_start": 22, "char_end": 40}
    lines = [_line(annotator=" carol "), _line(annotator=" carol ", **second), _line(annotator="carol\t")]
    path = tmp_path / "names.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines[:2]))
    assert import_labels_file(engine, path).users_created == ["carol"]
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines))
    with pytest.raises(InputError, match="first on line 1"):
        import_labels_file(engine, path)


# --- evidence: cue, source mention, via (#12) ------------------------------------------------

CUE = {"char_start": 6, "char_end": 10, "text": "said"}
MENTION = {"char_start": 0, "char_end": 5, "text": "Alpha"}


def _evidence_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """(table, cue_start, cue_end, mention_start, mention_end, via) of every label and history row."""
    columns = "cue_start, cue_end, mention_start, mention_end, via"
    with engine.connect() as connection:
        rows = [
            (table, *row)
            for table in ("label", "label_history")
            for row in connection.exec_driver_sql(f"SELECT {columns} FROM {table} ORDER BY id").all()
        ]
    # SQLite gives JSON back as text, PostgreSQL as a list.
    return [(*row[:5], orjson.loads(row[5]) if isinstance(row[5], str) else row[5]) for row in rows]


def test_evidence_is_stored_as_offsets_in_label_and_history(engine: Engine, tmp_path: Path) -> None:
    add_small_article(engine)
    path = tmp_path / "evidence.jsonl"
    path.write_bytes(
        orjson.dumps(_line(cue=CUE, source_mention=MENTION, via=["beta", "other:A neighbour"])) + b"\n"
    )
    report = import_labels_file(engine, path)
    assert (report.inserted, report.sources_added) == (1, 0)
    expected = (6, 10, 0, 5, ["beta", "other:A neighbour"])
    assert _evidence_rows(engine) == [("label", *expected), ("label_history", *expected)]
    # The same file again: the evidence is part of the label, so nothing differs.
    again = import_labels_file(engine, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)


def test_lines_without_evidence_store_none(engine: Engine, tmp_path: Path) -> None:
    add_small_article(engine)
    path = tmp_path / "old.jsonl"
    path.write_bytes(orjson.dumps(_line()) + b"\n" + orjson.dumps(_line(annotator="dan", via=[], cue=None)))
    assert import_labels_file(engine, path).inserted == 2
    assert {row[1:] for row in _evidence_rows(engine)} == {(None, None, None, None, None)}


def test_newer_evidence_replaces_the_stored_one(engine: Engine, tmp_path: Path) -> None:
    add_small_article(engine)
    path = tmp_path / "evidence.jsonl"
    path.write_bytes(orjson.dumps(_line(cue=CUE)))
    import_labels_file(engine, path)
    path.write_bytes(orjson.dumps(_line(source_mention=MENTION, via=["beta"], updated_at=RECENT)))
    assert import_labels_file(engine, path).updated == 1
    assert _evidence_rows(engine) == [
        ("label", None, None, 0, 5, ["beta"]),
        ("label_history", 6, 10, None, None, None),
        ("label_history", None, None, 0, 5, ["beta"]),
    ]


def test_a_chain_naming_an_unlisted_key_adds_it_as_imported(engine: Engine, tmp_path: Path) -> None:
    add_small_article(engine)
    path = tmp_path / "via.jsonl"
    path.write_bytes(orjson.dumps(_line(via=["us-official", "other:intercepts"])))
    assert import_labels_file(engine, path).sources_added == 1
    with Session(engine) as session:
        keys = {s.key: s.origin for s in documents.list_sources(session=session, document_id="doc")}
    assert keys["us-official"] == SourceOrigin.imported


BAD_EVIDENCE = {
    "cue outside the document": (
        _line(cue={"char_start": 50, "char_end": 90, "text": "x"}),
        "cue",
        "outside",
    ),
    "cue reversed": (_line(cue={"char_start": 10, "char_end": 6, "text": ""}), "cue", "reversed"),
    "cue text differs": (_line(cue={**CUE, "text": "says"}), "cue", "differs"),
    "cue outside the sentence": (
        _line(cue={"char_start": 27, "char_end": 31, "text": "said"}),
        "cue",
        "outside the sentence",
    ),
    "mention text differs": (_line(source_mention={**MENTION, "text": "Beta"}), "source_mention", "differs"),
    "mention offset negative": (
        _line(source_mention={**MENTION, "char_start": -1}),
        "source_mention",
        "outside",
    ),
    "mention without its text": (
        _line(source_mention={"char_start": 0, "char_end": 5}),
        "source_mention",
        "text",
    ),
    "span offset not a number": (_line(cue={**CUE, "char_start": "6"}), "cue.char_start", "integer"),
    "via not a list": (_line(via="beta"), "via", "list"),
    "via entry not a key": (_line(via=["Not A Key"]), "via", "neither"),
    "via repeats a source": (_line(via=["beta", "beta"]), "via", "twice"),
    "evidence on a non-claim": (
        _line(is_claim=False, source=None, confidence=None, cue=CUE),
        "is_claim",
        "not a claim",
    ),
}


@pytest.mark.parametrize("case", list(BAD_EVIDENCE), ids=list(BAD_EVIDENCE))
def test_bad_evidence_names_file_line_field_and_changes_nothing(
    case: str, engine: Engine, tmp_path: Path
) -> None:
    add_small_article(engine)
    record, field, message = BAD_EVIDENCE[case]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(GOOD + b"\n" + orjson.dumps(record) + b"\n")
    with pytest.raises(InputError) as caught:
        import_labels_file(engine, path)
    text = str(caught.value)
    assert text.startswith(f"{path}:2: "), text
    assert f"field '{field}'" in text and message in text, text
    assert count_rows(engine) == (0, 0)


def test_evidence_of_a_new_document_is_checked_against_the_text_the_import_builds(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One line a chunk, and the sentence holding the mention comes last: the mention is checked
    # against the document once that sentence is in it.
    monkeypatch.setattr("annotator.exchange.import_labels.CHUNK_LINES", 1)
    second = {"sentence_index": 1, "text": "Beta said another.", "char_start": 22, "char_end": 40}
    carried = {"char_start": 0, "char_end": 5, "text": "Alpha"}
    lines = [_line(document_id="new", **second, source_mention=carried), _line(document_id="new")]
    path = tmp_path / "new.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines))
    assert import_labels_file(engine, path).inserted == 2
    with Session(engine) as session:
        document = documents.get_document(session=session, document_id="new")
        assert document is not None and document.text == "Alpha said one thing. Beta said another."

    wrong = [_line(document_id="other", **second, source_mention={**carried, "text": "Gamma"})]
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in [*wrong, _line(document_id="other")]))
    with pytest.raises(InputError, match=r":1: field 'source_mention': text 'Gamma' differs"):
        import_labels_file(engine, path)
    with Session(engine) as session:
        assert documents.get_document(session=session, document_id="other") is None


def test_a_mention_in_a_sentence_the_file_does_not_give_needs_the_article_first(
    engine: Engine, tmp_path: Path
) -> None:
    # The mention lies in sentence 0, which no line labels: a document built from the labels
    # alone has no text there, so the import says to bring the article in first.
    second = {"sentence_index": 1, "text": "Beta said another.", "char_start": 22, "char_end": 40}
    carried = {"char_start": 0, "char_end": 5, "text": "Alpha"}
    path = tmp_path / "carried.jsonl"
    path.write_bytes(orjson.dumps(_line(document_id="new", **second, source_mention=carried)) + b"\n")
    with pytest.raises(
        InputError, match=r":1: field 'source_mention': the source mention at 0-5 lies outside"
    ) as error:
        import_labels_file(engine, path)
    assert "import-articles" in str(error.value)
    assert count_rows(engine) == (0, 0)
    with Session(engine) as session:
        assert documents.get_document(session=session, document_id="new") is None

    # With the article stored, the same line imports: its text is known everywhere.
    add_small_article(engine, "new")
    assert import_labels_file(engine, path).inserted == 1


# --- streaming: chunks, one transaction ---------------------------------------------------------


def test_chunks_build_documents_across_them_and_find_duplicates_across_them(
    exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("annotator.exchange.import_labels.CHUNK_LINES", 1)
    target = _fresh_engine()
    report = import_labels_file(target, exported)
    assert (report.lines, report.inserted, report.documents_created) == (4, 4, ["doc"])
    out = tmp_path / "again.jsonl"
    export_jsonl(target, what="labels", out=out)
    assert _stable(_records(out)) == _stable(_records(exported))

    records = _records(exported)
    path = tmp_path / "twice.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in [*records, records[1]]))
    empty = _fresh_engine()
    with pytest.raises(InputError, match=r":5: field .annotator.: duplicate label .*\(first on line 2\)"):
        import_labels_file(empty, path)
    assert count_rows(empty) == (0, 0)
    with Session(empty) as session:
        assert documents.get_document(session=session, document_id="doc") is None


def test_a_sentence_that_changes_between_chunks_names_its_first_line(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("annotator.exchange.import_labels.CHUNK_LINES", 2)
    lines = [
        _line(document_id="new"),
        _line(document_id="new", annotator="dan", sentence_index=1, text="B.", char_start=30, char_end=32),
        _line(document_id="new", annotator="erin", text="Alpha said one THING."),
    ]
    path = tmp_path / "changed.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines))
    with pytest.raises(InputError, match=r":3: field 'text': sentence 0 of 'new' differs from line 1"):
        import_labels_file(engine, path)
    assert count_rows(engine) == (0, 0)


def test_progress_is_reported_in_bytes_read_as_they_grow(
    exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("annotator.exchange.import_labels.CHUNK_LINES", 1)
    seen: list[int] = []
    import_labels_file(_fresh_engine(), exported, on_progress=seen.append)
    assert len(seen) >= 4 and seen == sorted(seen) and seen[-1] == exported.stat().st_size
