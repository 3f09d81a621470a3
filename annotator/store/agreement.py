"""Reading labels for agreement: one query, straight into numpy arrays.

Agreement on a million sentences must load within 2× of a raw ``sqlite3`` read, so this
goes through the driver cursor and builds columns without ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy.engine import Connection

from annotator.domain.agreement_report import LabelTable

_LABELS_SQL = """
SELECT l.sentence_id, l.user_id, l.is_claim, l.source, l.confidence
FROM label AS l {join}
{where}
"""


def load_label_table(
    connection: Connection,
    *,
    document_id: str | None = None,
    annotators: Sequence[str] | None = None,
) -> LabelTable:
    """Current labels (optionally of one document and some annotators) as a LabelTable."""
    qmark = connection.dialect.paramstyle == "qmark"
    mark = "?" if qmark else "%s"
    conditions: list[str] = []
    params: list[object] = []
    join = ""
    if document_id is not None:
        join = "JOIN sentence AS s ON s.id = l.sentence_id"
        conditions.append(f"s.document_id = {mark}")
        params.append(document_id)
    names = _user_names(connection)
    if annotators is not None:
        wanted = [uid for uid, name in names.items() if name in set(annotators)]
        conditions.append(f"l.user_id IN ({', '.join([mark] * len(wanted)) or 'NULL'})")
        params.extend(wanted)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    cursor = connection.exec_driver_sql(_LABELS_SQL.format(join=join, where=where), tuple(params)).cursor
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
    )


def offered_source_keys(connection: Connection, *, document_id: str | None = None) -> list[str]:
    """The source keys of the article (or of every article with labels): what annotators could pick."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    params: tuple[str, ...] = ()
    if document_id is not None:
        sql, params = f"SELECT DISTINCT key FROM source WHERE document_id = {mark}", (document_id,)
    else:
        sql = (
            "SELECT DISTINCT key FROM source WHERE document_id IN (SELECT s.document_id FROM sentence AS s "
            "JOIN label AS l ON l.sentence_id = s.id)"
        )
    return sorted(str(row[0]) for row in connection.exec_driver_sql(sql, params))


def _user_names(connection: Connection) -> dict[int, str]:
    result = connection.exec_driver_sql('SELECT id, name FROM "user"')
    return {int(uid): str(name) for uid, name in result}
