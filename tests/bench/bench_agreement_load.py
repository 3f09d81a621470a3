"""Loading labels for agreement: within 2× of a raw ``sqlite3`` read of the same rows.

1M sentences × 5 annotators (5M labels) by default. Ours: ``load_label_table`` (driver cursor
straight into numpy arrays); floor, same run: ``sqlite3`` ``execute(...).fetchall()`` of the
same query (the label columns agreement reads, evidence included). Also times the whole
``store_agreement`` (load + every figure, no bootstrap), on labels without evidence and again
once every claim label has a source mention, a cue and (one in three) a ``via`` chain: the
spans are then read with their articles' texts and measured token by token.

    python tests/bench/bench_agreement_load.py [--quick]
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_dir, build_label_db, log, main, median, row, time_runs  # noqa: E402

from annotator.store.driver import AGREEMENT_LABELS  # noqa: E402

# The floor reads exactly what load_label_table reads (all labels, no filter).
QUERY = AGREEMENT_LABELS.format(join="", where="")
# Evidence on every claim label: the mention is the sentence's first 6-8 characters (their
# lengths differ by annotator, so spans partly agree), the cue the next 5.
ADD_EVIDENCE = """
UPDATE label SET
  mention_start = (SELECT char_start FROM sentence WHERE id = label.sentence_id),
  mention_end = (SELECT char_start FROM sentence WHERE id = label.sentence_id) + 6 + user_id % 3,
  cue_start = (SELECT char_start FROM sentence WHERE id = label.sentence_id) + 10,
  cue_end = (SELECT char_start FROM sentence WHERE id = label.sentence_id) + 15,
  via = CASE WHEN sentence_id % 3 = 0 THEN '["us-official"]' ELSE NULL END
WHERE is_claim
"""


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    from annotator.reports.agreement import store_agreement
    from annotator.store.agreement_reads import load_label_table
    from annotator.store.engine import make_engine

    sentences = max(20_000, int(1_000_000 * scale))
    with bench_dir("agreement-load") as folder:
        db = build_label_db(folder / "labels.db", sentences=sentences, annotators=5, edited_fraction=0.0)
        log(f"agreement-load: {db.labels:,} labels built in {db.seconds:.1f} s")
        engine = make_engine(f"sqlite:///{db.path}")

        def raw() -> None:
            with sqlite3.connect(db.path) as connection:
                connection.execute(QUERY).fetchall()

        def ours() -> None:
            with engine.connect() as connection:
                load_label_table(connection)

        floor_s = median(time_runs(raw, 3))
        ours_s = median(time_runs(ours, 3))
        whole_s = median(time_runs(lambda: store_agreement(engine), 3))
        with sqlite3.connect(db.path) as connection:
            connection.execute(ADD_EVIDENCE)
        floor_evidence_s = median(time_runs(raw, 3))
        ours_evidence_s = median(time_runs(ours, 3))
        whole_evidence_s = median(time_runs(lambda: store_agreement(engine), 3))
        engine.dispose()
    return [
        row(
            f"load {db.labels:,} labels for agreement",
            ours_s,
            "s",
            floor=floor_s,
            ratio=ours_s / floor_s,
            target="≤ 2× raw sqlite3",
            ok=ours_s / floor_s <= 2.0,
            note="ours builds the numpy columns too; floor: sqlite3 fetchall of the same query",
        ),
        row(
            f"annotator agreement on {db.labels:,} labels (load + 3 fields, no bootstrap)",
            whole_s,
            "s",
            note="informational: what the Agreement page and the CLI cost on this store",
        ),
        row(
            f"load {db.labels:,} labels with evidence on every claim",
            ours_evidence_s,
            "s",
            floor=floor_evidence_s,
            ratio=ours_evidence_s / floor_evidence_s,
            note="informational: spans, chains and the articles' texts; floor: sqlite3 fetchall",
        ),
        row(
            f"annotator agreement on {db.labels:,} labels with evidence (fields + spans + via)",
            whole_evidence_s,
            "s",
            note="informational: the same store once every claim label carries evidence",
        ),
    ]


if __name__ == "__main__":
    main(run)
