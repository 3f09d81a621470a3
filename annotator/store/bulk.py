"""Bulk writes for label imports: set-based, one transaction, no ORM object per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from annotator.domain import passwords
from annotator.domain.errors import InputError
from annotator.store.engine import driver_sql, run_write, stored_time
from annotator.store.gold import reopen
from annotator.store.models import (
    Document,
    Label,
    Role,
    Sentence,
    Source,
    SourceOrigin,
    User,
    as_utc,
    utcnow,
)

_IN_CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds


class LabelRecord(msgspec.Struct, frozen=True, gc=False):
    """One checked line of a labels file.

    Times are UTC text as SQLite stores them (``stored_time``): a million of them go into
    the database as they are, with no datetime made and formatted again for each.
    gc=False: the fields are plain values, and a million records need no cycle collection.
    """

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
    created_at: str | None
    updated_at: str | None

    def values(self) -> tuple[Any, ...]:
        return (self.is_claim, self.source, self.source_other, self.confidence, self.note, self.flagged)


_VALUE_COLUMNS = ("is_claim", "source", "source_other", "confidence", "note", "flagged")

SentenceIds = dict[str, dict[int, int]]
"""Sentence id by document id, then sentence index."""


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

    names = {r.annotator for r in records}
    user_ids = _user_ids(session, names)
    users_created = sorted(names - user_ids.keys())
    with ThreadPoolExecutor(max_workers=1) as hashing:
        # argon2 runs outside the GIL: the new annotators' hashes are made while documents are written.
        hashes = hashing.submit(_throwaway_password_hashes, len(users_created))
        stored = _in_chunks(session, col(Document.id), list(by_document), col(Document.id))
        known = {doc_id for (doc_id,) in stored}
        created_documents = [doc_id for doc_id in by_document if doc_id not in known]
        sentence_ids = _create_documents(session, {d: by_document[d] for d in created_documents}, file)
        for document_id in known:
            sentence_ids[document_id] = _match_sentences(session, document_id, by_document[document_id], file)
        sources_added = _add_missing_sources(session, by_document, special_keys)
        user_ids |= _create_users(session, users_created, hashes.result())
    # Sentences made by this import have no labels yet: only the others are looked up.
    existing = _existing_labels(session, (sid for doc_id in known for sid in sentence_ids[doc_id].values()))
    counts = _write_labels(session, records, sentence_ids, user_ids, existing)
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


def _create_documents(session: Session, by_document: dict[str, list[LabelRecord]], file: str) -> SentenceIds:
    """Documents known only from labels, in two executemany statements (not one flush each)."""
    if not by_document:
        return {}
    now = utcnow()
    documents: list[dict[str, Any]] = []
    sentences: list[tuple[Any, ...]] = []
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
    dialect = connection.dialect.name
    connection.execute(Document.__table__.insert(), documents)  # type: ignore[attr-defined]
    # Plain executemany, then the ids by position: RETURNING made SQLAlchemy send one INSERT a row.
    connection.exec_driver_sql(
        driver_sql(
            dialect,
            'INSERT INTO sentence (document_id, "index", char_start, char_end, text, paragraph) '
            "VALUES (?, ?, ?, ?, ?, 0)",
        ),
        sentences,
    )
    found = _in_chunks(
        session,
        col(Sentence.document_id),
        list(by_document),
        col(Sentence.document_id),
        col(Sentence.index),
        col(Sentence.id),
    )
    ids: SentenceIds = {document_id: {} for document_id in by_document}
    for document_id, index, sentence_id in found:
        ids[document_id][index] = sentence_id
    return ids


def _document_from_records(
    document_id: str, records: list[LabelRecord], file: str
) -> tuple[str, list[tuple[Any, ...]]]:
    """The text (each sentence at its offsets, spaces between) and the sentence rows."""
    sentences: dict[int, LabelRecord] = {}
    for record in records:
        first = sentences.setdefault(record.sentence_index, record)
        if first.text != record.text or first.char_start != record.char_start:
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
    parts: list[str] = []
    end = 0
    for record in ordered:  # in order and apart, as just checked
        parts += (" " * (record.char_start - end), record.text)
        end = record.char_end
    rows = [(document_id, r.sentence_index, r.char_start, r.char_end, r.text) for r in ordered]
    return "".join(parts), rows


def _match_sentences(
    session: Session, document_id: str, records: list[LabelRecord], file: str
) -> dict[int, int]:
    columns = (col(Sentence.id), col(Sentence.index), col(Sentence.text), col(Sentence.char_start))
    stored = {
        index: (sid, text, start)
        for sid, index, text, start in session.execute(
            select(*columns).where(col(Sentence.document_id) == document_id)
        ).all()
    }
    found: dict[int, int] = {}
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
        found[record.sentence_index] = match[0]
    return found


def _add_missing_sources(
    session: Session, by_document: dict[str, list[LabelRecord]], special_keys: frozenset[str]
) -> int:
    stored = _in_chunks(
        session, col(Source.document_id), list(by_document), col(Source.document_id), col(Source.key)
    )
    known = {(doc_id, key) for doc_id, key in stored}
    used = {doc_id: {r.source for r in records if r.source} for doc_id, records in by_document.items()}
    missing = sorted({(doc_id, key) for doc_id, keys in used.items() for key in keys} - known)
    rows = [(doc_id, key, key) for doc_id, key in missing if key not in special_keys]
    if rows:
        connection = session.connection()
        connection.exec_driver_sql(
            driver_sql(
                connection.dialect.name,
                'INSERT INTO source (document_id, "key", label, aliases, origin) '
                f"VALUES (?, ?, ?, '[]', '{SourceOrigin.imported.name}')",
            ),
            rows,
        )
    return len(rows)


def _user_ids(session: Session, names: set[str]) -> dict[str, int]:
    return {
        name: uid
        for uid, name in session.execute(
            select(col(User.id), col(User.name)).where(col(User.name).in_(names))
        ).all()
    }


def _throwaway_password_hashes(count: int) -> list[str]:
    # Imported annotators cannot log in until an admin sets a password and activates them.
    return [passwords.hash_password(passwords.generate_password()) for _ in range(count)]


def _create_users(session: Session, names: list[str], password_hashes: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name, password_hash in zip(names, password_hashes, strict=True):
        user = User(name=name, role=Role.annotator, active=False, password_hash=password_hash)
        session.add(user)
        session.flush()
        assert user.id is not None
        ids[name] = user.id
    return ids


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
    sentence_ids: SentenceIds,
    user_ids: dict[str, int],
    existing: dict[tuple[int, int], Any],
) -> dict[str, int]:
    now = stored_time("sqlite", utcnow())  # the text of LabelRecord times
    new_rows: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, LabelRecord]] = []
    unchanged = older = 0
    for record in records:
        sentence_id = sentence_ids[record.document_id][record.sentence_index]
        user_id = user_ids[record.annotator]
        current = existing.get((sentence_id, user_id)) if existing else None
        if current is None:
            updated = record.updated_at or now
            new_rows.append(
                (
                    sentence_id,
                    user_id,
                    1,
                    record.created_at or updated,
                    updated,
                    record.is_claim,
                    record.source,
                    record.source_other,
                    record.confidence,
                    record.note,
                    record.flagged,
                )
            )
        elif tuple(getattr(current, c) for c in _VALUE_COLUMNS) == record.values():
            unchanged += 1
        elif record.updated_at is not None and _as_datetime(record.updated_at) > as_utc(current.updated_at):
            updates.append((current, record))
        else:
            older += 1

    connection = session.connection()
    if new_rows:
        _insert_new_labels(connection, new_rows)
    reopen(session, [row[0] for row in new_rows] + [current.sentence_id for current, _ in updates])
    if updates:
        _update_labels(connection, updates)
    return {
        "inserted": len(new_rows),
        "updated": len(updates),
        "unchanged": unchanged,
        "older_skipped": older,
    }


def _as_datetime(text: str) -> datetime:
    """A LabelRecord time as a UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _time_param(dialect: str, text: str) -> Any:
    """A LabelRecord time as a statement parameter: SQLite takes the text, PostgreSQL a datetime."""
    return text if dialect == "sqlite" else _as_datetime(text)


_NEW_LABEL_COLUMNS = ("sentence_id", "user_id", "version", "created_at", "updated_at", *_VALUE_COLUMNS)


def _insert_new_labels(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """One executemany for the labels, one INSERT … SELECT for their history rows.

    The new labels are those above the largest id before the insert: the import holds the
    write lock (SQLite) or a lock on the label table (PostgreSQL) for its whole transaction,
    so no other writer's label can fall in between.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql("LOCK TABLE label IN SHARE ROW EXCLUSIVE MODE")
    if dialect != "sqlite":
        rows = [(*row[:3], _as_datetime(row[3]), _as_datetime(row[4]), *row[5:]) for row in rows]
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


def _update_labels(connection: Connection, updates: list[tuple[Any, LabelRecord]]) -> None:
    """The newer records replace their labels; each change is a history row too."""
    dialect = connection.dialect.name
    assignments = ", ".join(f"{c} = ?" for c in _VALUE_COLUMNS)
    values = ", ".join(_VALUE_COLUMNS)
    label_rows = []
    history_rows = []
    for current, record in updates:
        assert record.updated_at is not None  # only newer records update
        changed_at = _time_param(dialect, record.updated_at)
        label_rows.append((*record.values(), current.version + 1, changed_at, current.id))
        history_rows.append(
            (
                current.id,
                current.sentence_id,
                current.user_id,
                current.version + 1,
                changed_at,
                *record.values(),
            )
        )
    connection.exec_driver_sql(
        driver_sql(dialect, f"UPDATE label SET {assignments}, version = ?, updated_at = ? WHERE id = ?"),
        label_rows,
    )
    connection.exec_driver_sql(
        driver_sql(
            dialect,
            "INSERT INTO label_history (label_id, sentence_id, user_id, version, action, changed_at, "
            f"{values}) VALUES (?, ?, ?, ?, 'import', ?, ?, ?, ?, ?, ?, ?)",
        ),
        history_rows,
    )
