"""``import-labels``: load a labels JSONL export into any database, all or nothing.

Phase 1 reads and checks every line (JSON, fields, types, the label schema, duplicates)
without touching the database; phase 2 checks the records against what is stored and
writes everything in one transaction. Any error names file, line and field, and leaves
the database as it was.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.errors import InputError
from annotator.domain.label_schema import LabelSchema, check_label
from annotator.io.schemas import load_label_schema
from annotator.store import bulk

MAX_DOCUMENT_ID = 200
MAX_NAME = 100
"""The store's column sizes (Document.id, User.name)."""
MAX_LINE_BYTES = 2 * 1024 * 1024
"""A label line is a sentence and a few fields; anything longer is not a labels export."""

MAX_OFFSET = 50_000_000
"""Largest sentence index or character offset: no article is longer (the article importer's
file limit). Beyond it the database overflows, or a document rebuilt from the labels eats memory."""

_REQUIRED: dict[str, tuple[type, ...]] = {
    "document_id": (str,),
    "sentence_index": (int,),
    "text": (str,),
    "char_start": (int,),
    "char_end": (int,),
    "annotator": (str,),
    "is_claim": (bool,),
}
_OPTIONAL: dict[str, tuple[type, ...]] = {
    "source": (str, type(None)),
    "source_other": (str, type(None)),
    "confidence": (int, type(None)),
    "note": (str, type(None)),
    "flagged": (bool,),
    "created_at": (str, type(None)),
    "updated_at": (str, type(None)),
}
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", type(None): "null"}


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
    on_progress: Callable[[str, int], None] | None = None,
) -> ImportReport:
    """Read ``path`` (labels JSONL) and store it; raise InputError and change nothing on bad input."""
    schema = schema or load_label_schema()
    with path.open("rb") as stream:
        records = read_label_records(stream, file=str(path), schema=schema, on_progress=on_progress)
    with Session(engine, expire_on_commit=False) as session:
        result = bulk.store_label_records(
            session=session, records=records, file=str(path), special_keys=schema.special_keys
        )
    return ImportReport(lines=len(records), **result)


def read_label_records(
    source: bytes | IO[bytes],
    *,
    file: str,
    schema: LabelSchema,
    on_progress: Callable[[str, int], None] | None = None,
) -> list[bulk.LabelRecord]:
    """Parse and check every line; nothing is written. Reads line by line: a million lines
    must not hold the file, its text and its lines in memory at once."""
    lines = io.BytesIO(source) if isinstance(source, bytes) else source
    records: list[bulk.LabelRecord] = []
    seen: dict[tuple[str, int, str], int] = {}
    for number, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE_BYTES:
            raise InputError(
                f"line is {len(raw):,} bytes long, over the {MAX_LINE_BYTES:,} limit",
                file=file,
                line=number,
                hint="a labels line holds one sentence",
            )
        if not raw.strip():
            continue
        record = _parse_line(raw, file=file, line=number, schema=schema)
        identity = (record.document_id, record.sentence_index, record.annotator)
        first = seen.setdefault(identity, number)
        if first != number:
            raise InputError(
                f"duplicate label for sentence {record.sentence_index} of {record.document_id!r} "
                f"by {record.annotator!r} (first on line {first})",
                file=file,
                line=number,
                field="annotator",
                hint="keep one line per sentence and annotator",
            )
        records.append(record)
        if on_progress is not None and number % 50_000 == 0:
            on_progress("read", number)
    if not records:
        raise InputError("no label records in the file", file=file, hint="is this a labels export?")
    return records


def _fields_well_typed(obj: dict[str, Any]) -> bool:
    """The common case in one pass; on False the slow checks name the first bad field."""
    get = obj.get
    confidence = get("confidence")
    return (
        type(get("document_id")) is str
        and type(get("sentence_index")) is int
        and type(get("text")) is str
        and type(get("char_start")) is int
        and type(get("char_end")) is int
        and type(get("annotator")) is str
        and type(get("is_claim")) is bool
        and (confidence is None or type(confidence) is int)
        and type(get("source")) in (str, type(None))
        and type(get("source_other")) in (str, type(None))
        and type(get("note")) in (str, type(None))
        and type(get("flagged", False)) is bool
        and type(get("created_at")) in (str, type(None))
        and type(get("updated_at")) in (str, type(None))
    )


def _parse_line(raw: bytes, *, file: str, line: int, schema: LabelSchema) -> bulk.LabelRecord:
    try:
        obj = orjson.loads(raw)
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
    if not _fields_well_typed(obj):
        _report_bad_field(obj, file=file, line=line)
    return _checked_record(obj, file=file, line=line, schema=schema)


def _report_bad_field(obj: dict[str, Any], *, file: str, line: int) -> None:
    for name, types in _REQUIRED.items():
        if name not in obj:
            raise InputError(
                "missing", file=file, line=line, field=name, hint="labels lines need " + ", ".join(_REQUIRED)
            )
        _check_type(obj[name], types, file=file, line=line, field=name)
    for name, types in _OPTIONAL.items():
        if name in obj:
            _check_type(obj[name], types, file=file, line=line, field=name)


def _checked_record(obj: dict[str, Any], *, file: str, line: int, schema: LabelSchema) -> bulk.LabelRecord:
    if not obj["document_id"].strip():
        raise InputError("is empty", file=file, line=line, field="document_id")
    if not obj["annotator"].strip():
        raise InputError("is empty", file=file, line=line, field="annotator")
    for name, limit in (("document_id", MAX_DOCUMENT_ID), ("annotator", MAX_NAME)):
        if len(obj[name]) > limit:
            raise InputError(
                f"is {len(obj[name])} characters long, over the {limit} limit",
                file=file,
                line=line,
                field=name,
            )
    for name in ("sentence_index", "char_start", "char_end"):
        if obj[name] < 0:
            raise InputError(f"is negative ({obj[name]})", file=file, line=line, field=name)
        if obj[name] > MAX_OFFSET:
            raise InputError(
                f"is too large ({obj[name]:,}, the limit is {MAX_OFFSET:,})", file=file, line=line, field=name
            )
    if obj["char_end"] - obj["char_start"] != len(obj["text"]):
        raise InputError(
            f"char_end - char_start is {obj['char_end'] - obj['char_start']} but the text has "
            f"{len(obj['text'])} characters",
            file=file,
            line=line,
            field="char_end",
            hint="offsets must slice the sentence out of its document",
        )
    check_label(
        schema,
        is_claim=obj["is_claim"],
        source=obj.get("source"),
        confidence=obj.get("confidence"),
        source_other=obj.get("source_other"),
        file=file,
        line=line,
    )
    return bulk.LabelRecord(
        line=line,
        document_id=obj["document_id"],
        sentence_index=obj["sentence_index"],
        text=obj["text"],
        char_start=obj["char_start"],
        char_end=obj["char_end"],
        annotator=obj["annotator"].strip(),
        is_claim=obj["is_claim"],
        source=obj.get("source"),
        source_other=obj.get("source_other"),
        confidence=obj.get("confidence"),
        note=obj.get("note") or "",
        flagged=obj.get("flagged", False),
        created_at=_parse_time(obj.get("created_at"), file=file, line=line, field="created_at"),
        updated_at=_parse_time(obj.get("updated_at"), file=file, line=line, field="updated_at"),
    )


def _check_type(value: Any, types: tuple[type, ...], *, file: str, line: int, field: str) -> None:
    # bool is a subclass of int in Python, but true is not a confidence and 1 is not a flag.
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        expected = " or ".join(_TYPE_NAMES[t] for t in types)
        raise InputError(
            f"must be {expected}, got {orjson.dumps(value).decode()[:40]}", file=file, line=line, field=field
        )


def _parse_time(value: str | None, *, file: str, line: int, field: str) -> datetime | None:
    if value is None:
        return None
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
