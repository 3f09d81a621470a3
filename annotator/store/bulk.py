"""Bulk writes for label imports: set-based, one transaction, no ORM object per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from annotator.domain import passwords
from annotator.domain.errors import InputError
from annotator.store.engine import driver_sql, run_write, stored_time
from annotator.store.gold import reopen
from annotator.store.models import (
    Document,
    Label,
    LabelHistory,
    Role,
    Sentence,
    Source,
    SourceOrigin,
    User,
    as_utc,
    utcnow,
)

_IN_CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds


@dataclass(frozen=True, slots=True)
class LabelRecord:
    """One checked line of a labels file."""

    line: int
    document_id: str
    sentence_index: int
    text: str
    char_start: int
    char_end: int
    annotator: str
    is_claim: bool
    source: str | None
    source_other: str | None
    confidence: int | None
    note: str
    flagged: bool
    created_at: datetime | None
    updated_at: datetime | None

    def values(self) -> tuple[Any, ...]:
        return (self.is_claim, self.source, self.source_other, self.confidence, self.note, self.flagged)


_VALUE_COLUMNS = ("is_claim", "source", "source_other", "confidence", "note", "flagged")


def store_label_records(
    *,
    session: Session,
    records: Sequence[LabelRecord],
    file: str,
    special_keys: frozenset[str],
) -> dict[str, Any]:
    """Write checked records in one transaction; raise InputError (and write nothing) on a conflict."""

    def write() -> dict[str, Any]:
        try:
            result = _store(session=session, records=records, file=file, special_keys=special_keys)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise

    return run_write(session, write)


def _store(
    *, session: Session, records: Sequence[LabelRecord], file: str, special_keys: frozenset[str]
) -> dict[str, Any]:
    by_document: dict[str, list[LabelRecord]] = defaultdict(list)
    for record in records:
        by_document[record.document_id].append(record)

    stored = _in_chunks(session, col(Document.id), list(by_document), col(Document.id))
    known = {doc_id for (doc_id,) in stored}
    created_documents = [doc_id for doc_id in by_document if doc_id not in known]
    sentence_ids = _create_documents(session, {d: by_document[d] for d in created_documents}, file)
    for document_id in known:
        sentence_ids.update(_match_sentences(session, document_id, by_document[document_id], file))

    sources_added = _add_missing_sources(session, by_document, special_keys)
    user_ids, users_created = _user_ids(session, {r.annotator for r in records})
    counts = _write_labels(session, records, sentence_ids, user_ids)
    return {
        **counts,
        "documents_created": created_documents,
        "sources_added": sources_added,
        "users_created": users_created,
    }


def _in_chunks(session: Session, column: Any, values: Sequence[Any], *selected: Any) -> list[Any]:
    """``SELECT selected WHERE column IN values``, in chunks under SQLite's parameter limit."""
    rows: list[Any] = []
    for start in range(0, len(values), _IN_CHUNK):
        chunk = list(values[start : start + _IN_CHUNK])
        rows.extend(session.execute(select(*selected).where(column.in_(chunk))).all())
    return rows


def _create_documents(
    session: Session, by_document: dict[str, list[LabelRecord]], file: str
) -> dict[tuple[str, int], int]:
    """Documents known only from labels, in two executemany statements (not one flush each)."""
    if not by_document:
        return {}
    now = utcnow()
    documents: list[dict[str, Any]] = []
    sentences: list[dict[str, Any]] = []
    for document_id, records in by_document.items():
        text, rows = _document_from_records(document_id, records, file)
        documents.append(
            {
                "id": document_id,
                "title": document_id,
                "text": text,
                "url": None,
                "published": None,
                "created_at": now,
            }
        )
        sentences.extend(rows)
    connection = session.connection()
    connection.execute(Document.__table__.insert(), documents)  # type: ignore[attr-defined]
    # Plain executemany, then the ids by position: RETURNING made SQLAlchemy send one INSERT a row.
    connection.execute(Sentence.__table__.insert(), sentences)  # type: ignore[attr-defined]
    found = _in_chunks(
        session,
        col(Sentence.document_id),
        list(by_document),
        col(Sentence.document_id),
        col(Sentence.index),
        col(Sentence.id),
    )
    return {(doc_id, index): sid for doc_id, index, sid in found}


def _document_from_records(
    document_id: str, records: list[LabelRecord], file: str
) -> tuple[str, list[dict[str, Any]]]:
    """The text (each sentence at its offsets, spaces between) and the sentence rows."""
    sentences: dict[int, LabelRecord] = {}
    for record in records:
        first = sentences.setdefault(record.sentence_index, record)
        if (first.text, first.char_start) != (record.text, record.char_start):
            raise InputError(
                f"sentence {record.sentence_index} of {document_id!r} differs from line {first.line}",
                file=file,
                line=record.line,
                field="text",
                hint="all labels of a sentence share its text",
            )
    ordered = sorted(sentences.values(), key=lambda r: r.sentence_index)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.char_start < before.char_end:
            raise InputError(
                f"sentence {after.sentence_index} overlaps sentence {before.sentence_index} "
                f"(line {before.line})",
                file=file,
                line=after.line,
                field="char_start",
            )
    text = [" "] * max(r.char_end for r in ordered)
    for record in ordered:
        text[record.char_start : record.char_end] = record.text
    rows = [
        {
            "document_id": document_id,
            "index": r.sentence_index,
            "char_start": r.char_start,
            "char_end": r.char_end,
            "text": r.text,
            "paragraph": 0,
        }
        for r in ordered
    ]
    return "".join(text), rows


def _match_sentences(
    session: Session, document_id: str, records: list[LabelRecord], file: str
) -> dict[tuple[str, int], int]:
    columns = (col(Sentence.id), col(Sentence.index), col(Sentence.text), col(Sentence.char_start))
    stored = {
        index: (sid, text, start)
        for sid, index, text, start in session.execute(
            select(*columns).where(col(Sentence.document_id) == document_id)
        ).all()
    }
    found: dict[tuple[str, int], int] = {}
    for record in records:
        match = stored.get(record.sentence_index)
        if match is None:
            raise InputError(
                f"sentence_index {record.sentence_index} is past the document {document_id!r} "
                f"(it has {len(stored)} sentences)",
                file=file,
                line=record.line,
                field="sentence_index",
            )
        if match[1] != record.text:
            raise InputError(
                f"text differs from sentence {record.sentence_index} of {document_id!r} as stored",
                file=file,
                line=record.line,
                field="text",
                hint="was the article re-segmented? export its sentences and compare",
            )
        if match[2] != record.char_start:
            raise InputError(
                f"char_start {record.char_start} differs from sentence {record.sentence_index} of "
                f"{document_id!r} as stored ({match[2]})",
                file=file,
                line=record.line,
                field="char_start",
                hint="offsets count characters of the document's text as stored",
            )
        found[(document_id, record.sentence_index)] = match[0]
    return found


def _add_missing_sources(
    session: Session, by_document: dict[str, list[LabelRecord]], special_keys: frozenset[str]
) -> int:
    known = set(
        _in_chunks(
            session, col(Source.document_id), list(by_document), col(Source.document_id), col(Source.key)
        )
    )
    missing = sorted(
        {(doc_id, r.source) for doc_id, records in by_document.items() for r in records if r.source}
        - {(doc_id, key) for doc_id, key in known}
    )
    rows: list[dict[str, Any]] = [
        {
            "document_id": doc_id,
            "key": key,
            "label": key,
            "aliases": [],
            "origin": SourceOrigin.imported,
            "proposed_by_id": None,
        }
        for doc_id, key in missing
        if key not in special_keys
    ]
    if rows:
        session.connection().execute(Source.__table__.insert(), rows)  # type: ignore[attr-defined]
    return len(rows)


def _user_ids(session: Session, names: set[str]) -> tuple[dict[str, int], list[str]]:
    ids = {
        name: uid
        for uid, name in session.execute(
            select(col(User.id), col(User.name)).where(col(User.name).in_(names))
        ).all()
    }
    created = sorted(names - ids.keys())
    for name in created:
        # Imported annotators cannot log in until an admin sets a password and activates them.
        user = User(
            name=name,
            role=Role.annotator,
            active=False,
            password_hash=passwords.hash_password(passwords.generate_password()),
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        ids[name] = user.id
    return ids, created


def _existing_labels(session: Session, sentence_ids: Iterable[int]) -> dict[tuple[int, int], Any]:
    found: dict[tuple[int, int], Any] = {}
    unique = sorted(set(sentence_ids))
    columns = [
        col(Label.id),
        col(Label.sentence_id),
        col(Label.user_id),
        col(Label.version),
        col(Label.updated_at),
        *(getattr(Label, c) for c in _VALUE_COLUMNS),
    ]
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        for row in session.execute(select(*columns).where(col(Label.sentence_id).in_(chunk))).all():
            found[(row.sentence_id, row.user_id)] = row
    return found


def _write_labels(
    session: Session,
    records: Sequence[LabelRecord],
    sentence_ids: dict[tuple[str, int], int],
    user_ids: dict[str, int],
) -> dict[str, int]:
    now = utcnow()
    keyed = [(sentence_ids[(r.document_id, r.sentence_index)], user_ids[r.annotator], r) for r in records]
    existing = _existing_labels(session, (sid for sid, _, _ in keyed))
    dialect = session.connection().dialect.name
    new_rows: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, LabelRecord]] = []
    unchanged = older = 0
    for sentence_id, user_id, record in keyed:
        current = existing.get((sentence_id, user_id))
        if current is None:
            new_rows.append(_label_row(record, sentence_id, user_id, now, dialect))
        elif tuple(getattr(current, c) for c in _VALUE_COLUMNS) == record.values():
            unchanged += 1
        elif record.updated_at is not None and record.updated_at > as_utc(current.updated_at):
            updates.append((current, record))
        else:
            older += 1

    if new_rows:
        _insert_new_labels(session, new_rows)
    changed = [row[0] for row in new_rows] + [current.sentence_id for current, _ in updates]
    reopen(session, changed)
    for current, record in updates:
        values = dict(zip(_VALUE_COLUMNS, record.values(), strict=True))
        session.execute(
            update(Label)
            .where(col(Label.id) == current.id)
            .values(**values, version=current.version + 1, updated_at=record.updated_at)
        )
        session.execute(
            insert(LabelHistory).values(
                **values,
                label_id=current.id,
                sentence_id=current.sentence_id,
                user_id=current.user_id,
                version=current.version + 1,
                action="import",
                changed_at=record.updated_at,
            )
        )
    return {
        "inserted": len(new_rows),
        "updated": len(updates),
        "unchanged": unchanged,
        "older_skipped": older,
    }


_NEW_LABEL_COLUMNS = ("sentence_id", "user_id", "version", "created_at", "updated_at", *_VALUE_COLUMNS)


def _label_row(
    record: LabelRecord, sentence_id: int, user_id: int, now: datetime, dialect: str
) -> tuple[Any, ...]:
    updated = record.updated_at or now
    created = record.created_at or updated
    return (
        sentence_id,
        user_id,
        1,
        stored_time(dialect, created),
        stored_time(dialect, updated),
        *record.values(),
    )


def _insert_new_labels(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """One executemany for the labels, one INSERT … SELECT for their history rows.

    The new labels are those above the largest id before the insert: the import holds the
    write lock (SQLite) or a lock on the label table (PostgreSQL) for its whole transaction,
    so no other writer's label can fall in between.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql("LOCK TABLE label IN SHARE ROW EXCLUSIVE MODE")
    before = connection.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM label").scalar_one()
    columns = ", ".join(_NEW_LABEL_COLUMNS)
    marks = ", ".join("?" for _ in _NEW_LABEL_COLUMNS)
    connection.exec_driver_sql(driver_sql(dialect, f"INSERT INTO label ({columns}) VALUES ({marks})"), rows)
    values = ", ".join(_VALUE_COLUMNS)
    connection.exec_driver_sql(
        driver_sql(
            dialect,
            "INSERT INTO label_history (label_id, sentence_id, user_id, version, action, changed_at, "
            f"{values}) SELECT id, sentence_id, user_id, 1, 'import', updated_at, {values} "
            "FROM label WHERE id > ?",
        ),
        (before,),
    )
