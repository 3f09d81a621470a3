"""Bulk writes for label imports: set-based, one transaction, no ORM object per row.

The import streams: records arrive in chunks (``LabelImport.add``) and are written as they
come, inside one transaction that the caller commits or rolls back. What is kept between
chunks grows with the documents and annotators of the file, never with its labels: a
million labels import in flat memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from annotator.domain import passwords
from annotator.domain.errors import InputError
from annotator.domain.label import SOURCE_KEY, VIA_OTHER_PREFIX, LabelValue, evidence_problems
from annotator.store import driver
from annotator.store.driver import bound_values, stored_time
from annotator.store.labels import reopen
from annotator.store.models import (
    Document,
    Label,
    Role,
    Sentence,
    Source,
    User,
    as_utc,
    utcnow,
)

_IN_CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds


class LabelPlace(msgspec.Struct, frozen=True, gc=False):
    """Where a label goes: its sentence (by article and position, with the sentence's text and
    offsets, so a missing sentence can be made) and its annotator. The first fields of a labels
    line, declared once for the file's lines (``exchange.import_labels``) and the records here."""

    document_id: str
    sentence_index: int
    text: str
    char_start: int
    char_end: int
    annotator: str


class LabelRecord(LabelPlace, frozen=True, gc=False):
    """One checked line of a labels file.

    Times are UTC text as SQLite stores them (``stored_time``): a million of them go into
    the database as they are, with no datetime made and formatted again for each.
    gc=False: the fields are plain values, and records need no cycle collection.
    """

    line: int
    value: LabelValue
    created_at: str | None
    updated_at: str | None


SentenceIds = dict[int, int]
"""Sentence id by sentence index, for one document."""

FirstLine = Callable[[str, int, str | None], int]
"""The first line of the file with this document id, sentence index and (or any) annotator."""


class LabelImport:
    """One import, chunk by chunk, in the session's transaction (the caller commits or rolls back).

    ``first_line`` finds where the file first gave a sentence or label that a later line
    contradicts: only errors need it, so no line number is kept for every label.
    """

    def __init__(
        self, *, session: Session, file: str, special_keys: frozenset[str], first_line: FirstLine
    ) -> None:
        self.session = session
        self.file = file
        self.special_keys = special_keys
        self.first_line = first_line
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # New labels are told apart by id (above the largest before each insert): no other
            # writer's label may fall in between.
            driver.run(connection, driver.LOCK_LABELS)
        self.labels_before = driver.run(connection, driver.LARGEST_LABEL_ID).scalar_one()
        # Labels stored before the import that a line has already matched: a second line for
        # one of them is a duplicate. One bit a label id, not a set of a million ints.
        self._matched = bytearray(self.labels_before // 8 + 1)
        self._known_documents: set[str] = set()
        self.documents_created: list[str] = []
        self._created: set[str] = set()
        self._user_ids: dict[str, int] = {}
        # argon2 runs outside the GIL: new annotators' password hashes are made while labels are written.
        self._hashing = ThreadPoolExecutor(max_workers=1)
        self._hashes: list[tuple[list[str], Future[list[str]]]] = []
        self.users_created: list[str] = []
        self.sources_added = 0
        self.records = 0
        self.counts = {"inserted": 0, "updated": 0, "unchanged": 0, "older_skipped": 0}
        # Evidence refused against a document this import is still building: the text of a
        # sentence that comes later may make it right. Checked again at the end.
        self._pending_evidence: list[LabelRecord] = []

    def add(self, records: Sequence[LabelRecord]) -> None:
        """Check a chunk of records against the store and write it; InputError on a conflict."""
        if not records:
            return
        self.records += len(records)
        by_document: dict[str, list[LabelRecord]] = defaultdict(list)
        for record in records:
            by_document[record.document_id].append(record)
        names = {r.annotator for r in records} - self._user_ids.keys()
        if names:
            self._user_ids |= _user_ids(self.session, names)
            new_names = sorted(names - self._user_ids.keys())
            self._user_ids |= self._create_users(new_names)
        sentence_ids, new_sentences = self._sentences(by_document)
        with_evidence = [r for r in records if r.value.cue or r.value.source_mention or r.value.via]
        keys = self._add_missing_sources(by_document, with_evidence)
        self._check_evidence(with_evidence, keys)
        self._write_labels(records, sentence_ids, new_sentences, evidence=bool(with_evidence))

    def _create_users(self, names: list[str]) -> dict[str, int]:
        """New annotators, inactive. Their throwaway password hashes (argon2, seconds for a few)
        are made in a thread while the import goes on, and stored by ``finish``: the
        transaction hides the empty hash until then."""
        if not names:
            return {}
        self._hashes.append((names, self._hashing.submit(_throwaway_password_hashes, len(names))))
        self.users_created += names
        ids: dict[str, int] = {}
        for name in names:
            user = User(name=name, role=Role.annotator, active=False, password_hash="")
            self.session.add(user)
            self.session.flush()
            assert user.id is not None
            ids[name] = user.id
        return ids

    def __enter__(self) -> LabelImport:
        return self

    def __exit__(self, *_: object) -> None:
        # On an error, a hash being made is left to finish in its thread, unwaited for.
        self._hashing.shutdown(wait=False, cancel_futures=True)

    def finish(self) -> dict[str, Any]:
        """Check what waited for the whole file, store the new annotators' password hashes;
        the counts of the import."""
        for names, hashes in self._hashes:
            driver.run(
                self.session.connection(),
                driver.SET_PASSWORD_HASH,
                [(password_hash, name) for name, password_hash in zip(names, hashes.result(), strict=True)],
            )
        if self._pending_evidence:
            pending = self._pending_evidence
            keys = self._source_keys(list({r.document_id: None for r in pending}))
            self._check_evidence(pending, keys, final=True)
        return {
            **self.counts,
            "documents_created": self.documents_created,
            "sources_added": self.sources_added,
            "users_created": self.users_created,
        }

    # --- documents and sentences ------------------------------------------------------------

    def _sentences(
        self, by_document: dict[str, list[LabelRecord]]
    ) -> tuple[dict[str, SentenceIds], set[int]]:
        """The sentence ids of the chunk's records, creating documents and sentences known only
        from labels; and the ids of sentences created by this chunk (they have no labels yet)."""
        unseen = [d for d in by_document if d not in self._known_documents and d not in self._created]
        stored = {
            doc_id for (doc_id,) in _in_chunks(self.session, col(Document.id), unseen, col(Document.id))
        }
        self._known_documents |= stored
        new = [d for d in unseen if d not in stored]
        ids, created = self._create_documents({d: by_document[d] for d in new})
        self.documents_created += new
        self._created.update(new)
        rest = [d for d in by_document if d not in ids]
        rows = _in_chunks(
            self.session,
            col(Sentence.document_id),
            rest,
            col(Sentence.document_id),
            col(Sentence.index),
            col(Sentence.id),
            col(Sentence.text),
            col(Sentence.char_start),
            col(Sentence.char_end),
        )
        stored_sentences: dict[str, dict[int, tuple[int, str, int, int]]] = {d: {} for d in rest}
        for doc_id, index, sentence_id, text, start, end in rows:
            stored_sentences[doc_id][index] = (sentence_id, text, start, end)
        for document_id in rest:
            if document_id in self._created:
                more = self._grow_document(
                    document_id, by_document[document_id], stored_sentences[document_id]
                )
                created.update(more.values())
            ids[document_id] = self._match_sentences(
                document_id, by_document[document_id], stored_sentences[document_id]
            )
        return ids, created

    def _create_documents(
        self, by_document: dict[str, list[LabelRecord]]
    ) -> tuple[dict[str, SentenceIds], set[int]]:
        """Documents known only from labels, in two executemany statements (not one flush each)."""
        if not by_document:
            return {}, set()
        now = utcnow()
        documents: list[dict[str, Any]] = []
        sentences: list[tuple[Any, ...]] = []
        for document_id, records in by_document.items():
            ordered = self._new_sentences(document_id, records, {})
            documents.append(
                {
                    "id": document_id,
                    "title": document_id,
                    "text": _document_text(ordered),
                    "url": None,
                    "published": None,
                    "created_at": now,
                }
            )
            sentences += ((document_id, index, start, end, text) for index, text, start, end, _ in ordered)
        connection = self.session.connection()
        connection.execute(Document.__table__.insert(), documents)  # type: ignore[attr-defined]
        self._insert_sentences(sentences)
        found = _in_chunks(
            self.session,
            col(Sentence.document_id),
            list(by_document),
            col(Sentence.document_id),
            col(Sentence.index),
            col(Sentence.id),
        )
        ids: dict[str, SentenceIds] = {document_id: {} for document_id in by_document}
        for document_id, index, sentence_id in found:
            ids[document_id][index] = sentence_id
        return ids, {sid for by_index in ids.values() for sid in by_index.values()}

    def _insert_sentences(self, rows: list[tuple[Any, ...]]) -> None:
        # Plain executemany, then the ids by position: RETURNING made SQLAlchemy send one INSERT a row.
        driver.run(self.session.connection(), driver.INSERT_SENTENCE, rows)

    def _new_sentences(
        self,
        document_id: str,
        records: list[LabelRecord],
        stored: dict[int, tuple[int, str, int, int]],
    ) -> list[tuple[int, str, int, int, int]]:
        """All sentences of a document this import builds, stored ones and those of ``records``,
        in order as (index, text, start, end, line; 0 when stored); InputError when they disagree."""
        sentences: dict[int, tuple[int, str, int, int, int]] = {
            index: (index, text, start, end, 0) for index, (_, text, start, end) in stored.items()
        }
        for r in records:
            first = sentences.setdefault(
                r.sentence_index, (r.sentence_index, r.text, r.char_start, r.char_end, r.line)
            )
            if first[1] != r.text or first[2] != r.char_start:
                line = first[4] or self.first_line(document_id, r.sentence_index, None)
                raise InputError(
                    f"sentence {r.sentence_index} of {document_id!r} differs from line {line}",
                    file=self.file,
                    line=r.line,
                    field="text",
                    hint="all labels of a sentence share its text",
                )
        ordered = sorted(sentences.values())
        for before, after in zip(ordered, ordered[1:], strict=False):
            if after[2] < before[3]:
                late, early = (after, before) if after[4] else (before, after)
                raise InputError(
                    f"sentence {late[0]} overlaps sentence {early[0]} "
                    f"(line {early[4] or self.first_line(document_id, early[0], None)})",
                    file=self.file,
                    line=late[4],
                    field="char_start",
                )
        return ordered

    def _grow_document(
        self,
        document_id: str,
        records: list[LabelRecord],
        stored: dict[int, tuple[int, str, int, int]],
    ) -> SentenceIds:
        """Check the records against the sentences this import gave the document (naming the line
        that gave them), and store the sentences first met in this chunk, with the document's
        text rebuilt. Their ids, by index."""
        ordered = self._new_sentences(document_id, records, stored)
        rows = [(document_id, index, start, end, text) for index, text, start, end, line in ordered if line]
        if not rows:
            return {}
        self._insert_sentences(rows)
        driver.run(
            self.session.connection(),
            driver.SET_DOCUMENT_TEXT,
            (_document_text(ordered), document_id),
        )
        indexes = [row[1] for row in rows]
        columns = (col(Sentence.index), col(Sentence.id), col(Sentence.text), col(Sentence.char_start))
        found = self.session.execute(
            select(*columns, col(Sentence.char_end)).where(
                col(Sentence.document_id) == document_id, col(Sentence.index).in_(indexes)
            )
        ).all()
        more: SentenceIds = {}
        for index, sentence_id, text, start, end in found:
            stored[index] = (sentence_id, text, start, end)
            more[index] = sentence_id
        return more

    def _match_sentences(
        self, document_id: str, records: list[LabelRecord], stored: dict[int, tuple[int, str, int, int]]
    ) -> SentenceIds:
        found: SentenceIds = {}
        for record in records:
            match = stored.get(record.sentence_index)
            if match is None:
                raise InputError(
                    f"sentence_index {record.sentence_index} is past the document {document_id!r} "
                    f"(it has {len(stored)} sentences)",
                    file=self.file,
                    line=record.line,
                    field="sentence_index",
                )
            if match[1] != record.text:
                raise InputError(
                    f"text differs from sentence {record.sentence_index} of {document_id!r} as stored",
                    file=self.file,
                    line=record.line,
                    field="text",
                    hint="was the article re-segmented? export its sentences and compare",
                )
            if match[2] != record.char_start:
                raise InputError(
                    f"char_start {record.char_start} differs from sentence {record.sentence_index} of "
                    f"{document_id!r} as stored ({match[2]})",
                    file=self.file,
                    line=record.line,
                    field="char_start",
                    hint="offsets count characters of the document's text as stored",
                )
            found[record.sentence_index] = match[0]
        return found

    # --- sources and evidence ----------------------------------------------------------------

    def _source_keys(self, document_ids: list[str]) -> dict[str, set[str]]:
        keys: dict[str, set[str]] = {d: set() for d in document_ids}
        rows = _in_chunks(
            self.session, col(Source.document_id), document_ids, col(Source.document_id), col(Source.key)
        )
        for doc_id, key in rows:
            keys[doc_id].add(key)
        return keys

    def _add_missing_sources(
        self, by_document: dict[str, list[LabelRecord]], with_evidence: list[LabelRecord]
    ) -> dict[str, set[str]]:
        """Sources a record names (as its source or in its chain) that the article's list lacks
        join it as imported; the keys of each document's list after that."""
        keys = self._source_keys(list(by_document))
        used = {
            doc_id: {r.value.source for r in records if r.value.source}
            for doc_id, records in by_document.items()
        }
        for r in with_evidence:
            used[r.document_id].update(key for key in r.value.via if not key.startswith(VIA_OTHER_PREFIX))
        missing = [
            (doc_id, key)
            for doc_id, names in used.items()
            for key in sorted(names - keys[doc_id] - self.special_keys)
        ]
        # The store keeps its own rule on keys whoever calls it (import-labels checks lines first).
        for doc_id, key in missing:
            if not SOURCE_KEY.fullmatch(key):
                raise InputError(
                    f"source key {key!r} of article {doc_id!r} is not a key",
                    file=self.file,
                    field="source",
                    hint="1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit",
                )
        if missing:
            driver.run(
                self.session.connection(),
                driver.INSERT_IMPORTED_SOURCE,
                [(doc_id, key, key) for doc_id, key in missing],
            )
            self.sources_added += len(missing)
            for doc_id, key in missing:
                keys[doc_id].add(key)
        return keys

    def _check_evidence(
        self, records: list[LabelRecord], keys: dict[str, set[str]], *, final: bool = False
    ) -> None:
        """The evidence of ``records`` (which carry some) against the text and source list of
        their documents."""
        if not records:
            return
        documents = list({r.document_id: None for r in records})
        texts = dict(
            _in_chunks(self.session, col(Document.id), documents, col(Document.id), col(Document.text))
        )
        for record in records:
            problems = evidence_problems(
                record.value,
                document_text=texts[record.document_id],
                sentence_start=record.char_start,
                sentence_end=record.char_end,
                source_keys=keys[record.document_id],
            )
            if not problems:
                continue
            if record.document_id in self._created and not final:
                self._pending_evidence.append(record)
                continue
            if record.document_id in self._created:
                self._refuse_unknown_text(record)
            problem = problems[0]
            raise InputError(problem.message, file=self.file, line=record.line, field=problem.field)

    def _refuse_unknown_text(self, record: LabelRecord) -> None:
        """A document this import builds from label lines knows its text only inside the
        sentences the file gives: a span reaching outside them cannot be checked (the text
        there is blank, not the article's), so the error says so instead of "text differs"."""
        span = record.value.source_mention
        if span is None:
            return  # a cue lies in its own sentence, whose text the line gives
        known = self.session.execute(
            select(col(Sentence.char_start), col(Sentence.char_end))
            .where(col(Sentence.document_id) == record.document_id)
            .order_by(col(Sentence.char_start))
        ).all()
        covered = span.start
        for start, end in known:
            if start <= covered < end:
                covered = end
        if covered < span.end:
            raise InputError(
                f"the source mention at {span.start}-{span.end} lies outside the sentences this file "
                f"gives for {record.document_id!r}, which is built from its label lines alone: "
                "its text there is unknown",
                file=self.file,
                line=record.line,
                field="source_mention",
                hint="import the article's text first (annotator import-articles), then these labels",
            )

    # --- labels ----------------------------------------------------------------------------

    def _write_labels(
        self,
        records: Sequence[LabelRecord],
        sentence_ids: dict[str, SentenceIds],
        new_sentences: set[int],
        *,
        evidence: bool,
    ) -> None:
        """Insert, replace (when newer) or leave each label. Without ``evidence`` in the chunk,
        new rows leave the evidence columns to their NULL default: binding five more NULLs a
        row made the insert of a million labels 40% slower."""
        now = stored_time("sqlite", utcnow())  # the text of LabelRecord times
        user_ids = self._user_ids
        rows = [(sentence_ids[r.document_id][r.sentence_index], user_ids[r.annotator], r) for r in records]
        existing = _existing_labels(self.session, {sid for sid, _, _ in rows if sid not in new_sentences})
        new_rows: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, LabelRecord]] = []
        in_chunk: dict[tuple[int, int], int] = {}
        stored: dict[int, tuple[Any, ...]] = {}
        matched, before = self._matched, self.labels_before
        unchanged = older = 0
        for sentence_id, user_id, record in rows:
            first = in_chunk.setdefault((sentence_id, user_id), record.line)
            current = existing.get((sentence_id, user_id)) if existing else None
            if first != record.line or (
                current is not None
                and (current.id > before or matched[current.id >> 3] & (1 << (current.id & 7)))
            ):
                self._duplicate(record, first)
            # Lines share LabelValue objects (import_labels keeps one per distinct value).
            values = stored.get(id(record.value))
            if values is None:
                values = stored[id(record.value)] = (
                    bound_values(record.value.as_row()) if evidence else record.value.as_tuple()
                )
            if current is None:
                updated = record.updated_at or now
                new_rows.append((sentence_id, user_id, 1, record.created_at or updated, updated, *values))
                continue
            matched[current.id >> 3] |= 1 << (current.id & 7)
            if bound_values(current[5:]) == (values if evidence else (*values, *_NO_EVIDENCE)):
                unchanged += 1
            elif record.updated_at is not None and _as_datetime(record.updated_at) > as_utc(
                current.updated_at
            ):
                updates.append((current, record))
            else:
                older += 1

        connection = self.session.connection()
        if new_rows:
            _insert_new_labels(connection, new_rows, evidence=evidence)
        reopen(self.session, [row[0] for row in new_rows] + [current.sentence_id for current, _ in updates])
        if updates:
            _update_labels(connection, updates)
        counts = self.counts
        counts["inserted"] += len(new_rows)
        counts["updated"] += len(updates)
        counts["unchanged"] += unchanged
        counts["older_skipped"] += older

    def _duplicate(self, record: LabelRecord, first: int) -> None:
        if first == record.line:
            first = self.first_line(record.document_id, record.sentence_index, record.annotator)
        raise InputError(
            f"duplicate label for sentence {record.sentence_index} of {record.document_id!r} "
            f"by {record.annotator!r} (first on line {first})",
            file=self.file,
            line=record.line,
            field="annotator",
            hint="keep one line per sentence and annotator",
        )


def _document_text(ordered: Sequence[tuple[int, str, int, int, int]]) -> str:
    """A document known only from labels: each sentence at its offsets, spaces between."""
    parts: list[str] = []
    end = 0
    for _, text, start, stop, _ in ordered:  # in order and apart, as checked
        parts += (" " * (start - end), text)
        end = stop
    return "".join(parts)


def _in_chunks(session: Session, column: Any, values: Sequence[Any], *selected: Any) -> list[Any]:
    """``SELECT selected WHERE column IN values``, in chunks under SQLite's parameter limit."""
    rows: list[Any] = []
    for start in range(0, len(values), _IN_CHUNK):
        chunk = list(values[start : start + _IN_CHUNK])
        rows.extend(session.execute(select(*selected).where(column.in_(chunk))).all())
    return rows


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


def _existing_labels(session: Session, sentence_ids: Iterable[int]) -> dict[tuple[int, int], Any]:
    """Stored labels of these sentences by (sentence, user): id, sentence_id, user_id, version,
    updated_at, then ``driver.LABEL_VALUE_COLUMNS``."""
    found: dict[tuple[int, int], Any] = {}
    unique = sorted(set(sentence_ids))
    columns = [
        col(Label.id),
        col(Label.sentence_id),
        col(Label.user_id),
        col(Label.version),
        col(Label.updated_at),
        *(getattr(Label, c) for c in driver.LABEL_VALUE_COLUMNS),
    ]
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        for row in session.execute(select(*columns).where(col(Label.sentence_id).in_(chunk))).all():
            found[(row.sentence_id, row.user_id)] = row
    return found


def _as_datetime(text: str) -> datetime:
    """A LabelRecord time as a UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _time_param(dialect: str, text: str) -> Any:
    """A LabelRecord time as a statement parameter: SQLite takes the text, PostgreSQL a datetime."""
    return text if dialect == "sqlite" else _as_datetime(text)


_NO_EVIDENCE = (None,) * len(driver.LABEL_EVIDENCE_COLUMNS)


def _insert_new_labels(connection: Connection, rows: list[tuple[Any, ...]], *, evidence: bool) -> None:
    """One executemany for the labels, one INSERT … SELECT for their history rows.

    The new labels are those above the largest id before the insert: the import holds the
    write lock (SQLite) or a lock on the label table (PostgreSQL) for its whole transaction,
    so no other writer's label can fall in between.
    """
    dialect = connection.dialect.name
    if dialect != "sqlite":
        rows = [(*row[:3], _as_datetime(row[3]), _as_datetime(row[4]), *row[5:]) for row in rows]
    before = driver.run(connection, driver.LARGEST_LABEL_ID).scalar_one()
    driver.run(connection, driver.insert_imported_labels(evidence=evidence), rows)
    driver.run(connection, driver.HISTORY_OF_NEW_LABELS, (before,))


def _update_labels(connection: Connection, updates: list[tuple[Any, LabelRecord]]) -> None:
    """The newer records replace their labels; each change is a history row too."""
    dialect = connection.dialect.name
    label_rows = []
    history_rows = []
    for current, record in updates:
        assert record.updated_at is not None  # only newer records update
        changed_at = _time_param(dialect, record.updated_at)
        values = bound_values(record.value.as_row())
        label_rows.append((*values, current.version + 1, changed_at, current.id))
        history_rows.append(
            (current.id, current.sentence_id, current.user_id, current.version + 1, changed_at, *values)
        )
    driver.run(connection, driver.UPDATE_IMPORTED_LABEL, label_rows)
    driver.run(connection, driver.INSERT_IMPORTED_HISTORY, history_rows)
