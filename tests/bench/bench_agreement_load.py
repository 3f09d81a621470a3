"""Loading labels for agreement: within 2× of a raw ``sqlite3`` read of the same rows.

1M sentences × 5 annotators (5M labels) by default. Ours: ``load_label_table`` (driver cursor
straight into numpy arrays); floor, same run: ``sqlite3`` ``execute(...).fetchall()`` of the
same query. Also times the whole ``store_agreement`` (load + every figure, no bootstrap).

    python tests/bench/bench_agreement_load.py [--quick]
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_dir, build_label_db, log, main, median, row, time_runs  # noqa: E402

QUERY = "SELECT l.sentence_id, l.user_id, l.is_claim, l.source, l.confidence FROM label AS l"


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    from annotator.io.agreement import store_agreement
    from annotator.store.agreement import load_label_table
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
    ]


if __name__ == "__main__":
    main(run)
