"""Soak: N headless annotators label on one `annotator serve` for a long time; is memory flat?

With the post-run garbage collection off (ui/options.py), a leak would show here first: the
server's RSS is sampled every 10 s. RSS is *flat* when no sample after the first
``--settle-minutes`` exceeds the RSS at that moment by more than 10 %. Also reported: the RSS
slope (least squares, MiB per hour), ack latency p50/p99 over the whole run, server CPU per
label, errors, and every acknowledged label checked in the database.

Not run by tests/bench/run (it takes two hours by default):

    python tests/bench/soak.py [--annotators 50] [--minutes 120] [--db-url URL]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import _common as c  # noqa: E402
import wsload as w  # noqa: E402

SAMPLE_EVERY_S = 10.0
FLAT_WITHIN = 0.10


@dataclass
class Soak:
    samples: list[tuple[float, float]]
    """(seconds since the annotators started, server RSS in MiB)."""
    settled_at_s: float
    labels: int
    p50_ms: float
    p99_ms: float
    cpu_ms_per_label: float
    errors: int
    right: int
    total: int

    @property
    def baseline_mib(self) -> float:
        return next(rss for t, rss in self.samples if t >= self.settled_at_s)

    @property
    def peak_after_settling_mib(self) -> float:
        return max(rss for t, rss in self.samples if t >= self.settled_at_s)

    @property
    def flat(self) -> bool:
        return self.peak_after_settling_mib <= self.baseline_mib * (1 + FLAT_WITHIN)

    @property
    def slope_mib_per_hour(self) -> float:
        settled = [(t, rss) for t, rss in self.samples if t >= self.settled_at_s]
        if len(settled) < 2:
            return 0.0
        return statistics.linear_regression([t for t, _ in settled], [r for _, r in settled]).slope * 3600

    def report(self) -> str:
        return (
            f"{self.labels} labels; ack p50 {self.p50_ms:.0f} ms, p99 {self.p99_ms:.0f} ms; server CPU "
            f"{self.cpu_ms_per_label:.1f} ms/label; errors {self.errors}; right {self.right}/{self.total}\n"
            f"RSS: first {self.samples[0][1]:.0f} MiB, at {self.settled_at_s / 60:.1f} min "
            f"{self.baseline_mib:.0f} MiB, peak after {self.peak_after_settling_mib:.0f} MiB, last "
            f"{self.samples[-1][1]:.0f} MiB; slope {self.slope_mib_per_hour:+.1f} MiB/h; "
            f"{'FLAT' if self.flat else 'NOT FLAT'} within {FLAT_WITHIN:.0%}"
        )


def soak(
    *,
    annotators: int,
    minutes: float,
    settle_minutes: float,
    base_url: str | None,
    pace_s: float,
    workdir: Path,
) -> Soak:
    seconds = minutes * 60
    with w.fresh_store(base_url, workdir) as db_url:
        people = w.prepare_store(db_url, annotators=annotators, sentences=int(seconds / pace_s * 1.6) + 100)
        with w.running_server(db_url, workdir) as server:
            start_at = time.time() + 1.0
            stop_at = start_at + seconds
            samples: list[tuple[float, float]] = []
            with concurrent.futures.ThreadPoolExecutor(1) as thread:
                running = thread.submit(
                    w.run_annotators,
                    server.stream_url,
                    people,
                    start_at=start_at,
                    stop_at=stop_at,
                    pace_s=pace_s,
                    ramp_s=min(20.0, 0.1 * annotators),
                    processes=max(1, min(4, annotators // 40 + 1)),
                )
                cpu_start = w.cpu_seconds(server.pid)
                while time.time() < stop_at and not running.done():
                    samples.append((time.time() - start_at, w.rss_mib(server.pid)))
                    c.log(f"soak: {samples[-1][0] / 60:5.1f} min, RSS {samples[-1][1]:.0f} MiB")
                    time.sleep(max(0.0, min(SAMPLE_EVERY_S, stop_at - time.time())))
                samples.append((time.time() - start_at, w.rss_mib(server.pid)))
                cpu = w.cpu_seconds(server.pid) - cpu_start
                results = running.result()
        check = w.check_store(db_url, results)
    latencies = [lat * 1000 for r in results for _, lat in r.latencies] or [float("nan")]
    return Soak(
        samples=samples,
        settled_at_s=settle_minutes * 60,
        labels=len(latencies),
        p50_ms=c.percentile(latencies, 50),
        p99_ms=c.percentile(latencies, 99),
        cpu_ms_per_label=cpu * 1000 / max(1, len(latencies)),
        errors=sum(len(r.errors) for r in results),
        right=check.right,
        total=check.total,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument(
        "--settle-minutes",
        type=float,
        default=None,
        help="RSS baseline taken then (default: a tenth of the run, ≥ 1)",
    )
    parser.add_argument("--pace", type=float, default=2.0, help="seconds between labels, per annotator")
    parser.add_argument("--db-url", help="PostgreSQL base URL (a fresh schema); default SQLite")
    args = parser.parse_args()
    settle = args.settle_minutes if args.settle_minutes is not None else max(1.0, args.minutes / 10)
    with c.bench_dir("soak") as workdir:
        result = soak(
            annotators=args.annotators,
            minutes=args.minutes,
            settle_minutes=settle,
            base_url=args.db_url,
            pace_s=args.pace,
            workdir=workdir,
        )
    print(f"soak: {args.annotators} annotators, {args.minutes:g} min, one label per {args.pace:g} s each")
    print(result.report())
    sys.exit(0 if result.flat and result.errors == 0 and result.right == result.total else 1)


if __name__ == "__main__":
    main()
