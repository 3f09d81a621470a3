"""Property tests of the labels importer: any input is imported or refused, never half-done.

Each example gets its own in-memory database: function-scoped fixtures are not reset between
the examples hypothesis runs inside one test, so the engine is made in the test body.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.domain import passwords
from annotator.domain.errors import InputError
from annotator.domain.label_schema import check_label
from annotator.domain.names import check_identifier, check_user_name
from annotator.exchange.export import export_jsonl
from annotator.exchange.import_labels import (
    FUTURE_SLACK,
    _parse_line,
    _RecordChecker,
    decode_fast,
    import_labels_file,
    read_label_records,
)
from annotator.exchange.schemas import load_label_schema
from annotator.store.bulk import LabelRecord
from annotator.store.driver import stored_time
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import Document, Label, LabelHistory, Sentence, Source, User
from tests.helpers import TEXT, add_small_article

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    # tmp_path is only a folder for the input file: each example overwrites its file.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TABLES = (Label, LabelHistory, Document, Sentence, Source, User)
SCHEMA = load_label_schema()
EXPORT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@pytest.fixture(autouse=True, scope="module")
def _cheap_argon2() -> Iterator[None]:
    """The importer creates each unknown annotator with a hashed password; real argon2 cost
    parameters take ~0.2 s a user, too slow for hundreds of examples. Still argon2, cheaper."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


# --- databases ---------------------------------------------------------------


def _empty_engine() -> Engine:
    engine = make_engine("sqlite://")
    create_tables(engine)
    return engine


SEED = {
    "document_id": "doc",
    "sentence_index": 0,
    "text": "Alpha said one thing.",
    "char_start": 0,
    "char_end": 21,
    "annotator": "carol",
    "is_claim": True,
    "source": "alpha",
    "source_other": None,
    "confidence": 4,
    "note": "seed",
    "flagged": False,
    "created_at": "2026-01-01T00:00:00.000000Z",
    "updated_at": "2026-01-01T00:00:00.000000Z",
}


def _seeded_engine(tmp_path: Path) -> Engine:
    """The small article, its sources and one imported label: something an import could spoil."""
    engine = _empty_engine()
    add_small_article(engine)
    seed = tmp_path / "seed.jsonl"
    seed.write_bytes(orjson.dumps(SEED))
    import_labels_file(engine, seed)
    return engine


def _row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.__tablename__: session.exec(select(func.count()).select_from(table)).one()
            for table in TABLES
        }


def _dump_labels(engine: Engine) -> list[dict[str, Any]]:
    buffer = io.BytesIO()
    export_jsonl(engine, what="labels", out=buffer)
    return [orjson.loads(line) for line in buffer.getvalue().splitlines()]


def _import_or_refuse(tmp_path: Path, data: bytes) -> None:
    """The property shared by all fuzz tests: success, or InputError with nothing changed."""
    engine = _seeded_engine(tmp_path)
    try:
        before, labels_before = _row_counts(engine), _dump_labels(engine)
        path = tmp_path / "fuzz.jsonl"
        path.write_bytes(data)
        try:
            import_labels_file(engine, path)
        except InputError as error:
            event("refused")  # --hypothesis-show-statistics shows how often each way was taken
            assert str(error).startswith(str(path)), error  # always names the file
            assert _row_counts(engine) == before
            assert _dump_labels(engine) == labels_before
        else:
            event("imported")
    finally:
        engine.dispose()


# --- strategies ----------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = (
    "document_id",
    "sentence_index",
    "text",
    "char_start",
    "char_end",
    "annotator",
    "is_claim",
    "source",
    "source_other",
    "confidence",
    "note",
    "flagged",
    "created_at",
    "updated_at",
)
LABEL_OBJECTS = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), JSON_VALUES, max_size=16)
NASTY_INTS = st.sampled_from(
    [-1, 0, 2**31, 2**53 + 1, 10**9, 10**12, 2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1]
)
AWKWARD_TIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00+01:00",  # UTC is before year 1
        "9999-12-31T23:59:59-05:00",  # UTC is after year 9999
        "2026-02-30T00:00:00Z",
        "2026-01-01",
        "yesterday",
        "",
    ]
)
OFFSET_TIMES = st.builds(
    lambda moment, minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
    st.datetimes(),
    st.integers(-(24 * 60 - 1), 24 * 60 - 1),
)
DELETE = object()


def _passes(check: Any, value: str) -> bool:
    """Whether the importer's entry check lets ``value`` through (valid data must pass it)."""
    try:
        check(value)
    except InputError:
        return False
    return True


@st.composite
def mutated_records(draw: st.DrawFn) -> dict[str, Any]:
    """A good label for the seeded article (or a new one) with a few fields broken or removed."""
    index = draw(st.integers(0, 2))
    start, end = [(0, 21), (22, 40), (41, 58)][index]
    record: dict[str, Any] = {
        **SEED,
        "document_id": draw(st.sampled_from(["doc", "new-doc"])),
        "sentence_index": index,
        "text": TEXT[start:end],
        "char_start": start,
        "char_end": end,
        "annotator": draw(st.sampled_from(["carol", "dave"])),
        "updated_at": draw(st.sampled_from(["2020-01-01T00:00:00Z", "2025-01-01T00:00:00Z"])),
    }
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(FIELDS) | st.text(max_size=10))
        value = draw(st.just(DELETE) | JSON_VALUES | NASTY_INTS | AWKWARD_TIMES | OFFSET_TIMES)
        if value is DELETE:
            record.pop(name, None)
        else:
            record[name] = value
    return record


def _json_line(value: Any) -> bytes:
    # The standard library writes integers of any size and escapes lone surrogates.
    return json.dumps(value).encode()


# Every line of a labels export, generated directly in the exporter's format.
# Up to now: a label time in the future is refused (it would win every "newer" comparison).
TIMES = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime.now(UTC).replace(tzinfo=None)).map(
    lambda moment: moment.isoformat(timespec="microseconds") + "Z"
)
_STORABLE = st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from("\t\n\r")
"""Text may hold anything printable and line breaks; other control characters are refused."""
TEXTS = st.text(_STORABLE, max_size=24) | st.sampled_from(
    [
        'He said "no".',
        "two\nlines\r\n",
        "emoji 😀👍🏽 and ✓",
        "tab\tback\\slash",
        "\u2028\u2029",
        "'",
    ]
)
NON_BLANK = st.text(_STORABLE, min_size=1, max_size=24).filter(str.strip)
SOURCE_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # the label schema's source_key_pattern
SOURCE_KEYS = st.from_regex(SOURCE_KEY, fullmatch=True)
# Ids and names as the importer accepts them (tests/test_hardening.py covers the refused ones).
DOCUMENT_IDS = st.text(min_size=1, max_size=20).filter(
    lambda v: _passes(lambda x: check_identifier(x, field="id"), v)
)
ANNOTATORS = st.text(
    st.characters(categories=("Lu", "Ll", "Lo", "Nd")) | st.sampled_from(" .-_'@+"), min_size=1, max_size=20
).filter(lambda name: _passes(check_user_name, name) and check_user_name(name) == name)


@st.composite
def label_values(draw: st.DrawFn) -> dict[str, Any]:
    """is_claim, source, source_other, confidence, note, flagged as the label schema allows them."""
    is_claim = draw(st.booleans())
    source = draw(st.none() | st.sampled_from(["author", "other"]) | SOURCE_KEYS) if is_claim else None
    source_other = draw(NON_BLANK) if source == "other" else draw(st.none() | TEXTS)
    return {
        "is_claim": is_claim,
        "source": source,
        "source_other": source_other,
        "confidence": draw(st.none() | st.integers(1, 5)),
        "note": draw(TEXTS),
        "flagged": draw(st.booleans()),
    }


@st.composite
def datasets(draw: st.DrawFn, max_documents: int = 3) -> list[dict[str, Any]]:
    """Records of a labels export: documents of sentences at consistent offsets, labelled by annotators."""
    document_ids = draw(st.lists(DOCUMENT_IDS, min_size=1, max_size=max_documents, unique=True))
    annotators = draw(st.lists(ANNOTATORS, min_size=1, max_size=3, unique=True))
    records: list[dict[str, Any]] = []
    for document_id in document_ids:
        offset = draw(st.integers(0, 40))
        for index in sorted(draw(st.lists(st.integers(0, 12), min_size=1, max_size=4, unique=True))):
            text = draw(TEXTS)
            sentence = {
                "document_id": document_id,
                "sentence_index": index,
                "text": text,
                "char_start": offset,
                "char_end": offset + len(text),
            }
            offset += len(text) + draw(st.integers(0, 3))
            for annotator in annotators:
                if records and not draw(st.booleans()):
                    continue
                records.append(
                    {
                        **sentence,
                        "annotator": annotator,
                        **draw(label_values()),
                        "created_at": draw(st.none() | TIMES),
                        "updated_at": draw(st.none() | TIMES),
                        "schema_version": 1,
                    }
                )
    return draw(st.permutations(records))


def _jsonl(records: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps(record) for record in records]


def _key(record: dict[str, Any]) -> tuple[str, int, str]:
    return record["document_id"], record["sentence_index"], record["annotator"]


# --- fuzzing: anything is imported or refused cleanly ----------------------------


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=400))
@example(data=b"")
@example(data=b"\xff\xfe{}")
@example(data=b"\n \n\t\n")
def test_arbitrary_bytes_are_refused_with_input_error_and_change_nothing(tmp_path: Path, data: bytes) -> None:
    """Whatever bytes a file holds, the importer raises InputError (or imports), never crashes."""
    _import_or_refuse(tmp_path, data)


@PROPERTY_SETTINGS
@given(lines=st.lists(JSON_VALUES | LABEL_OBJECTS, min_size=1, max_size=5))
@example(lines=[[1, 2], "text", None])
@example(lines=[{"document_id": "\ud800"}])
def test_arbitrary_json_lines_are_refused_with_input_error_and_change_nothing(
    tmp_path: Path, lines: list[Any]
) -> None:
    """JSON values of any shape and label-like objects with any field types: InputError, no change."""
    _import_or_refuse(tmp_path, b"\n".join(_json_line(line) for line in lines))


@PROPERTY_SETTINGS
@given(records=st.lists(mutated_records(), min_size=1, max_size=4))
@example(records=[{**SEED, "sentence_index": 2**64 - 1}])
@example(records=[{**SEED, "document_id": "new", "sentence_index": 2**63}])
@example(records=[{**SEED, "document_id": "new", "char_start": 2**62, "char_end": 2**62 + 21}])
@example(records=[{**SEED, "document_id": "new", "char_start": 10**12, "char_end": 10**12 + 21}])
@example(records=[{**SEED, "updated_at": "0001-01-01T00:00:00+01:00"}])
@example(records=[{**SEED, "created_at": "9999-12-31T23:59:59-05:00"}])
def test_nearly_valid_records_are_imported_or_refused_with_input_error(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    """Good labels with fields removed, mistyped or extreme (huge integers, times at the calendar's
    ends) either import or raise InputError leaving the database as it was: no OverflowError,
    no MemoryError, no half import."""
    _import_or_refuse(tmp_path, b"\n".join(_json_line(record) for record in records))


# --- one bad line spoils the whole file ----------------------------------------------


CORRUPTIONS = (
    "truncated JSON",
    "not an object",
    "missing field",
    "mistyped field",
    "negative number",
    "offsets off the text",
    "confidence off the scale",
    "malformed source key",
    "source on a non-claim",
    "other without a name",
    "bad time",
    "time past the calendar",
    "blank id",
    "not UTF-8",
    "huge index",
    "huge offsets",
)
REQUIRED = ("document_id", "sentence_index", "text", "char_start", "char_end", "annotator", "is_claim")


@st.composite
def bad_lines(draw: st.DrawFn, good: dict[str, Any], kind: str) -> bytes:
    """A line the importer must refuse on its own, whatever the other lines of the file hold."""
    record = dict(good)
    if kind == "truncated JSON":
        raw = orjson.dumps(record)
        return raw[: draw(st.integers(1, len(raw) - 1))]
    if kind == "not an object":
        return _json_line(draw(JSON_VALUES.filter(lambda value: not isinstance(value, dict))))
    if kind == "not UTF-8":
        return orjson.dumps({**record, "note": "BROKEN"}).replace(b"BROKEN", b"caf\xe9")
    if kind == "missing field":
        del record[draw(st.sampled_from(REQUIRED))]
    elif kind == "mistyped field":
        name = draw(st.sampled_from(REQUIRED))
        if name in ("document_id", "text", "annotator"):
            record[name] = draw(JSON_VALUES.filter(lambda value: not isinstance(value, str)))
        elif name == "is_claim":
            record[name] = draw(JSON_VALUES.filter(lambda value: not isinstance(value, bool)))
        else:  # true is not an integer here
            record[name] = draw(
                JSON_VALUES.filter(lambda value: isinstance(value, bool) or not isinstance(value, int))
            )
    elif kind == "negative number":
        record[draw(st.sampled_from(["sentence_index", "char_start"]))] = draw(st.integers(max_value=-1))
    elif kind == "offsets off the text":
        record["char_end"] = record["char_start"] + len(record["text"]) + draw(st.integers(1, 5))
    elif kind == "confidence off the scale":
        record["confidence"] = draw(st.integers().filter(lambda value: not 1 <= value <= 5))
    elif kind == "malformed source key":
        key = draw(st.text(max_size=70).filter(lambda key: not SOURCE_KEY.fullmatch(key)))
        record.update(is_claim=True, source=key)
    elif kind == "source on a non-claim":
        record.update(is_claim=False, source=draw(SOURCE_KEYS))
    elif kind == "other without a name":
        record.update(is_claim=True, source="other", source_other=draw(st.sampled_from([None, "", " \t"])))
    elif kind == "bad time":
        record[draw(st.sampled_from(["created_at", "updated_at"]))] = draw(
            st.sampled_from(["yesterday", "2026-13-01T00:00:00Z", "1/2/2026", "2026-01-01T25:00:00Z"])
        )
    elif kind == "time past the calendar":
        record[draw(st.sampled_from(["created_at", "updated_at"]))] = draw(
            st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59.999999-00:01"])
        )
    elif kind == "blank id":
        record[draw(st.sampled_from(["document_id", "annotator"]))] = draw(st.sampled_from(["", " ", "\t\n"]))
    elif kind == "huge index":
        record["sentence_index"] = draw(st.sampled_from([2**63, 2**64 - 1]) | st.integers(2**63, 2**64 - 1))
    elif kind == "huge offsets":
        start = draw(st.sampled_from([10**12, 2**62, 2**63]) | st.integers(10**10, 2**64 - 1000))
        # A document of its own, so that only the offsets can be wrong with this line.
        record.update(document_id="z" * 21, char_start=start, char_end=start + len(record["text"]))
    else:
        raise AssertionError(kind)
    return _json_line(record)


@pytest.mark.parametrize("kind", CORRUPTIONS)
@settings(PROPERTY_SETTINGS, max_examples=8)
@given(data=st.data())
def test_one_corrupted_line_names_its_line_and_imports_nothing(
    tmp_path: Path, kind: str, data: st.DataObject
) -> None:
    """A valid file with one bad line inserted anywhere: InputError at that line, no row written;
    the same file without the bad line then imports completely."""
    records = data.draw(datasets(max_documents=2), label="records")
    lines = _jsonl(records)
    position = data.draw(st.integers(0, len(lines)), label="position")
    bad = data.draw(bad_lines(data.draw(st.sampled_from(records), label="good"), kind), label="bad line")
    path = tmp_path / "corrupted.jsonl"
    path.write_bytes(b"\n".join([*lines[:position], bad, *lines[position:]]) + b"\n")
    engine = _empty_engine()
    try:
        with pytest.raises(InputError) as caught:
            import_labels_file(engine, path)
        assert caught.value.line == position + 1, str(caught.value)
        assert str(caught.value).startswith(f"{path}:{position + 1}: ")
        assert set(_row_counts(engine).values()) == {0}

        path.write_bytes(b"\n".join(lines))
        assert import_labels_file(engine, path).inserted == len(records)
    finally:
        engine.dispose()


# --- valid data round-trips exactly ------------------------------------------------


@PROPERTY_SETTINGS
@given(records=datasets())
def test_valid_dataset_round_trips_through_import_and_export(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    """Import into an empty database, export again: the same label records, times included."""
    path = tmp_path / "labels.jsonl"
    path.write_bytes(b"\n".join(_jsonl(records)) + b"\n")
    engine = _empty_engine()
    try:
        report = import_labels_file(engine, path)
        exported = _dump_labels(engine)
        sentences_out = io.BytesIO()
        export_jsonl(engine, what="sentences", out=sentences_out)
        with Session(engine) as session:
            texts = {doc.id: doc.text for doc in session.exec(select(Document)).all()}
    finally:
        engine.dispose()

    assert report.inserted == len(records)
    assert set(report.documents_created) == {r["document_id"] for r in records}
    assert set(report.users_created) == {r["annotator"] for r in records}

    by_key = {_key(r): r for r in exported}
    assert sorted(by_key) == sorted(_key(r) for r in records)
    expected = []
    for record in records:
        got = by_key[_key(record)]
        record = dict(record)
        for name in ("created_at", "updated_at"):
            assert EXPORT_TIME.fullmatch(got[name]), got[name]
        if record["updated_at"] is None:
            record["updated_at"] = got["updated_at"]  # the time of the import
        if record["created_at"] is None:
            record["created_at"] = record["updated_at"]
        # A line without evidence is a label without it; the export always says so.
        expected.append({"cue": None, "source_mention": None, "via": [], **record})
    assert sorted(exported, key=_key) == sorted(expected, key=_key)

    # Every sentence sits at its offsets in the document rebuilt from the labels.
    sentences = [orjson.loads(line) for line in sentences_out.getvalue().splitlines()]
    assert {
        (s["document_id"], s["sentence_index"], s["text"], s["char_start"], s["char_end"]) for s in sentences
    } == {(r["document_id"], r["sentence_index"], r["text"], r["char_start"], r["char_end"]) for r in records}
    for s in sentences:
        assert texts[s["document_id"]][s["char_start"] : s["char_end"]] == s["text"]


# --- the fast path decides nothing -------------------------------------------------


def _fast_record(raw: bytes) -> LabelRecord | None:
    try:
        return _RecordChecker(file="f", schema=SCHEMA).record(decode_fast(raw), 1)
    except (ValueError, InputError):
        return None


def _slow_record(raw: bytes) -> LabelRecord | str:
    try:
        return _parse_line(raw, line=1, checker=_RecordChecker(file="f", schema=SCHEMA))
    except InputError as error:
        return str(error)


def _spoiled(record: dict[str, Any], how: str) -> bytes:
    raw = _json_line(record)
    if how == "unknown field holding bad UTF-8":  # msgspec skips unknown values unchecked
        return raw[:-1] + b', "extra": "caf\xe9"}'
    if how == "unknown field holding an infinite number":
        return raw[:-1] + b', "extra": 1e400}'
    if how == "repeated field":
        return raw[:-1] + b', "confidence": 2}'
    return raw


@PROPERTY_SETTINGS
@given(
    record=mutated_records() | datasets(max_documents=1).map(lambda records: records[0]),
    padded=st.sampled_from(["", " ", "\t"]),
    how=st.sampled_from(
        [
            "as is",
            "unknown field holding bad UTF-8",
            "unknown field holding an infinite number",
            "repeated field",
        ]
    ),
)
@example(record={**SEED, "sentence_index": 2**64}, padded="", how="as is")
@example(record={**SEED, "updated_at": "2026-02-30T00:00:00.000000Z"}, padded="", how="as is")
def test_fast_path_accepts_only_what_the_slow_path_accepts_and_reads_it_alike(
    record: dict[str, Any], padded: str, how: str
) -> None:
    """Whatever msgspec takes, orjson and the per-field checks take too, as the same record."""
    if isinstance(record.get("annotator"), str):
        record = {**record, "annotator": padded + record["annotator"] + padded}
    raw = _spoiled(record, how)
    fast = _fast_record(raw)
    if fast is not None:
        assert _slow_record(raw) == fast


@PROPERTY_SETTINGS
@given(value=TIMES | OFFSET_TIMES | AWKWARD_TIMES | st.from_regex(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"))
@example(value="2026-11-01T24:00:00.000000Z")
@example(value="2026-W44-1T00:00:01.007919Z")
def test_a_time_is_stored_as_the_instant_it_names(value: str) -> None:
    """Times in the exporter's form are sliced into the stored text: the same text as converting them."""
    try:
        moment = datetime.fromisoformat(value)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        # A time more than a day ahead is refused: it would win every later "newer" comparison.
        in_future = moment > datetime.now(UTC) + FUTURE_SLACK
        expected: str | None = None if in_future else stored_time("sqlite", moment)
    except (ValueError, OverflowError):
        expected = None
    got = _slow_record(_json_line({**SEED, "updated_at": value}))
    assert (got.updated_at if isinstance(got, LabelRecord) else None) == expected


LABEL_VALUES = st.fixed_dictionaries(
    {
        "is_claim": st.booleans(),
        "source": st.sampled_from([None, "alpha", "other", "author", "Bad Key!"]),
        "source_other": st.sampled_from([None, "", " ", "A neighbour"]),
        "confidence": st.sampled_from([None, 0, 1, 5, 6]),
    }
)


@PROPERTY_SETTINGS
@given(values=st.lists(LABEL_VALUES, min_size=1, max_size=12))
@example(
    values=[
        {"is_claim": True, "source": "other", "source_other": "A neighbour", "confidence": 1},
        {"is_claim": True, "source": "other", "source_other": " ", "confidence": 1},
    ]
)
def test_each_line_gets_the_label_schemas_verdict(values: list[dict[str, Any]]) -> None:
    """The verdicts of check_label are remembered across lines: the same as asking for each line."""
    expected: str | None = None
    for number, label_values in enumerate(values, start=1):
        try:
            check_label(SCHEMA, **label_values, file="f", line=number)
        except InputError as error:
            expected = str(error)
            break
    lines = [_json_line({**SEED, **v, "sentence_index": i}) for i, v in enumerate(values)]
    try:
        read_label_records(b"\n".join(lines), file="f", schema=SCHEMA)
    except InputError as error:
        assert str(error) == expected
    else:
        assert expected is None
