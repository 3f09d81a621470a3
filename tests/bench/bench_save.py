"""One label save with its history row: ``save_label`` on a file database holding 100k labels.

    python tests/bench/bench_save.py [--quick]

Database: 20k sentences × 5 annotators = 100k labels (+120k history rows), built by raw
inserts into the real schema, opened with ``make_engine`` (WAL, synchronous=NORMAL).
Ours: 2,000 calls alternating a new label (an annotator without labels yet) and an edit
of an existing label (values changed, so a history row is written), each as the app does
it: a new ``Session(engine, expire_on_commit=False)`` and ``save_label(..., schema=...)``.
Floor, interleaved call by call on the same file: a raw ``sqlite3`` connection with the
same PRAGMAs inserting one label row and one label_history row, then committing.
Target: p50 ≤ 1 ms. p99 is reported too.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

CALLS = 2_000
TARGET_MS = 1.0
SENTENCES = 20_000
ANNOTATORS = 5


def _floor_connection(db: Path) -> sqlite3.Connection:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA busy_timeout=10000")
    return con


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    from sqlmodel import Session

    from annotator.domain.label import LabelValue
    from annotator.exchange.schemas import load_label_schema
    from annotator.store.engine import make_engine
    from annotator.store.labels import label_history, save_label

    calls = max(200, int(CALLS * scale))
    rows: list[dict[str, Any]] = []
    with c.bench_dir("save") as tmp:
        db_path = tmp / "labels.db"
        # user ANNOTATORS+1 gets new labels from save_label, ANNOTATORS+2 from the floor.
        db = c.build_label_db(db_path, sentences=SENTENCES, annotators=ANNOTATORS, extra_annotators=2)
        c.log(f"save: built {db.labels:,} labels, {db.history:,} history rows in {db.seconds:.1f} s")
        new_user, floor_user = ANNOTATORS + 1, ANNOTATORS + 2
        schema = load_label_schema()
        engine = make_engine(f"sqlite:///{db_path}")
        floor_con = _floor_connection(db_path)

        variants = [
            LabelValue(is_claim=True, source="kislyak", confidence=4),
            LabelValue(is_claim=True, source="other", source_other="a Kremlin spokesman", confidence=2),
            LabelValue(is_claim=False, confidence=5, note="headline"),
            LabelValue(is_claim=True, source="author", confidence=3, flagged=True),
        ]

        def ours(i: int) -> None:
            if i % 2 == 0:  # a new label
                sentence_id, user_id = i // 2 + 1, new_user
            else:  # an edit of an existing label, spread over the table
                sentence_id, user_id = (i * 7919) % SENTENCES + 1, 1 + i % ANNOTATORS
            with Session(engine, expire_on_commit=False) as session:
                save_label(
                    session=session,
                    sentence_id=sentence_id,
                    user_id=user_id,
                    value=variants[i % len(variants)],
                    schema=schema,
                )

        stamp = "2026-11-27 12:00:00.000000"

        def floor(i: int) -> None:
            cur = floor_con.execute("BEGIN")
            cur = floor_con.execute(
                "INSERT INTO label (is_claim, source, source_other, confidence, note, flagged, "
                "sentence_id, user_id, version, created_at, updated_at) "
                "VALUES (1, 'kislyak', NULL, 4, '', 0, ?, ?, 1, ?, ?)",
                (i + 1, floor_user, stamp, stamp),
            )
            floor_con.execute(
                "INSERT INTO label_history (is_claim, source, source_other, confidence, note, flagged, "
                "label_id, sentence_id, user_id, version, action, changed_at) "
                "VALUES (1, 'kislyak', NULL, 4, '', 0, ?, ?, ?, 1, 'save', ?)",
                (cur.lastrowid, i + 1, floor_user, stamp),
            )
            floor_con.execute("COMMIT")

        # Warm-up: connections, statement caches, mapper configuration.
        for i in range(20):
            ours(calls + 2 * i)  # new labels past the measured range; edits anywhere
            floor(calls + i)

        ours_t: list[float] = []
        ours_cpu: list[float] = []
        floor_t: list[float] = []
        perf, cpu = time.perf_counter, time.process_time
        for i in range(calls):
            cpu_start = cpu()
            start = perf()
            ours(i)
            ours_t.append(perf() - start)
            ours_cpu.append(cpu() - cpu_start)
            start = perf()
            floor(i)
            floor_t.append(perf() - start)
        floor_con.close()

        new_t, edit_t = ours_t[0::2], ours_t[1::2]
        p50, p99 = c.median(ours_t) * 1e3, c.percentile(ours_t, 99) * 1e3
        f50, f99 = c.median(floor_t) * 1e3, c.percentile(floor_t, 99) * 1e3
        rows.append(
            c.row(
                f"save_label + history, p50 of {calls:,} (db with {db.labels // 1000}k labels)",
                p50,
                "ms",
                floor=f50,
                ratio=p50 / f50,
                target=f"p50 ≤ {TARGET_MS:g} ms",
                ok=p50 <= TARGET_MS,
                note=f"new labels p50 {c.median(new_t) * 1e3:.2f} ms, "
                f"edits p50 {c.median(edit_t) * 1e3:.2f} ms; "
                f"CPU time p50 {c.median(ours_cpu) * 1e3:.2f} ms; a new Session per save, as the app does",
            )
        )
        rows.append(
            c.row(
                "save_label + history, p99",
                p99,
                "ms",
                floor=f99,
                ratio=p99 / f99,
                note=f"max ours {max(ours_t) * 1e3:.1f} ms, floor {max(floor_t) * 1e3:.1f} ms",
            )
        )

        # Reading one label's history: label_history() filters on (sentence_id, user_id).
        lookups: list[float] = []
        with Session(engine, expire_on_commit=False) as session:
            for i in range(50):
                start = perf()
                found = label_history(session=session, sentence_id=(i * 7919) % SENTENCES + 1, user_id=1)
                lookups.append(perf() - start)
                assert found
        rows.append(
            c.row(
                f"label_history() of one label ({db.history // 1000}k history rows)",
                c.median(lookups) * 1e3,
                "ms",
                note="informational, median of 50",
            )
        )
        engine.dispose()
    return rows


if __name__ == "__main__":
    c.main(run)
