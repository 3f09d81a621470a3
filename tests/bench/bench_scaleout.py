"""Scale-out: do 2 server processes behind nginx hold ≥ 1.8× the annotators one holds? (issue 15)

The question is whether what the processes share (nginx and its sticky route cookie,
PostgreSQL, the machine's memory) stops a second process from adding what the first one holds.
On a machine with a core to spare per process that is read straight off two sweeps. This one
has 2 cores, shared by the servers, nginx, PostgreSQL and the load generator, so that one
unlimited process already takes most of the machine at 200 annotators and a second one has
nothing left to add. So each server process gets the same CPU budget: a cgroup of its own
limited to ``--cores`` CPUs (``wsload.cpu_budget``; 0.25 by default), i.e. a small machine
with a core slice per process, carved out of the shared one. Everything else (nginx,
PostgreSQL, the generator) runs unlimited beside them.

Rounds alternate 1 and 2 processes (``annotator serve --processes K`` behind the shipped
deploy/nginx-annotator.conf, on a fresh PostgreSQL schema per N), each swept over
N = K × BASE_COUNTS at one label per 2 s per annotator; a sweep stops once saturated. Reported:
per round, the largest N each held (ack p99 ≤ 300 ms, no error, every label right), and the
median over rounds with its ratio, plus how often the budget was the limit (a budget that
never binds would measure nothing).

Needs ANNOTATOR_TEST_PG_URL, Debian's nginx and a writable cgroup CPU controller (root);
otherwise it reports why it did not run. ``--quick``: one round, N = K × (10, 20), 8 s windows.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

import _common as c
import wsload as w

BASE_COUNTS = [40, 45, 50, 55, 60, 65, 70, 75, 80, 90]
CORES_PER_PROCESS = 0.25
ROUNDS = 3
PACE_S = 2.0
NGINX = Path("/usr/sbin/nginx")


def _missing() -> str:
    if not os.environ.get("ANNOTATOR_TEST_PG_URL"):
        return "ANNOTATOR_TEST_PG_URL is not set"
    if not NGINX.exists():
        return "nginx is not installed (apt-get install -y nginx)"
    try:
        w._cpu_cgroup_root()
    except RuntimeError as error:
        return str(error)
    return ""


def _sweep(
    processes: int, counts: list[int], seconds: float, pg_url: str, workdir: Path
) -> tuple[int, float]:
    """Largest N held by ``processes`` budgeted processes, and the share of accounting periods
    in which the budget was the limit."""
    throttling: list[w.Throttling] = []
    figures = w.sweep(
        [processes * n for n in counts],
        base_url=pg_url,
        deploy=w.budgeted(w.behind_proxy(processes), CORES_PER_PROCESS, throttling),
        pace_s=PACE_S,
        seconds=seconds,
        workdir=workdir,
    )
    periods = sum(t.periods for t in throttling)
    return w.largest_holding(figures), sum(t.throttled for t in throttling) / max(1, periods)


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    why_not = _missing()
    if why_not:
        return [c.row("scale-out behind nginx: not measured", 0, "", note=why_not)]
    pg_url = os.environ["ANNOTATOR_TEST_PG_URL"]
    quick = scale < 1
    counts = [10, 20] if quick else BASE_COUNTS
    seconds = 8.0 if quick else 30.0
    held: dict[int, list[int]] = {1: [], 2: []}
    throttled: dict[int, list[float]] = {1: [], 2: []}
    rows: list[dict[str, Any]] = []
    with c.bench_dir("scaleout") as workdir:
        for round_number in range(1, (1 if quick else ROUNDS) + 1):
            for processes in (1, 2):
                largest, share = _sweep(processes, counts, seconds, pg_url, workdir)
                c.log(f"round {round_number}: {processes} process(es) held {largest} ({share:.0%} throttled)")
                held[processes].append(largest)
                throttled[processes].append(share)
            one, two = held[1][-1], held[2][-1]
            rows.append(
                c.row(
                    f"round {round_number}: largest N held, 2 processes vs 1",
                    two,
                    "annotators",
                    floor=one,
                    ratio=two / one if one else None,
                    note=f"budget binding in {throttled[2][-1]:.0%} vs {throttled[1][-1]:.0%} of periods",
                )
            )
    one, two = statistics.median(held[1]), statistics.median(held[2])
    rows.insert(
        0,
        w.scale_out_row(
            f"postgresql behind nginx, {CORES_PER_PROCESS:g} CPU per process: "
            "largest N held, 2 processes vs 1 (median)",
            two=two,
            one=one,
            note=f"{len(held[1])} round(s); N = K × "
            + ", ".join(map(str, counts))
            + f"; {seconds:.0f} s windows; load {os.getloadavg()[0]:.1f}",
        ),
    )
    return rows


if __name__ == "__main__":
    c.main(run)
