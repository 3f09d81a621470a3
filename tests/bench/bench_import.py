"""Import 1M labels from JSONL: ``import_labels_file`` vs a raw ``sqlite3.executemany`` floor.

    python tests/bench/bench_import.py [--quick]

The input is our own export (``export_jsonl``) of a database of 200k sentences ×
5 annotators built by raw inserts. Each run imports it into a new, empty SQLite file
(tables from ``create_tables``, not timed): documents, sentences, annotators, labels and
history rows are all created by the import.
Floor, same run, interleaved with ours: the same 1M label rows (prepared before timing)
inserted with ``sqlite3.executemany`` into the label table of a new database with the
real schema (its indexes included), same PRAGMAs (WAL, synchronous=NORMAL), one commit.
Informational rows: a raw import doing all the work (parse the file with orjson, insert
labels and history rows) and the parse/check phase of ours alone.
Target: ratio ≤ 3.0, and peak memory ≤ 200 MiB above the baseline (the import streams: it
must not grow with the labels). Also 30k labels, for comparison with Label Studio (≈ 15 s).

Ours runs in a fresh interpreter (its peak memory is reported) and is stopped after
100 s (30 s with --quick), so that a pathological import cannot hold the box; a stopped
run is a miss, reported with lower bounds, plus 10k/20k runs that show how time grows.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

RUNS = 3
SMALL_RUNS = 3
RATIO_TARGET = 3.0
PEAK_TARGET_MIB = 200.0

_LABEL_INSERT = (
    "INSERT INTO label (is_claim, source, source_other, confidence, note, flagged, "
    "sentence_id, user_id, version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)
_HISTORY_INSERT = (
    "INSERT INTO label_history (is_claim, source, source_other, confidence, note, flagged, "
    "label_id, sentence_id, user_id, version, action, changed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)


def _stored_time(value: str | None) -> str | None:
    """'2026-11-01T10:00:00.123456Z' -> '2026-11-01 10:00:00.123456' (SQLAlchemy's SQLite format)."""
    return None if value is None else value.rstrip("Z").replace("T", " ", 1)


def label_rows(jsonl: Path) -> list[tuple[Any, ...]]:
    """The label rows of the file, as the floor inserts them (sentence ids in file order)."""
    import orjson

    sentence_ids: dict[tuple[str, int], int] = {}
    user_ids: dict[str, int] = {}
    rows: list[tuple[Any, ...]] = []
    with open(jsonl, "rb") as stream:
        for line in stream:
            o = orjson.loads(line)
            sid = sentence_ids.setdefault((o["document_id"], o["sentence_index"]), len(sentence_ids) + 1)
            uid = user_ids.setdefault(o["annotator"], len(user_ids) + 1)
            rows.append(
                (
                    o["is_claim"],
                    o["source"],
                    o["source_other"],
                    o["confidence"],
                    o["note"],
                    o["flagged"],
                    sid,
                    uid,
                    1,
                    _stored_time(o["created_at"]),
                    _stored_time(o["updated_at"]),
                )
            )
    return rows


def _connect(db: Path) -> sqlite3.Connection:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    return con


def floor_insert(db: Path, rows: list[tuple[Any, ...]]) -> None:
    """The brief's floor: executemany of the prepared label rows, one transaction."""
    con = _connect(db)
    try:
        con.execute("BEGIN")
        con.executemany(_LABEL_INSERT, rows)
        con.execute("COMMIT")
    finally:
        con.close()


def raw_full_import(db: Path, jsonl: Path) -> None:
    """What a hand-written raw import has to do at least: parse, insert labels and history."""
    rows = label_rows(jsonl)
    con = _connect(db)
    try:
        con.execute("BEGIN")
        con.executemany(_LABEL_INSERT, rows)
        con.executemany(
            _HISTORY_INSERT,
            ((*r[:6], i, r[6], r[7], 1, "import", r[10]) for i, r in enumerate(rows, start=1)),
        )
        con.execute("COMMIT")
    finally:
        con.close()


def import_ours(db: Path, jsonl: Path) -> int:
    from annotator.exchange.import_labels import import_labels_file
    from annotator.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    try:
        return import_labels_file(engine, jsonl).inserted
    finally:
        engine.dispose()


def parse_ours(jsonl: Path) -> int:
    from annotator.exchange.import_labels import iter_label_records
    from annotator.exchange.schemas import load_label_schema

    with jsonl.open("rb") as stream:
        return sum(1 for _ in iter_label_records(stream, file=str(jsonl), schema=load_label_schema()))


def make_jsonl(tmp: Path, name: str, sentences: int) -> tuple[Path, int]:
    from annotator.exchange.export import export_jsonl
    from annotator.store.engine import make_engine

    db_path = tmp / f"{name}-source.db"
    db = c.build_label_db(db_path, sentences=sentences, annotators=5)
    out = tmp / f"{name}.jsonl"
    engine = make_engine(f"sqlite:///{db_path}")
    export_jsonl(engine, what="labels", out=out)
    engine.dispose()
    c.remove_db(db_path)
    return out, db.labels


def _fresh(tmp: Path, name: str) -> Path:
    path = tmp / f"{name}.db"
    c.remove_db(path)
    c.create_schema(path)
    return path


def _count(db: Path, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        con.close()


_CHILD = (
    c.MAXRSS_SNIPPET
    + """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {bench_dir!r})
import bench_import
import annotator.exchange.import_labels, annotator.store.engine  # noqa: F401  (baseline includes imports)
base = rss_mib()
cpu = time.process_time()
start = time.perf_counter()
result = bench_import.{fn}(*[Path(a) for a in {args!r}])
seconds = time.perf_counter() - start
cpu = time.process_time() - cpu
out = {{"seconds": seconds, "cpu": cpu, "result": result, "baseline": base, "peak": maxrss_mib()}}
print(json.dumps(out))
"""
)


def in_child(fn: str, *args: Path, timeout: float) -> dict[str, Any] | None:
    """Run ``bench_import.fn(*args)`` in a fresh interpreter; None if stopped at ``timeout``."""
    code = _CHILD.format(bench_dir=str(Path(__file__).resolve().parent), fn=fn, args=[str(a) for a in args])
    try:
        return c.child_json(code, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def _compare(
    tmp: Path, jsonl: Path, n: int, *, runs: int, budget_s: float, timeout: float, label: str
) -> dict[str, Any]:
    """Interleaved floor/ours runs; ours in a child process, stopped after ``timeout``."""
    rows = label_rows(jsonl)
    assert len(rows) == n
    floor_t: list[float] = []
    floor_cpu: list[float] = []
    ours_cpu: list[float] = []
    peaks: list[float] = []

    def one() -> float | None:
        target = _fresh(tmp, "floor")
        floor_t.extend(c.time_runs(lambda: floor_insert(target, rows), 1, cpu=floor_cpu))
        assert _count(target, "label") == n
        c.remove_db(target)

        target = _fresh(tmp, "ours")
        done = in_child("import_ours", target, jsonl, timeout=timeout)
        if done is None:
            c.log(f"import {label}: floor {floor_t[-1]:.2f} s, ours STOPPED after {timeout:.0f} s")
            c.remove_db(target)
            return None
        assert done["result"] == n and _count(target, "label") == n and _count(target, "label_history") == n
        c.remove_db(target)
        peaks.append(done["peak"] - done["baseline"])
        ours_cpu.append(done["cpu"])
        c.log(f"import {label}: floor {floor_t[-1]:.2f} s, ours {done['seconds']:.2f} s")
        return float(done["seconds"])

    ours_t, stopped = c.budgeted_runs(one, max_runs=runs, budget_s=budget_s)
    return {
        "ours": ours_t,
        "floor": floor_t,
        "ours_cpu": ours_cpu,
        "floor_cpu": floor_cpu[: len(ours_cpu)],
        "stopped": stopped,
        "peak_mib": max(peaks, default=None),
    }


def _cpu_note(result: dict[str, Any]) -> str:
    """CPU seconds (this process and its threads): on a shared, loaded box the wall-clock ratio
    drifts with the neighbours' load, the CPU ratio much less."""
    if not result["ours_cpu"]:
        return ""
    ours, floor = c.median(result["ours_cpu"]), c.median(result["floor_cpu"])
    return f"; CPU time ours {ours:.1f} s vs floor {floor:.2f} s (ratio {ours / floor:.2f})"


def _runs(times: list[float], digits: int = 1) -> str:
    return "/".join(f"{t:.{digits}f}" for t in times)


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    # Ours runs in a child process with a time limit: a full-size run may not finish.
    timeout = 100.0 if scale >= 1 else 30.0
    with c.bench_dir("import") as tmp:
        sentences = max(1000, int(200_000 * scale))
        c.log(f"import: building and exporting {sentences * 5:,} labels")
        jsonl, n = make_jsonl(tmp, "labels", sentences)
        size_mib = jsonl.stat().st_size / c.MiB

        big = _compare(tmp, jsonl, n, runs=RUNS, budget_s=1.8 * timeout, timeout=timeout, label=f"{n:,}")
        floor = c.median(big["floor"])
        common = f"{size_mib:.0f} MiB JSONL; floor = executemany of the prepared label rows"
        if big["ours"]:
            ours = c.median(big["ours"])
            ratio = ours / floor
            rows.append(
                c.row(
                    f"import {n:,} labels into an empty db",
                    ours,
                    "s",
                    floor=floor,
                    ratio=ratio,
                    target=f"ratio ≤ {RATIO_TARGET}, peak ≤ {PEAK_TARGET_MIB:.0f} MiB",
                    ok=ratio <= RATIO_TARGET and big["peak_mib"] <= PEAK_TARGET_MIB,
                    note=f"{n / ours:,.0f} labels/s; {common}; peak memory {big['peak_mib']:.0f} MiB above "
                    f"baseline; runs ours {_runs(big['ours'])}, floor {_runs(big['floor'], 2)}"
                    + _cpu_note(big),
                )
            )
        else:
            rows.append(
                c.row(
                    f"import {n:,} labels into an empty db",
                    timeout,
                    "s",
                    floor=floor,
                    ratio=timeout / floor,
                    target=f"ratio ≤ {RATIO_TARGET}",
                    ok=False,
                    note=f"DID NOT FINISH: stopped after {timeout:.0f} s (value and ratio are lower bounds); "
                    f"{common}; see the scaling rows",
                )
            )

        target = _fresh(tmp, "raw-full")
        raw_full = c.median(c.time_runs(lambda: raw_full_import(target, jsonl), 1))
        c.remove_db(target)
        rows.append(
            c.row(
                "  raw full import (orjson parse + label + history inserts)",
                raw_full,
                "s",
                note="informational, one run",
            )
        )
        parsed = in_child("parse_ours", jsonl, timeout=timeout)
        rows.append(
            c.row(
                "  ours, read+check phase only (iter_label_records)",
                float("nan") if parsed is None else parsed["seconds"],
                "s",
                note="informational, one run"
                + (
                    f"; peak memory {parsed['peak'] - parsed['baseline']:.0f} MiB above baseline"
                    if parsed
                    else f"; stopped after {timeout:.0f} s"
                ),
            )
        )
        jsonl.unlink()

        # 30k: the size measured for Label Studio (anchors.md); then the growth with size.
        sizes = [(6_000, "for comparison: Label Studio CE ≈ 15 s, Potato N/A (anchors.md)")]
        if scale >= 1 and big["stopped"]:  # show how the time grows with the size
            sizes += [(2_000, "scaling check"), (4_000, "scaling check")]
        for sentences_small, note in sizes:
            small_jsonl, small_n = make_jsonl(tmp, f"labels-{sentences_small}", sentences_small)
            small = _compare(
                tmp,
                small_jsonl,
                small_n,
                runs=SMALL_RUNS if scale >= 1 else 1,
                budget_s=30,
                timeout=60,
                label=f"{small_n:,}",
            )
            small_jsonl.unlink()
            if not small["ours"]:
                rows.append(c.row(f"import {small_n:,} labels", 60.0, "s", note="stopped after 60 s"))
                continue
            so, sf = c.median(small["ours"]), c.median(small["floor"])
            rows.append(
                c.row(
                    f"import {small_n:,} labels into an empty db",
                    so,
                    "s",
                    floor=sf,
                    ratio=so / sf,
                    note=f"{note}; {small_n / so:,.0f} labels/s; median of {len(small['ours'])} run(s) "
                    f"(runs {_runs(small['ours'], 2)})" + _cpu_note(small),
                )
            )
    return rows


if __name__ == "__main__":
    c.main(run)
