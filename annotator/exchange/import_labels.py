"""``import-labels``: load a labels JSONL export into any database, all or nothing.

The file streams through in chunks: each chunk of lines is read and checked (JSON, fields,
types, the label schema, the evidence), then checked against what is stored and written,
all in one transaction that rolls back on the first bad line. Any error names file, line
and field, and leaves the database as it was. Memory stays flat in the number of labels.

A line is first decoded by msgspec straight into a typed struct (a million lines must
import within a few times a raw insert). Whatever that fast path refuses, for any reason,
goes through the orjson path, which either accepts the line as well or says precisely
what is wrong: the fast path only ever saves time, it never decides an error.
"""

from __future__ import annotations

import gc
import io
import operator
import re
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import UnionType
from typing import IO, Any, NoReturn

import msgspec
import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.errors import InputError
from annotator.domain.label import EVIDENCE_FIELDS, LABEL_FIELDS, VIA_OTHER_PREFIX, LabelValue, TextSpan
from annotator.domain.label_schema import LabelSchema, check_label, check_label_text
from annotator.domain.names import (
    MAX_DOCUMENT_ID,
    MAX_USER_NAME,
    check_free_text,
    check_identifier,
    check_user_name,
)
from annotator.exchange.schemas import load_label_schema
from annotator.exchange.strict_json import RepeatedKeyError, check_no_repeated_keys
from annotator.store import bulk
from annotator.store.engine import run_write

MAX_LINE_BYTES = 2 * 1024 * 1024
"""A label line is a sentence and a few fields; anything longer is not a labels export."""

MAX_OFFSET = 50_000_000
"""Largest sentence index or character offset: no article is longer (the article importer's
file limit). Beyond it the database overflows, or a document rebuilt from the labels eats memory."""

_SPAN_FIELDS: dict[str, type] = {"char_start": int, "char_end": int, "text": str}
_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    type(None): "null",
    dict: 'an object {"char_start", "char_end", "text"}',
    list: "a list of strings",
}

CHUNK_LINES = 5_000
"""Lines read, checked and written at a time: large enough that the per-chunk queries cost
little, small enough that a chunk's records take a few MiB."""

_EXPORT_TIME = re.compile(r"\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z", re.ASCII)
"""How the exporter writes times: already UTC, so the stored text is a matter of slicing.
Hours stop at 23: newer Pythons read 24:00 as midnight of the next day."""


class _Span(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    char_start: int
    char_end: int
    text: str


class _Line(bulk.LabelPlace, frozen=True, forbid_unknown_fields=True, gc=False):
    """A labels line: with ``LabelPlace``'s, the one declaration of the format's fields, their
    types and the defaults of those a line may leave out. The slow path checks each field's type
    from it (``_JSON_TYPES``), and the fast path's structs are derived from it (``_exporter_line``).

    Unknown fields are refused (the slow path then takes the line and ignores them): msgspec
    skips their values without orjson's checks (UTF-8, number range), so it could accept a
    line orjson refuses. gc=False: a million of these need no cycle collection.
    """

    is_claim: bool
    source: str | None = None
    source_other: str | None = None
    confidence: int | None = None
    note: str | None = None
    flagged: bool = False
    created_at: str | None = None
    updated_at: str | None = None
    schema_version: int | None = None
    """Written by the exporter; ignored."""
    cue: _Span | None = None
    source_mention: _Span | None = None
    via: list[str] = []


_FIELDS = msgspec.structs.fields(_Line)
_EVIDENCE = frozenset(EVIDENCE_FIELDS)


def _json_types(kind: Any) -> tuple[type, ...]:
    """The Python types orjson reads a field of this declared type as (a span is a dict)."""
    options = typing.get_args(kind) if isinstance(kind, UnionType) else (kind,)
    return tuple(dict if option is _Span else typing.get_origin(option) or option for option in options)


_JSON_TYPES = {f.name: _json_types(f.type) for f in _FIELDS}
_REQUIRED = [f.name for f in _FIELDS if f.required]
_LINE_FIELDS = tuple(_JSON_TYPES)


def _exporter_line(name: str, *, evidence: bool) -> type[_Line]:
    """A ``_Line`` whose every field is required, as the exporter writes each on every line:
    with ``evidence`` or, as it did before labels had evidence, without (those fields keep their
    defaults). The fast path takes only these."""
    required = [(f.name, f.type) for f in _FIELDS if evidence or f.name not in _EVIDENCE]
    line = msgspec.defstruct(
        name, required, bases=(_Line,), kw_only=True, forbid_unknown_fields=True, gc=False
    )
    assert issubclass(line, _Line)
    return line


_DECODE_EXPORT_LINE = msgspec.json.Decoder(_exporter_line("_ExportLine", evidence=False)).decode
_DECODE_EVIDENCE_LINE = msgspec.json.Decoder(_exporter_line("_EvidenceExportLine", evidence=True)).decode
_KEY_ENDS = len(_FIELDS) - len(_EVIDENCE)
_EVIDENCE_KEY_ENDS = len(_FIELDS)
_SPAN_KEY_ENDS = len(_Span.__struct_fields__)
"""msgspec, like orjson, keeps the last of two equal keys. A line holding every field and
exactly as many ``":`` (a key's end) as its keys has each key once; any other line goes to
the slow path, which tells a repeated key from ``":`` inside a value. One count: a million
lines must import within a few times a raw insert."""


def decode_fast(raw: bytes) -> _Line:
    """The line as msgspec decodes it, when it is a complete exporter line with each key once;
    ValueError otherwise (the slow path then decides)."""
    key_ends = raw.count(b'":')
    if key_ends == _KEY_ENDS:
        return _DECODE_EXPORT_LINE(raw)
    line = _DECODE_EVIDENCE_LINE(raw)
    spans = (line.cue is not None) + (line.source_mention is not None)
    if key_ends != _EVIDENCE_KEY_ENDS + spans * _SPAN_KEY_ENDS:
        raise ValueError("not exactly one key per field")
    return line


_LABEL_VALUES = operator.attrgetter(*LABEL_FIELDS)
"""A line's ``LABEL_FIELDS`` values, in that order."""


def _label_value(values: tuple[Any, ...], **evidence: Any) -> LabelValue:
    """The label of a line's ``LABEL_FIELDS`` values (a missing note is an empty one)."""
    fields = dict(zip(LABEL_FIELDS, values, strict=True))
    fields["note"] = fields["note"] or ""
    return LabelValue(**fields, **evidence)


_VALUES_KEPT = 4096
"""Distinct label values shared between lines; past this (notes all differ) the cache starts again."""

FUTURE_SLACK = timedelta(days=1)
"""A time further ahead than this (clocks differ a little) is a mistake, and would win every
later "newer label" comparison."""


@dataclass(frozen=True)
class ImportReport:
    lines: int
    inserted: int
    updated: int
    unchanged: int
    older_skipped: int
    documents_created: list[str] = field(default_factory=list)
    sources_added: int = 0
    users_created: list[str] = field(default_factory=list)


def import_labels_file(
    engine: Engine,
    path: Path,
    *,
    schema: LabelSchema | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Read ``path`` (labels JSONL) and store it; raise InputError and change nothing on bad input.

    ``on_progress`` is called after each chunk with the bytes of the file read so far.
    """
    schema = schema or load_label_schema()
    file = str(path)

    def first_line(document_id: str, sentence_index: int, annotator: str | None) -> int:
        """Read the file again for an error message: the lines before are all valid."""
        with path.open("rb") as stream:
            for record in iter_label_records(stream, file=file, schema=schema):
                if (record.document_id, record.sentence_index) == (document_id, sentence_index) and (
                    annotator is None or record.annotator == annotator
                ):
                    return record.line
        raise AssertionError("first_line is asked only about lines already read")

    with _no_cycle_collection(), Session(engine, expire_on_commit=False) as session:

        def write() -> dict[str, Any]:
            # Begun afresh, from the top of the file, if run_write has to try again.
            with (
                bulk.LabelImport(
                    session=session, file=file, special_keys=schema.special_keys, first_line=first_line
                ) as target,
                path.open("rb") as stream,
            ):
                chunk: list[bulk.LabelRecord] = []
                for record in iter_label_records(stream, file=file, schema=schema):
                    chunk.append(record)
                    if len(chunk) == CHUNK_LINES:
                        target.add(chunk)
                        chunk = []
                        if on_progress is not None:
                            on_progress(stream.tell())
                target.add(chunk)
                if on_progress is not None:
                    on_progress(stream.tell())
                if not target.records:
                    raise InputError(
                        "no label records in the file", file=file, hint="is this a labels export?"
                    )
                result = target.finish()
            session.commit()
            return {"lines": target.records, **result}

        return ImportReport(**run_write(session, write))


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: the records and rows of a chunk make no cycles, yet
    frequent collections would walk them all again (a tenth of a 1M-label import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_label_records(
    source: bytes | IO[bytes], *, file: str, schema: LabelSchema
) -> list[bulk.LabelRecord]:
    """Parse and check every line on its own; nothing is written. For small inputs and the
    checks of one line: an import streams through ``iter_label_records`` and the store checks
    what involves other lines (duplicates, sentences shared by labels)."""
    records = list(iter_label_records(source, file=file, schema=schema))
    if not records:
        raise InputError("no label records in the file", file=file, hint="is this a labels export?")
    return records


def iter_label_records(
    source: bytes | IO[bytes], *, file: str, schema: LabelSchema
) -> Iterator[bulk.LabelRecord]:
    """Each line parsed and checked on its own, as it is read: the store checks what needs
    other lines (duplicates, sentences shared by labels) and the stored documents."""
    lines = io.BytesIO(source) if isinstance(source, bytes) else source
    checker = _RecordChecker(file=file, schema=schema)
    for number, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(
                f"line is {len(raw):,} bytes long, over the {MAX_LINE_BYTES:,} limit",
                file=file,
                line=number,
                hint="a labels line holds one sentence",
            )
        try:
            record = checker.record(decode_fast(raw), number)
        except (ValueError, InputError):  # msgspec's DecodeError, or bad UTF-8 in a string
            if not raw.strip():  # never decodes, so blank lines are only looked for here
                continue
            record = _parse_line(raw, line=number, checker=checker)
        yield record


def _parse_line(raw: bytes, *, line: int, checker: _RecordChecker) -> bulk.LabelRecord:
    """The slow path: orjson, then each field's type, so that any error names its field."""
    file = checker.file
    try:
        obj = orjson.loads(raw)
        if isinstance(obj, dict):
            check_no_repeated_keys(raw)
    except RepeatedKeyError as repeated:
        raise InputError(
            "appears twice in the record",
            file=file,
            line=line,
            field=repeated.key,
            hint="keep one value per field (JSON readers disagree on which one counts)",
        ) from None
    except orjson.JSONDecodeError as error:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise InputError(
                f"not UTF-8 (byte {bad.start} of the line)",
                file=file,
                line=line,
                hint="save the file as UTF-8",
            ) from None
        raise InputError(
            f"invalid JSON: {error}", file=file, line=line, hint="each line must be one JSON object"
        ) from None
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, got {type(obj).__name__}", file=file, line=line)
    _check_types(obj, file=file, line=line)
    return checker.record(_Line(**{name: obj[name] for name in _LINE_FIELDS if name in obj}), line)


def _check_types(obj: dict[str, Any], *, file: str, line: int) -> None:
    for name, types in _JSON_TYPES.items():  # in the order of the format: the first bad field is named
        if name in obj:
            _check_type(obj[name], types, file=file, line=line, field=name)
        elif name in _REQUIRED:
            raise InputError(
                "missing", file=file, line=line, field=name, hint="labels lines need " + ", ".join(_REQUIRED)
            )
    for name in ("cue", "source_mention"):
        span = obj.get(name)
        if span is None:
            continue
        for key, kind in _SPAN_FIELDS.items():
            if key not in span:
                raise InputError(
                    f"has no {key!r}",
                    file=file,
                    line=line,
                    field=name,
                    hint='spans are {"char_start", "char_end", "text"}',
                )
            _check_type(span[key], (kind,), file=file, line=line, field=f"{name}.{key}")
        obj[name] = _Span(**{key: span[key] for key in _SPAN_FIELDS})
    for entry in obj.get("via", ()):
        _check_type(entry, (str,), file=file, line=line, field="via")


def _check_type(value: Any, types: tuple[type, ...], *, file: str, line: int, field: str) -> None:
    # bool is a subclass of int in Python, but true is not a confidence and 1 is not a flag.
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        expected = " or ".join(_TYPE_NAMES[t] for t in types)
        raise InputError(
            f"must be {expected}, got {orjson.dumps(value).decode()[:40]}", file=file, line=line, field=field
        )


class _RecordChecker:
    """The checks after the types, shared by both paths, and the record they let through."""

    def __init__(self, *, file: str, schema: LabelSchema) -> None:
        self.file = file
        self.schema = schema
        # check_label's verdict depends on is_claim, source, confidence and whether
        # source_other is blank only, and a file repeats few combinations of them.
        self._labels_passed: set[tuple[bool, str | None, int | None, bool]] = set()
        # Checked names, as in the file -> as stored. One string object for each name and each
        # sentence's text, not one a line: a million records take far less memory, and the
        # store compares and looks them up faster.
        self._document_ids: dict[str, str] = {}
        self._annotators: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        self._values: dict[tuple[Any, ...], LabelValue] = {}
        # As the store writes times: later is larger, so one string comparison a line.
        latest = datetime.now(UTC) + FUTURE_SLACK
        self._latest_time = latest.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def record(self, line: _Line, number: int) -> bulk.LabelRecord:
        document_id = self._document_ids.get(line.document_id)
        annotator = self._annotators.get(line.annotator)
        if document_id is None or annotator is None:
            document_id, annotator = self._new_names(line, number)
        start, end = line.char_start, line.char_end
        if not (
            0 <= line.sentence_index <= MAX_OFFSET and 0 <= start <= MAX_OFFSET and 0 <= end <= MAX_OFFSET
        ) or end - start != len(line.text):
            self._report_first_bad_field(line, number)
        self._check_label(line, number)
        value = self._value(line, number)
        if line.note or line.source_other:
            check_label_text(note=line.note, source_other=line.source_other, file=self.file, line=number)
        text = self._texts.get(line.text)
        if text is None:
            check_free_text(line.text, field="text", file=self.file, line=number)
            text = self._texts.setdefault(line.text, line.text)
        created = self._stored_time(line.created_at, number, "created_at")
        if line.updated_at == line.created_at:  # a label never edited: one conversion for both
            updated = created
        else:
            updated = self._stored_time(line.updated_at, number, "updated_at")
        return bulk.LabelRecord(
            line=number,
            document_id=document_id,
            sentence_index=line.sentence_index,
            text=text,
            char_start=start,
            char_end=end,
            annotator=annotator,
            value=value,
            created_at=created,
            updated_at=updated,
        )

    def _value(self, line: _Line, number: int) -> LabelValue:
        key: tuple[Any, ...] = _LABEL_VALUES(line)
        if line.cue is None and line.source_mention is None and not line.via:
            # Most labels repeat a few values: one shared (immutable) LabelValue for each, so a
            # million lines do not each build one (1.5 µs a line, an eighth of the import).
            value = self._values.get(key)
            if value is None:
                if len(self._values) >= _VALUES_KEPT:
                    self._values.clear()
                value = self._values[key] = _label_value(key)
            return value
        return _label_value(
            key,
            cue=None if line.cue is None else self._span(line.cue, number, "cue"),
            source_mention=(
                None
                if line.source_mention is None
                else self._span(line.source_mention, number, "source_mention")
            ),
            via=self._via(line.via, number) if line.via else (),
        )

    def _span(self, span: _Span, number: int, field: str) -> TextSpan:
        """The span, once its offsets fit a document (whether they fit this one, the store checks)."""
        for offset in (span.char_start, span.char_end):
            if not 0 <= offset <= MAX_OFFSET:
                raise InputError(
                    f"offset {offset:,} is outside any document (0-{MAX_OFFSET:,})",
                    file=self.file,
                    line=number,
                    field=field,
                )
        return TextSpan(span.char_start, span.char_end, span.text)

    def _via(self, via: Sequence[str], number: int) -> tuple[str, ...]:
        """The chain, once each entry is a source key or ``other:NAME``: keys join the article's
        list as imported, as a record's ``source`` does."""
        for entry in via:
            if entry.startswith(VIA_OTHER_PREFIX):
                check_free_text(entry, field="via", file=self.file, line=number)
            elif not self.schema.is_valid_source_key(entry):
                raise InputError(
                    f"{entry[:70]!r} is neither a source key nor {VIA_OTHER_PREFIX}NAME",
                    file=self.file,
                    line=number,
                    field="via",
                    hint="keys are lower-case letters, digits, '-' and '_'",
                )
        return tuple(via)

    def _new_names(self, line: _Line, number: int) -> tuple[str, str]:
        """Check a document id or annotator not seen before, and keep it: one string for all its records."""
        if (
            not line.document_id.strip()
            or not line.annotator.strip()
            or len(line.document_id) > MAX_DOCUMENT_ID
            or len(line.annotator) > MAX_USER_NAME
        ):
            self._report_first_bad_field(line, number)
        if line.document_id not in self._document_ids:
            check_identifier(line.document_id, field="document_id", file=self.file, line=number)
        if line.annotator not in self._annotators:
            check_user_name(line.annotator, field="annotator", file=self.file, line=number)
        document_id = self._document_ids.setdefault(line.document_id, line.document_id)
        annotator = self._annotators.setdefault(line.annotator, line.annotator.strip())
        return document_id, annotator

    def _report_first_bad_field(self, line: _Line, number: int) -> NoReturn:
        """Raise the error for the first bad identity or offset field, in the order of the file format."""
        file = self.file
        if not line.document_id.strip():
            raise InputError("is empty", file=file, line=number, field="document_id")
        if not line.annotator.strip():
            raise InputError("is empty", file=file, line=number, field="annotator")
        for name, limit in (("document_id", MAX_DOCUMENT_ID), ("annotator", MAX_USER_NAME)):
            value: str = getattr(line, name)
            if len(value) > limit:
                raise InputError(
                    f"is {len(value)} characters long, over the {limit} limit",
                    file=file,
                    line=number,
                    field=name,
                )
        for name in ("sentence_index", "char_start", "char_end"):
            offset: int = getattr(line, name)
            if offset < 0:
                raise InputError(f"is negative ({offset})", file=file, line=number, field=name)
            if offset > MAX_OFFSET:
                raise InputError(
                    f"is too large ({offset:,}, the limit is {MAX_OFFSET:,})",
                    file=file,
                    line=number,
                    field=name,
                )
        raise InputError(
            f"char_end - char_start is {line.char_end - line.char_start} but the text has "
            f"{len(line.text)} characters",
            file=file,
            line=number,
            field="char_end",
            hint="offsets must slice the sentence out of its document",
        )

    def _check_label(self, line: _Line, number: int) -> None:
        key = (line.is_claim, line.source, line.confidence, not (line.source_other or "").strip())
        if key in self._labels_passed:
            return
        check_label(
            self.schema,
            is_claim=line.is_claim,
            source=line.source,
            confidence=line.confidence,
            source_other=line.source_other,
            file=self.file,
            line=number,
        )
        self._labels_passed.add(key)

    def _stored_time(self, value: str | None, number: int, field: str) -> str | None:
        """The time in UTC as the store keeps it (``bulk.LabelRecord``), or an error naming the field."""
        if value is None:
            return None
        stored = None
        if _EXPORT_TIME.fullmatch(value) is not None:
            try:
                datetime.fromisoformat(value)  # the pattern lets 2026-02-30 through
            except ValueError:
                pass
            else:
                stored = value[:10] + " " + value[11:26]
        if stored is None:
            moment = _parse_time(value, file=self.file, line=number, field=field)
            stored = moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        if stored > self._latest_time:
            raise InputError(
                f"is in the future: {value!r}",
                file=self.file,
                line=number,
                field=field,
                hint="times say when a label was saved, in UTC: check the clock of the machine it came from",
            )
        return stored


def _parse_time(value: str, *, file: str, line: int, field: str) -> datetime:
    """``value`` in UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"not an ISO 8601 date-time: {value!r}",
            file=file,
            line=line,
            field=field,
            hint="e.g. 2017-07-22T10:00:00Z",
        ) from None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise InputError(
            f"out of range in UTC: {value!r}",
            file=file,
            line=line,
            field=field,
            hint="e.g. 2017-07-22T10:00:00Z",
        ) from None
