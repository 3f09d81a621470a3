"""Streaming reads for exports: plain rows straight from the driver, no ORM objects.

Exports of a million labels must stay near a raw ``sqlite3`` read, so these queries go
through ``exec_driver_sql`` and hand back tuples in batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from annotator.domain.label import stored_via
from annotator.store.engine import driver_sql
from annotator.store.models import Label, Sentence, User

BATCH_ROWS = 20_000


def _span_words(start: str, end: str) -> str:
    """SQL for a span's words: from the sentence's text when the span lies in the sentence (a
    cue always does, a mention mostly), else from the document's (a carried-over mention). The
    document is read only then: joining it on every row made a million-label export slower.
    substr counts characters on SQLite and PostgreSQL alike, as Python slices do."""
    return (
        f"CASE WHEN {start} IS NULL THEN NULL "
        f"WHEN {start} >= s.char_start AND {end} <= s.char_end "
        f"THEN substr(s.text, {start} - s.char_start + 1, {end} - {start}) "
        f"ELSE (SELECT substr(d.text, {start} + 1, {end} - {start}) FROM document AS d "
        "WHERE d.id = s.document_id) END"
    )


def _evidence_sql(table: str) -> str:
    """A label's or gold's evidence columns (``EVIDENCE_COLUMNS``), after its other columns."""
    t = table
    return (
        f", {t}.cue_start, {t}.cue_end, {_span_words(f'{t}.cue_start', f'{t}.cue_end')}, "
        f"{t}.mention_start, {t}.mention_end, {_span_words(f'{t}.mention_start', f'{t}.mention_end')}, "
        f"{t}.via"
    )


EVIDENCE_COLUMNS = ("cue_start", "cue_end", "cue_text", "mention_start", "mention_end", "mention_text", "via")

_LABELS_SQL = (
    """
SELECT s.document_id, s."index", s.text, s.char_start, s.char_end, u.name,
       l.is_claim, l.source, l.source_other, l.confidence, l.note, l.flagged,
       l.created_at, l.updated_at"""
    + _evidence_sql("l")
    + """
FROM label AS l
JOIN sentence AS s ON s.id = l.sentence_id
JOIN "user" AS u ON u.id = l.user_id
{where}
ORDER BY s.document_id, s."index", u.name
"""
)

_SENTENCES_SQL = """
SELECT s.document_id, s."index", s.text, s.char_start, s.char_end, s.paragraph
FROM sentence AS s
{where}
ORDER BY s.document_id, s."index"
"""


GOLD_COLUMNS = (
    "document_id",
    "sentence_index",
    "text",
    "char_start",
    "char_end",
    "is_claim",
    "source",
    "source_other",
    "confidence",
    "provenance",
    "votes",
    "agreement",
    "decided_by",
    "rationale",
    "needs_review",
    "updated_at",
)

_GOLD_SQL = (
    """
SELECT s.document_id, s."index", s.text, s.char_start, s.char_end, g.is_claim, g.source, g.source_other,
       g.confidence, g.provenance, g.votes, g.agreement, u.name, g.rationale, g.needs_review, g.updated_at"""
    + _evidence_sql("g")
    + """
FROM gold_label AS g
JOIN sentence AS s ON s.id = g.sentence_id
LEFT JOIN "user" AS u ON u.id = g.decided_by_id
{where}
ORDER BY s.document_id, s."index"
"""
)


def iter_label_records(
    connection: Connection,
    *,
    schema_version: int,
    document_id: str | None = None,
    annotators: Sequence[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Batches of label records as the labels JSONL holds them (``schemas/labels.schema.json``):
    the label, its sentence, its annotator and its evidence (``cue``, ``source_mention`` with
    their words, ``via``, [] when none). ``annotators`` (names) keeps only their labels; None keeps
    everyone's."""
    for batch in _iter_rows(connection, _LABELS_SQL, _scope(document_id=document_id, annotators=annotators)):
        # Unpacked in place rather than through _evidence: slicing and merging a dict per label
        # cost a third of a million-label export's time.
        yield [
            {
                "document_id": d,
                "sentence_index": i,
                "text": t,
                "char_start": cs,
                "char_end": ce,
                "annotator": a,
                "is_claim": bool(c),
                "source": s,
                "source_other": so,
                "confidence": conf,
                "note": n,
                "flagged": bool(f),
                "created_at": iso_utc(ca),
                "updated_at": iso_utc(ua),
                "schema_version": schema_version,
                "cue": _span(cue_start, cue_end, cue),
                "source_mention": _span(mention_start, mention_end, mention),
                "via": [] if via is None else list(stored_via(via)),
            }
            for (
                d,
                i,
                t,
                cs,
                ce,
                a,
                c,
                s,
                so,
                conf,
                n,
                f,
                ca,
                ua,
                cue_start,
                cue_end,
                cue,
                mention_start,
                mention_end,
                mention,
                via,
            ) in batch
        ]


def iter_gold_records(
    connection: Connection, *, document_id: str | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Batches of gold records as the gold JSONL holds them (``schemas/gold.schema.json``),
    with the settled evidence and each annotator's vote."""
    for batch in _iter_rows(connection, _GOLD_SQL, _scope(document_id=document_id)):
        records = []
        for row in batch:
            record = dict(zip(GOLD_COLUMNS, row[: len(GOLD_COLUMNS)], strict=True))
            votes = record["votes"]
            record["votes"] = orjson.loads(votes) if isinstance(votes, str | bytes) else votes
            record["is_claim"] = bool(record["is_claim"])
            record["needs_review"] = bool(record["needs_review"])
            record["annotators"] = len(record["votes"])
            record["updated_at"] = iso_utc(record["updated_at"])
            record.update(_evidence(row[len(GOLD_COLUMNS) :]))
            records.append(record)
        yield records


def _span(start: int | None, end: int | None, text: str | None) -> dict[str, Any] | None:
    return None if start is None else {"char_start": start, "char_end": end, "text": text}


def _evidence(columns: Sequence[Any]) -> dict[str, Any]:
    """``EVIDENCE_COLUMNS`` of a row as the JSONL's ``cue``, ``source_mention`` and ``via``."""
    cue_start, cue_end, cue_text, mention_start, mention_end, mention_text, via = columns
    return {
        "cue": _span(cue_start, cue_end, cue_text),
        "source_mention": _span(mention_start, mention_end, mention_text),
        "via": list(stored_via(via)),
    }


def iter_sentence_rows(connection: Connection, *, document_id: str | None = None) -> Iterator[Sequence[Any]]:
    yield from _iter_rows(connection, _SENTENCES_SQL, _scope(document_id=document_id))


def _scope(
    *, document_id: str | None, annotators: Sequence[str] | None = None
) -> list[tuple[str, list[Any]]]:
    """(column, allowed values) pairs that every exported row must satisfy."""
    scope: list[tuple[str, list[Any]]] = []
    if document_id is not None:
        scope.append(("s.document_id", [document_id]))
    if annotators is not None:
        scope.append(("u.name", sorted(set(annotators))))
    return scope


def _iter_rows(
    connection: Connection, sql: str, scope: Sequence[tuple[str, Sequence[Any]]]
) -> Iterator[Sequence[Any]]:
    conditions: list[str] = []
    parameters: list[Any] = []
    for column, values in scope:
        if not values:
            conditions.append("1 = 0")  # an empty choice exports nothing, never everything
            continue
        conditions.append(f"{column} IN ({', '.join('?' for _ in values)})")
        parameters.extend(values)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    dialect = connection.dialect.name
    statement = driver_sql(dialect, sql.format(where=where))
    if dialect != "sqlite":
        # psycopg's default cursor holds the whole result in the client: a server-side cursor
        # keeps an export's memory flat. SQLAlchemy reads ahead on it, so rows come through its
        # Result, never the raw cursor (which would skip the rows it already read).
        streamed = connection.execution_options(stream_results=True, max_row_buffer=BATCH_ROWS)
        yield from streamed.exec_driver_sql(statement, tuple(parameters)).partitions(BATCH_ROWS)
        return
    cursor = connection.exec_driver_sql(statement, tuple(parameters)).cursor
    assert cursor is not None
    while batch := cursor.fetchmany(BATCH_ROWS):
        yield batch


def iso_utc(value: str | datetime | None) -> str | None:
    """ISO 8601 with a Z, from SQLite's stored text or a driver's datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    return value.replace(" ", "T", 1) + "Z"


def annotators_with_labels(*, session: Session, document_id: str | None = None) -> list[str]:
    """Names of everyone with at least one label (on one article), sorted: an export's annotator choices.

    Over all articles, one index probe per user (a DISTINCT over a million labels took 0.5 s);
    on one article, the distinct annotators of its sentences' labels.
    """
    if document_id is None:
        has_labels = sa_select(col(Label.id)).where(col(Label.user_id) == col(User.id)).exists()
        query = sa_select(col(User.name)).where(has_labels)
    else:
        query = (
            sa_select(col(User.name))
            .join(Label, col(Label.user_id) == col(User.id))
            .join(Sentence, col(Sentence.id) == col(Label.sentence_id))
            .where(col(Sentence.document_id) == document_id)
            .distinct()
        )
    return [name for (name,) in session.execute(query.order_by(col(User.name))).all()]
