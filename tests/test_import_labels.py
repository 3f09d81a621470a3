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
from annotator.io.export import export_jsonl
from annotator.io.import_labels import import_labels_file
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
