"""What the agreement report reads: every current label, one query, straight into numpy arrays,
and the source keys offered to annotators.

Agreement on a million sentences must load within 2× of a raw ``sqlite3`` read, so this
goes through the driver cursor (``store.driver.AGREEMENT_LABELS``) and builds columns
without ORM objects. Evidence (spans and ``via``) is empty on most labels, so its columns are
built only for the labels that carry some, and the texts read are those of the articles a span
lies in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
from sqlalchemy.engine import Connection

from annotator.domain.agreement.evidence import SPAN_FIELDS, EvidenceColumns, SpanColumns
from annotator.domain.agreement.report import LabelTable
from annotator.store import driver

# Where each span's start column is in a row of driver.AGREEMENT_LABELS (its end follows; -1 for none, so
# the columns go into numpy without a Python test per value); the span's text is never
# stored, it is read from the document.
_SPAN_AT = {"source_mention": 5, "cue": 7}
_VIA_AT = 9


def load_label_table(
    connection: Connection,
    *,
    document_id: str | None = None,
    annotators: Sequence[str] | None = None,
) -> LabelTable:
    """Current labels (optionally of one document and some annotators) as a LabelTable."""
    conditions: list[str] = []
    params: list[object] = []
    join = ""
    if document_id is not None:
        join = driver.AGREEMENT_JOIN_SENTENCE
        conditions.append("s.document_id = ?")
        params.append(document_id)
    names = _user_names(connection)
    if annotators is not None:
        wanted = [uid for uid, name in names.items() if name in set(annotators)]
        conditions.append(f"l.user_id IN ({driver.marks(len(wanted)) or 'NULL'})")
        params.extend(wanted)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    cursor = driver.run(
        connection, driver.AGREEMENT_LABELS.format(join=join, where=where), tuple(params)
    ).cursor
    assert cursor is not None
    rows = cursor.fetchall()
    n = len(rows)
    sentence = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    user = np.fromiter((r[1] for r in rows), dtype=np.int64, count=n)
    unit_ids, unit = np.unique(sentence, return_inverse=True)
    user_ids, annotator = np.unique(user, return_inverse=True)
    keys = sorted({r[3] for r in rows if r[3] is not None})
    code: dict[str | None, int] = {key: i for i, key in enumerate(keys)}
    code[None] = -1
    return LabelTable(
        unit_ids=unit_ids.astype(np.int64),
        annotators=tuple(names[int(u)] for u in user_ids),
        source_keys=tuple(keys),
        unit=unit.astype(np.int64),
        annotator=annotator.astype(np.int64),
        is_claim=np.fromiter((bool(r[2]) for r in rows), dtype=np.int64, count=n),
        source=np.fromiter((code[r[3]] for r in rows), dtype=np.int64, count=n),
        confidence=np.fromiter((-1 if r[4] is None else r[4] for r in rows), dtype=np.int64, count=n),
        evidence=_evidence(connection, rows),
    )


def _evidence(connection: Connection, rows: Sequence[Any]) -> EvidenceColumns | None:
    """The spans and chains of the labels that have any (rows as read by ``driver.AGREEMENT_LABELS``)."""
    # Passes over every label, spelt out and building whole columns: they run on millions of rows.
    mention, cue, chain_at = _SPAN_AT["source_mention"], _SPAN_AT["cue"], _VIA_AT
    spanned = [i for i, r in enumerate(rows) if r[mention] >= 0 or r[cue] >= 0]
    chained = [i for i, r in enumerate(rows) if r[chain_at] is not None]
    if not spanned and not chained:
        return None
    entries = len(rows)
    at = np.array(spanned, dtype=np.int64)
    spans: dict[str, SpanColumns] = {}
    for name in SPAN_FIELDS:
        k = _SPAN_AT[name]
        start, end = np.full(entries, -1, dtype=np.int64), np.full(entries, -1, dtype=np.int64)
        start[at] = np.fromiter((rows[i][k] for i in spanned), dtype=np.int64, count=len(at))
        end[at] = np.fromiter((rows[i][k + 1] for i in spanned), dtype=np.int64, count=len(at))
        spans[name] = SpanColumns(start, end)
    via = np.zeros(entries, dtype=np.int64)
    chains: dict[tuple[str, ...], int] = {(): 0}
    for i in chained:
        # SQLite hands the JSON column over as text, PostgreSQL's driver as a list.
        value = rows[i][chain_at]
        chain = tuple(orjson.loads(value) if isinstance(value, str | bytes) else value)
        via[i] = chains.setdefault(chain, len(chains))
    document = np.full(entries, -1, dtype=np.int64)
    texts: list[str] = []
    if spanned:
        sentence = np.fromiter((rows[i][0] for i in spanned), dtype=np.int64, count=len(at))
        sentence_ids, back = np.unique(sentence, return_inverse=True)
        doc_of = _by_id(connection, "sentence", "document_id", sentence_ids.tolist())
        names = sorted(set(doc_of.values()))
        index = {name: k for k, name in enumerate(names)}
        text_of = _by_id(connection, "document", "text", names)
        texts = [text_of[name] for name in names]
        codes = np.fromiter((index[doc_of[s]] for s in sentence_ids.tolist()), dtype=np.int64)
        document[at] = codes[back]
    return EvidenceColumns(spans=spans, document=document, texts=tuple(texts), via=via, chains=tuple(chains))


_BATCH = 500  # bound parameters per statement, well under SQLite's limit


def _by_id(connection: Connection, table: str, column: str, ids: Sequence[Any]) -> dict[Any, Any]:
    """``{id: column}`` of the rows of ``table`` (a name written here, not input) whose id is in ``ids``."""
    found: dict[Any, Any] = {}
    for at in range(0, len(ids), _BATCH):
        batch = tuple(ids[at : at + _BATCH])
        sql = driver.column_by_id(table, column, len(batch))
        found.update(tuple(row) for row in driver.run(connection, sql, batch))
    return found


def offered_source_keys(connection: Connection, *, document_id: str | None = None) -> list[str]:
    """The source keys of the article (or of every article with labels): what annotators could pick."""
    params: tuple[str, ...] = ()
    if document_id is not None:
        sql, params = driver.SOURCE_KEYS_OF_DOCUMENT, (document_id,)
    else:
        sql = driver.SOURCE_KEYS_OF_LABELLED
    return sorted(str(row[0]) for row in driver.run(connection, sql, params))


def _user_names(connection: Connection) -> dict[int, str]:
    result = driver.run(connection, driver.USER_NAMES)
    return {int(uid): str(name) for uid, name in result}
