"""Many annotators saving at once, SIGKILLed midway: nothing lost, and how fast saves stay.

    python tests/bench/bench_load.py [--pg URL] [--scale X | --quick] [--think-ms MS]

SQLite (a file, WAL, as ``make_engine`` opens it): 20 annotator processes. PostgreSQL (only
with ``--pg URL`` or ``ANNOTATOR_TEST_PG_URL``): 100 processes, or as many as the server's
``max_connections`` leaves room for (one connection per process; the table says how many
ran). Each process saves labels back to back through ``save_label`` (new labels, edits of its
own, a few unchanged re-saves), logging an intent before and an fsynced acknowledgement after
each save; when half of all saves are acknowledged every process is SIGKILLed, then the
database is checked against the logs (``tests/loadtest.py``): lost, duplicated or mismatched
labels and history rows, and any exception a worker saw ("database is locked" included).

Latency is the wall time of one ``Session`` + ``save_label`` call inside the worker,
back to back with no think time: with more processes than cores it includes waiting for a
CPU, so it measures the machine's capacity as much as the code (``--think-ms`` paces the
annotators instead). Target: p99 ≤ 100 ms, and nothing lost, duplicated or failed.
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

from tests.loadtest import LoadResult, run_load  # noqa: E402

TARGET_P99_MS = 100.0
SQLITE_WORKERS = 20
PG_WORKERS = 100
SQLITE_SAVES = 200
PG_SAVES = 60
CONNECTION_MARGIN = 5
"""PostgreSQL connections left free: the parent's own (schema, verification) and other users."""


def pg_url_from_env() -> str | None:
    return os.environ.get("ANNOTATOR_TEST_PG_URL") or None


def pg_workers_that_fit(url: str, wanted: int) -> tuple[int, str]:
    """How many one-connection workers the server takes now, and a note saying why."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as con:
            max_connections = int(con.execute(text("SHOW max_connections")).scalar_one())
            reserved = int(con.execute(text("SHOW superuser_reserved_connections")).scalar_one())
            superuser = bool(
                con.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
            )
            in_use = int(
                con.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
                ).scalar_one()
            )
    finally:
        engine.dispose()
    usable = max_connections - (0 if superuser else reserved)
    # in_use counts this check's own connection, which is closed again before the run.
    free = usable - (in_use - 1) - CONNECTION_MARGIN
    workers = max(1, min(wanted, free))
    note = f"max_connections {max_connections}, {in_use - 1} other connections in use"
    if workers < wanted:
        note += f": {wanted} workers do not fit, ran {workers}"
    return workers, note


def _measure(scale: float, pg_url: str | None, think_ms: float) -> list[tuple[LoadResult, str]]:
    results: list[tuple[LoadResult, str]] = []
    with c.bench_dir("load") as tmp:
        saves = max(20, int(SQLITE_SAVES * scale))
        c.log(f"load: sqlite, {SQLITE_WORKERS} workers x {saves} saves, SIGKILL at half")
        result = run_load(
            f"sqlite:///{tmp / 'labels.db'}",
            workers=SQLITE_WORKERS,
            saves_per_worker=saves,
            kill_at_fraction=0.5,
            kill_after_s=300,
            seed=11,
            log_dir=tmp / "sqlite-logs",
            think_ms=think_ms,
        )
        c.log("load: " + result.summary())
        results.append((result, ""))
        if pg_url:
            workers, note = pg_workers_that_fit(pg_url, PG_WORKERS)
            saves = max(10, int(PG_SAVES * scale))
            c.log(f"load: postgresql, {workers} workers x {saves} saves, SIGKILL at half ({note})")
            result = run_load(
                pg_url,
                workers=workers,
                saves_per_worker=saves,
                kill_at_fraction=0.5,
                kill_after_s=300,
                seed=12,
                log_dir=tmp / "pg-logs",
                think_ms=think_ms,
            )
            c.log("load: " + result.summary())
            results.append((result, note))
    return results


def _passed(result: LoadResult) -> bool:
    return result.ok and result.acknowledged > 0 and result.p99_ms <= TARGET_P99_MS


def _where_time_went(result: LoadResult) -> str:
    slow = result.breakdown.get("slowest 1%")
    if not slow:
        return ""
    return (
        f"; slowest 1% of saves: {slow['cpu_ms']:.1f} ms on a CPU, "
        f"{slow['cpu_wait_ms']:.0f} ms waiting for one, "
        f"{slow['other_wait_ms']:.0f} ms waiting for the database lock/server/IO"
    )


def _rows(results: list[tuple[LoadResult, str]], think_ms: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    load = os.getloadavg()[0]
    for result, pg_note in results:
        pace = f"{think_ms:g} ms think time" if think_ms else "back to back"
        rows.append(
            c.row(
                f"{result.backend}: save p99, {result.workers} annotator processes, SIGKILL midway",
                result.p99_ms,
                "ms",
                target=f"≤ {TARGET_P99_MS:g} ms",
                ok=_passed(result),
                note=(
                    f"lost {result.lost}, duplicated {result.duplicated}, mismatched {result.mismatched}, "
                    f"errors {result.errors} (locked {result.locked_errors}); "
                    f"{result.acknowledged} acknowledged, {result.killed} killed mid-run; "
                    f"p50 {result.p50_ms:.1f} ms, {result.throughput:.0f} saves/s, {pace}; "
                    f"{os.cpu_count()} CPUs, load {load:.1f}"
                    + _where_time_went(result)
                    + (f"; {pg_note}" if pg_note else "")
                ),
            )
        )
        rows.append(
            c.row(
                f"{result.backend}: throughput, {result.workers} processes",
                result.throughput,
                "saves/s",
                note=f"p50 {result.p50_ms:.1f} ms, max {result.max_ms:.0f} ms (informational)",
            )
        )
    return rows


def run(scale: float = 1.0, *, pg_url: str | None = None, think_ms: float = 0.0) -> list[dict[str, Any]]:
    """Rows for the bench aggregator; PostgreSQL runs when ``pg_url`` or ANNOTATOR_TEST_PG_URL is set."""
    return _rows(_measure(scale, pg_url or pg_url_from_env(), think_ms), think_ms)


def load_table(results: list[tuple[LoadResult, str]]) -> str:
    lines = [
        "| backend | workers | acknowledged saves | lost | duplicated | mismatched | errors "
        "| p50 ms | p99 ms (goal ≤ 100) | throughput saves/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r, _ in results:
        lines.append(
            f"| {r.backend} | {r.workers} | {r.acknowledged} | {r.lost} | {r.duplicated} | {r.mismatched} "
            f"| {r.errors} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.throughput:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--pg", default=None, help="PostgreSQL URL (default: ANNOTATOR_TEST_PG_URL, else skipped)"
    )
    parser.add_argument("--quick", action="store_true", help="scale 0.1: a smoke run")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="mean pause between one annotator's saves"
    )
    args = parser.parse_args()
    pg_url = args.pg or pg_url_from_env()
    results = _measure(0.1 if args.quick else args.scale, pg_url, args.think_ms)
    print(load_table(results))
    if not pg_url:
        print("\nPostgreSQL skipped: pass --pg URL or set ANNOTATOR_TEST_PG_URL.")
    for r, note in results:
        if note:
            print(f"\n{r.backend}: {note}")
        for problem in r.problems[:10]:
            print(f"- {r.backend}: {problem}")
        print(
            f"\n{r.backend}: "
            + "; ".join(
                f"{name}: wall {b['wall_ms']:.1f} ms = cpu {b['cpu_ms']:.1f}"
                f" + waiting for a cpu {b['cpu_wait_ms']:.1f}"
                f" + other waiting {b['other_wait_ms']:.1f}"
                for name, b in r.breakdown.items()
            )
        )
    print()
    rows = _rows(results, args.think_ms)
    c.print_table(rows)
    sys.exit(1 if not all(_passed(r) for r, _ in results) else 0)


if __name__ == "__main__":
    main()
