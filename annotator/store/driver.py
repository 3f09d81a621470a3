"""The fast driver paths: every statement the store writes as text, run straight on the driver.

A save, a million-label import, an export and the reads behind each key press skip
SQLAlchemy's statement building (and its Row objects): there, building a statement cost more
than running it. Their statements are all here, written once with ``?`` marks (``driver_sql``
puts them in the driver's style), and their column lists come from the models and the domain's
field tuples (``columns_of``): a column renamed in one place fails when this module is
imported, not in an annotator's save. The feature modules keep their logic and run these
statements through ``run`` and ``fetch_rows``; everything else in the store builds its queries
with SQLAlchemy. ``tests/test_driver_sql.py`` checks that no other module runs driver SQL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.engine import Connection, CursorResult
from sqlmodel import Session, SQLModel

from annotator.domain.label import EVIDENCE_COLUMNS, LABEL_FIELDS, STORED_FIELDS
from annotator.store.models import GoldLabel, Label, LabelHistory, SourceOrigin


class UnknownColumnError(LookupError):
    """A driver statement names a column its table lacks (a model and a field tuple disagree)."""


def columns_of(model: type[SQLModel], names: Sequence[str]) -> tuple[str, ...]:
    """``names`` as columns of ``model``'s table, checked: raises UnknownColumnError naming the
    columns the table lacks, so a statement built from them cannot reach the database wrong.

    >>> columns_of(Label, ("is_claim", "via"))
    ('is_claim', 'via')
    """
    table = model.__table__  # type: ignore[attr-defined]
    missing = [name for name in names if name not in table.columns]
    if missing:
        raise UnknownColumnError(
            f"table {table.name!r} (model {model.__name__}) has no column {', '.join(map(repr, missing))}: "
            f"rename the field in annotator/domain or the column in annotator/store/models.py so they agree "
            f"(it has {', '.join(table.columns.keys())})"
        )
    return tuple(names)


# --- parameters -------------------------------------------------------------------------------

_LITERAL_OR_MARK = re.compile(r"'(?:[^']|'')*'|\?")


@functools.lru_cache(maxsize=1024)  # a few dozen statements, rewritten on every save otherwise
def driver_sql(dialect: str, sql: str) -> str:
    """A statement written with ``?`` in the driver's own parameter style (psycopg: ``%s``).

    A ``?`` inside a quoted literal stays a character, and psycopg's ``%`` is doubled
    everywhere (it reads the whole statement, literals included, for placeholders).

    >>> driver_sql("postgresql", "SELECT '?', '100%' FROM t WHERE a = ? AND b LIKE 'x'")
    "SELECT '?', '100%%' FROM t WHERE a = %s AND b LIKE 'x'"
    """
    if dialect == "sqlite":
        return sql
    return _LITERAL_OR_MARK.sub(lambda m: "%s" if m.group() == "?" else m.group(), sql.replace("%", "%%"))


def marks(count: int) -> str:
    """``count`` parameter marks for a VALUES or IN list.

    >>> marks(3)
    '?, ?, ?'
    """
    return ", ".join("?" * count)


def stored_time(dialect: str, moment: datetime) -> Any:
    """A UTC datetime as SQLAlchemy stores it: text on SQLite, the datetime on PostgreSQL."""
    if dialect == "sqlite":
        # isoformat, not strftime: %Y drops the leading zeros of years before 1000.
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return moment


def bound_values(values: Sequence[Any]) -> tuple[Any, ...]:
    """A label's ``STORED_FIELDS`` values (``LabelValue.as_row``, or a stored row read back
    through the ORM) as driver statements bind them: ``via`` as compact JSON text (PostgreSQL
    casts it), NULL when the source cites nobody. Label imports have always written this text,
    and comparing it tells an unchanged label."""
    *plain, via = values
    return (*plain, orjson.dumps(list(via)).decode() if via else None)


# --- running ----------------------------------------------------------------------------------


def run(connection: Connection, sql: str, params: Any = ()) -> CursorResult[*tuple[Any, ...]]:
    """Run ``sql`` (written with ``?``) with one tuple of parameters, or a list of tuples (an
    executemany)."""
    return connection.exec_driver_sql(driver_sql(connection.dialect.name, sql), params)


def fetch_rows(session: Session, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows as plain tuples, straight from the driver's cursor (``sql`` written with ``?``).

    For the reads behind every key press: there, building SQLAlchemy's Row objects cost more
    than running the queries.
    """
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(driver_sql(connection.dialect.name, sql), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def stream_batches(
    connection: Connection, sql: str, scope: Sequence[tuple[str, Sequence[Any]]], batch_rows: int
) -> Iterator[Sequence[Any]]:
    """The rows of ``sql`` (with a ``{where}`` slot) in batches of ``batch_rows``, keeping only
    rows whose columns hold one of the allowed values of ``scope`` ((column, values) pairs)."""
    conditions: list[str] = []
    parameters: list[Any] = []
    for column, values in scope:
        if not values:
            conditions.append("1 = 0")  # an empty choice exports nothing, never everything
            continue
        conditions.append(f"{column} IN ({marks(len(values))})")
        parameters.extend(values)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    statement = sql.format(where=where)
    if connection.dialect.name != "sqlite":
        # psycopg's default cursor holds the whole result in the client: a server-side cursor
        # keeps an export's memory flat. SQLAlchemy reads ahead on it, so rows come through its
        # Result, never the raw cursor (which would skip the rows it already read).
        streamed = connection.execution_options(stream_results=True, max_row_buffer=batch_rows)
        yield from run(streamed, statement, tuple(parameters)).partitions(batch_rows)
        return
    cursor = run(connection, statement, tuple(parameters)).cursor
    assert cursor is not None
    while batch := cursor.fetchmany(batch_rows):
        yield batch


# --- connections ------------------------------------------------------------------------------


def set_sqlite_pragmas(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    """Settings of every new SQLite connection."""
    cursor = dbapi_connection.cursor()
    # WAL lets annotators read while one of them writes; NORMAL sync is durable across
    # a killed process (only an OS crash may lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.close()


def begin_immediate(connection: Connection) -> None:
    """Begin SQLite's transaction as a write now, unless one is open (see ``engine.begin_write``)."""
    driver = connection.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# --- column lists -----------------------------------------------------------------------------

LABEL_VALUE_COLUMNS = columns_of(Label, STORED_FIELDS)
"""A label's value in the ``label`` table, in ``LabelValue.as_row`` order."""
HISTORY_VALUE_COLUMNS = columns_of(LabelHistory, STORED_FIELDS)
"""The same value in ``label_history``."""
LABEL_PLAIN_COLUMNS = columns_of(Label, LABEL_FIELDS)
"""A label's value without its evidence (``LabelValue.as_tuple`` order)."""
LABEL_EVIDENCE_COLUMNS = columns_of(Label, EVIDENCE_COLUMNS)
_GOLD_TABLE = GoldLabel.__table__  # type: ignore[attr-defined]
GOLD_VALUE_COLUMNS = columns_of(
    GoldLabel, tuple(name for name in LABEL_FIELDS if name in _GOLD_TABLE.columns)
)
"""The label fields gold settles (an annotator's note and flag stay with their labels)."""
GOLD_EVIDENCE_COLUMNS = columns_of(GoldLabel, EVIDENCE_COLUMNS)
assert GOLD_VALUE_COLUMNS[:2] == ("is_claim", "source"), "gold must keep a label's claim and source"

_VALUES = ", ".join(LABEL_VALUE_COLUMNS)
_LABEL_KEY = ("sentence_id", "user_id", "version", "created_at", "updated_at")
_HISTORY_INSERT = (
    "INSERT INTO label_history (label_id, sentence_id, user_id, version, action, changed_at, "
    f"{', '.join(HISTORY_VALUE_COLUMNS)}) "
)

# --- a save (store.labels) --------------------------------------------------------------------


def sentence_spans(count: int) -> str:
    """Sentences' documents and spans, by ``count`` ids."""
    return f"SELECT id, document_id, char_start, char_end FROM sentence WHERE id IN ({marks(count)})"


def source_keys_of_documents(count: int) -> str:
    return f"SELECT document_id, key FROM source WHERE document_id IN ({marks(count)})"


def texts_of_documents(count: int) -> str:
    return f"SELECT id, text FROM document WHERE id IN ({marks(count)})"


def current_label(dialect: str) -> str:
    """The annotator's label on a sentence, locked for the save on PostgreSQL."""
    sql = (
        f"SELECT id, version, created_at, updated_at, {_VALUES} "
        "FROM label WHERE sentence_id = ? AND user_id = ?"
    )
    return sql if dialect == "sqlite" else sql + " FOR UPDATE"


SENTENCE_EXISTS = "SELECT 1 FROM sentence WHERE id = ?"
INSERT_LABEL = (
    f"INSERT INTO label ({', '.join(_LABEL_KEY)}, {_VALUES}) "
    f"VALUES ({marks(len(_LABEL_KEY) + len(LABEL_VALUE_COLUMNS))}) RETURNING id"
)
"""Parameters: sentence_id, user_id, version, created_at, updated_at, ``bound_values``."""
UPDATE_LABEL = (
    "UPDATE label SET version = ?, updated_at = ?, "
    + ", ".join(f"{name} = ?" for name in LABEL_VALUE_COLUMNS)
    + " WHERE id = ?"
)
"""Parameters: version, updated_at, ``bound_values``, id."""
INSERT_HISTORY = _HISTORY_INSERT + f"VALUES (?, ?, ?, ?, ?, ?, {marks(len(HISTORY_VALUE_COLUMNS))})"
"""Parameters: label_id, sentence_id, user_id, version, action, changed_at, ``bound_values``."""
DELETE_LABEL = "DELETE FROM label WHERE id = ?"
LAST_HISTORY_VERSION = (
    "SELECT coalesce(max(version), 0) FROM label_history WHERE sentence_id = ? AND user_id = ?"
)
USER_ACTIVE = 'SELECT active FROM "user" WHERE id = ?'
LOGIN_IDENTITY = (
    'SELECT u.id, u.name, u.role FROM login_session l JOIN "user" u ON u.id = l.user_id '
    "WHERE l.token_hash = ? AND l.expires_at > ? AND u.active"
)
"""The account of a login token: every page run and every action asks it."""
INSERT_RECEIPT = (
    "INSERT INTO submission_receipt (user_id, client_id, sentence_id, outcome, received_at) "
    "VALUES (?, ?, ?, ?, ?)"
)


def receipts_of(count: int) -> str:
    """An annotator's receipts for ``count`` client ids (parameters: user_id, the ids)."""
    return (
        "SELECT client_id, sentence_id, outcome FROM submission_receipt WHERE user_id = ? "
        f"AND client_id IN ({marks(count)})"
    )


def suggestions_of_sentences(count: int) -> str:
    """What a save compares its labels with: (sentence id, model, is_claim, source, source_other)."""
    return (
        "SELECT sentence_id, model, is_claim, source, source_other FROM suggestion "
        f"WHERE sentence_id IN ({marks(count)})"
    )


def project_settings(count: int) -> str:
    """(key, value) of these project settings, those that are set."""
    return f"SELECT key, value FROM project_setting WHERE key IN ({marks(count)})"


INSERT_SHOWN = (
    "INSERT INTO suggestion_shown (sentence_id, user_id, label_version, model, shown, agrees, recorded_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


ANY_GOLD = "SELECT 1 FROM gold_label LIMIT 1"


def reopen_gold(count: int) -> str:
    """Gold on ``count`` sentences marked for review (parameters: True, False, the ids)."""
    return (
        f"UPDATE gold_label SET needs_review = ? WHERE needs_review = ? AND sentence_id IN ({marks(count)})"
    )


# --- a label import (store.bulk) --------------------------------------------------------------

LOCK_LABELS = "LOCK TABLE label IN SHARE ROW EXCLUSIVE MODE"
"""PostgreSQL: new labels are told apart by id, so no other writer may insert one meanwhile."""
LARGEST_LABEL_ID = "SELECT COALESCE(MAX(id), 0) FROM label"
SET_PASSWORD_HASH = 'UPDATE "user" SET password_hash = ? WHERE name = ?'
INSERT_SENTENCE = (
    'INSERT INTO sentence (document_id, "index", char_start, char_end, text, paragraph) '
    "VALUES (?, ?, ?, ?, ?, 0)"
)
SET_DOCUMENT_TEXT = "UPDATE document SET text = ? WHERE id = ?"
INSERT_IMPORTED_SOURCE = (
    'INSERT INTO source (document_id, "key", label, aliases, origin) '
    f"VALUES (?, ?, ?, '[]', '{SourceOrigin.imported.name}')"
)
IMPORTED_PLAIN_COLUMNS = (*_LABEL_KEY, *LABEL_PLAIN_COLUMNS)
"""A new label without evidence: its evidence columns are left to their NULL default."""
IMPORTED_COLUMNS = (*IMPORTED_PLAIN_COLUMNS, *LABEL_EVIDENCE_COLUMNS)


def insert_imported_labels(*, evidence: bool) -> str:
    """New labels, with or without their evidence columns (``IMPORTED_COLUMNS`` or
    ``IMPORTED_PLAIN_COLUMNS`` as parameters)."""
    names = IMPORTED_COLUMNS if evidence else IMPORTED_PLAIN_COLUMNS
    return f"INSERT INTO label ({', '.join(names)}) VALUES ({marks(len(names))})"


HISTORY_OF_NEW_LABELS = (
    _HISTORY_INSERT
    + f"SELECT id, sentence_id, user_id, 1, 'import', updated_at, {_VALUES} FROM label WHERE id > ?"
)
"""The history rows of the labels above an id (parameter: the largest id before the insert)."""
UPDATE_IMPORTED_LABEL = (
    f"UPDATE label SET {', '.join(f'{c} = ?' for c in LABEL_VALUE_COLUMNS)}, "
    "version = ?, updated_at = ? WHERE id = ?"
)
"""Parameters: ``bound_values``, version, updated_at, id."""
INSERT_IMPORTED_HISTORY = (
    _HISTORY_INSERT + f"VALUES (?, ?, ?, ?, 'import', ?, {marks(len(HISTORY_VALUE_COLUMNS))})"
)
"""Parameters: label_id, sentence_id, user_id, version, changed_at, ``bound_values``."""

# --- exports (store.exports) ------------------------------------------------------------------


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


def _evidence_sql(table: str, columns: Sequence[str]) -> str:
    """The evidence columns (``EVIDENCE_COLUMNS``: span offsets in pairs, then ``via``) of the
    table aliased ``table``, each span followed by its words: ``EXPORTED_EVIDENCE``."""
    *spans, via = columns
    selected = []
    for start, end in zip(spans[::2], spans[1::2], strict=True):
        first, last = f"{table}.{start}", f"{table}.{end}"
        selected += [first, last, _span_words(first, last)]
    return ", " + ", ".join([*selected, f"{table}.{via}"])


EXPORTED_EVIDENCE = (
    "cue_start",
    "cue_end",
    "cue_text",
    "mention_start",
    "mention_end",
    "mention_text",
    "via",
)
"""What ``_evidence_sql`` reads, by name."""

EXPORT_LABELS = (
    """
SELECT s.document_id, s."index", s.text, s.char_start, s.char_end, u.name,
       """
    + ", ".join(f"l.{name}" for name in LABEL_PLAIN_COLUMNS)
    + """,
       l.created_at, l.updated_at"""
    + _evidence_sql("l", LABEL_EVIDENCE_COLUMNS)
    + """
FROM label AS l
JOIN sentence AS s ON s.id = l.sentence_id
JOIN "user" AS u ON u.id = l.user_id
{where}
ORDER BY s.document_id, s."index", u.name
"""
)
"""Each label with its sentence, annotator and evidence (``{where}``: ``stream_batches``)."""

EXPORT_SENTENCES = """
SELECT s.document_id, s."index", s.text, s.char_start, s.char_end, s.paragraph
FROM sentence AS s
{where}
ORDER BY s.document_id, s."index"
"""

_GOLD_DETAILS = columns_of(GoldLabel, ("provenance", "votes", "agreement"))
_GOLD_REVIEW = columns_of(GoldLabel, ("rationale", "needs_review", "updated_at"))
GOLD_COLUMNS = (
    "document_id",
    "sentence_index",
    "text",
    "char_start",
    "char_end",
    *GOLD_VALUE_COLUMNS,
    *_GOLD_DETAILS,
    "decided_by",
    *_GOLD_REVIEW,
)
"""The gold record's fields as ``EXPORT_GOLD`` reads them, before ``EXPORTED_EVIDENCE``."""
EXPORT_GOLD = (
    """
SELECT s.document_id, s."index", s.text, s.char_start, s.char_end, """
    + ", ".join(f"g.{name}" for name in (*GOLD_VALUE_COLUMNS, *_GOLD_DETAILS))
    + ", u.name, "
    + ", ".join(f"g.{name}" for name in _GOLD_REVIEW)
    + _evidence_sql("g", GOLD_EVIDENCE_COLUMNS)
    + """
FROM gold_label AS g
JOIN sentence AS s ON s.id = g.sentence_id
LEFT JOIN "user" AS u ON u.id = g.decided_by_id
{where}
ORDER BY s.document_id, s."index"
"""
)

# --- the Annotate page (store.annotate_reads) -------------------------------------------------

# With the article's sources, changes whenever a sentence is merged, split or added, or the
# title changes: then (and only then) the article is read and sent whole again.
ARTICLE_SIGNATURE = (
    "SELECT d.title, "
    "(SELECT count(*) FROM sentence WHERE document_id = d.id), "
    "(SELECT coalesce(sum(char_end), 0) FROM sentence WHERE document_id = d.id), "
    "(SELECT coalesce(max(id), 0) FROM sentence WHERE document_id = d.id) "
    "FROM document d WHERE d.id = ?"
)
# The same, with what the panel's suggestions depend on (the article's stored suggestions and
# the audit share) in the same statement: every exchange with the panel asks both, and a
# statement costs more than its few subqueries.
PANEL_STAMPS = ARTICLE_SIGNATURE.replace(
    " FROM document d",
    ", (SELECT count(*) FROM suggestion WHERE document_id = d.id), "
    "(SELECT max(created_at) FROM suggestion WHERE document_id = d.id), "
    "(SELECT value FROM project_setting WHERE key = ?) FROM document d",
)
"""Parameters: the audit share's setting key, the document id."""
PANEL_SENTENCES = (
    'SELECT id, "index", paragraph, char_start, char_end, text FROM sentence WHERE document_id = ? '
    'ORDER BY "index"'
)
ARTICLE_SOURCES = "SELECT key, label FROM source WHERE document_id = ? ORDER BY id"
DOCUMENT_TITLE = "SELECT title FROM document WHERE id = ?"
DOCUMENT_TEXT = "SELECT text FROM document WHERE id = ?"
OWN_LABELS = (
    "SELECT l.sentence_id, "
    + ", ".join(f"l.{name}" for name in LABEL_VALUE_COLUMNS)
    + " FROM label l JOIN sentence s ON s.id = l.sentence_id WHERE s.document_id = ? AND l.user_id = ?"
)
"""Parameters: document id, user id; each row the sentence id, then ``LABEL_VALUE_COLUMNS``."""

# --- article pickers (store.documents) --------------------------------------------------------

DOCUMENT_IDS = "SELECT id FROM document ORDER BY created_at, id"
DOCUMENT_TITLES = "SELECT id, title FROM document ORDER BY created_at, id"

# --- the agreement report (store.agreement_reads) ---------------------------------------------

_AGREED = columns_of(Label, ("sentence_id", "user_id", "is_claim", "source", "confidence"))
_AGREED_SPANS = columns_of(Label, ("mention_start", "mention_end", "cue_start", "cue_end"))
AGREEMENT_LABELS = (
    "\nSELECT "
    + ", ".join(f"l.{name}" for name in _AGREED)
    + ",\n       "
    + ", ".join(f"COALESCE(l.{name}, -1)" for name in _AGREED_SPANS[:2])
    + ",\n       "
    + ", ".join(f"COALESCE(l.{name}, -1)" for name in _AGREED_SPANS[2:])
    + f", l.{columns_of(Label, ('via',))[0]}\nFROM label AS l {{join}}\n{{where}}\n"
)
"""Each label's answer, spans (-1 for none: they go into numpy without a test per value) and
``via``. ``{join}``: ``AGREEMENT_JOIN_SENTENCE`` or nothing; ``{where}``: conditions with ``?``."""
AGREEMENT_JOIN_SENTENCE = "JOIN sentence AS s ON s.id = l.sentence_id"
USER_NAMES = 'SELECT id, name FROM "user"'
SOURCE_KEYS_OF_DOCUMENT = "SELECT DISTINCT key FROM source WHERE document_id = ?"
SOURCE_KEYS_OF_LABELLED = (
    "SELECT DISTINCT key FROM source WHERE document_id IN (SELECT s.document_id FROM sentence AS s "
    "JOIN label AS l ON l.sentence_id = s.id)"
)


def column_by_id(table: str, column: str, count: int) -> str:
    """``id, column`` of ``count`` rows of ``table`` (names written in code, never input)."""
    return f"SELECT id, {column} FROM {table} WHERE id IN ({marks(count)})"
