"""Streaming reads for exports: plain rows straight from the driver, no ORM objects.

Exports of a million labels must stay near a raw ``sqlite3`` read, so these queries go
through ``exec_driver_sql`` and hand back tuples in batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

BATCH_ROWS = 20_000

LABEL_COLUMNS = (
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

_LABELS_SQL = """
SELECT s.document_id, s."index", s.text, s.char_start, s.char_end, u.name,
       l.is_claim, l.source, l.source_other, l.confidence, l.note, l.flagged,
       l.created_at, l.updated_at
FROM label AS l
JOIN sentence AS s ON s.id = l.sentence_id
JOIN "user" AS u ON u.id = l.user_id
{where}
ORDER BY s.document_id, s."index", u.name
"""

SENTENCE_COLUMNS = ("document_id", "sentence_index", "text", "char_start", "char_end", "paragraph")

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

_GOLD_SQL = """
SELECT s.document_id, s."index", s.text, s.char_start, s.char_end, g.is_claim, g.source, g.source_other,
       g.confidence, g.provenance, g.votes, g.agreement, u.name, g.rationale, g.needs_review, g.updated_at
FROM gold_label AS g
JOIN sentence AS s ON s.id = g.sentence_id
LEFT JOIN "user" AS u ON u.id = g.decided_by_id
{where}
ORDER BY s.document_id, s."index"
"""


def iter_gold_rows(connection: Connection, *, document_id: str | None = None) -> Iterator[Sequence[Any]]:
    """Batches of gold rows in GOLD_COLUMNS order; ``votes`` is JSON text on SQLite, a dict on PostgreSQL."""
    yield from _iter_rows(connection, _GOLD_SQL, "s.document_id", document_id)


def iter_label_rows(connection: Connection, *, document_id: str | None = None) -> Iterator[Sequence[Any]]:
    """Batches of label rows in LABEL_COLUMNS order; booleans as 0/1 on SQLite."""
    yield from _iter_rows(connection, _LABELS_SQL, "s.document_id", document_id)


def iter_sentence_rows(connection: Connection, *, document_id: str | None = None) -> Iterator[Sequence[Any]]:
    yield from _iter_rows(connection, _SENTENCES_SQL, "s.document_id", document_id)


def _iter_rows(
    connection: Connection, sql: str, column: str, document_id: str | None
) -> Iterator[Sequence[Any]]:
    if document_id is None:
        result = connection.exec_driver_sql(sql.format(where=""))
    elif connection.dialect.paramstyle == "qmark":  # sqlite3
        result = connection.exec_driver_sql(sql.format(where=f"WHERE {column} = ?"), (document_id,))
    else:  # psycopg
        result = connection.exec_driver_sql(
            sql.format(where=f"WHERE {column} = %(document_id)s"), {"document_id": document_id}
        )
    cursor = result.cursor
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
