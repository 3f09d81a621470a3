"""Run every tests/bench/bench_*.py ``run()``, print one table, write results/latest.md.

Called by ``tests/bench/run`` (which picks the interpreter); usable directly too:

    python tests/bench/_runner.py [--quick] [--scale X] [--only export,save] [--out FILE]

Each bench runs in its own fresh interpreter (``sys.executable``), one after the other, so
that one bench's memory and caches do not leak into the next one's timings. Exit status 1
when any target was missed or a bench failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common as c  # noqa: E402

_CHILD = """
import json, sys
sys.path.insert(0, {here!r})
import _common
_common.exit_on_sigterm()
import inspect
import {module} as bench
params = inspect.signature(bench.run).parameters
if "scale" in params:
    rows = bench.run(scale={scale!r})
else:  # a bench without a scale knob runs at its own size
    rows = bench.run()
    if {scale!r} != 1.0:
        rows = [dict(r, note=(str(r.get("note") or "") + " (ran at full size: no scale parameter)").strip())
                for r in rows]
def plain(o):
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if hasattr(o, "__dataclass_fields__"):
        import dataclasses
        return dataclasses.asdict(o)
    return str(o)
with open({out!r}, "w") as f:
    rows = [plain(r) if hasattr(r, "__dataclass_fields__") else dict(r) for r in rows]
    json.dump(rows, f, default=plain)
"""


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """A row in the common shape, also from benches that name things differently
    (e.g. ``median_s``/``floor_s`` and a numeric ``target`` in seconds)."""
    seconds_style = "value" not in raw and "median_s" in raw
    value = raw.get("value", raw.get("median_s"))
    floor = raw.get("floor", raw.get("floor_s"))
    target = raw.get("target")
    if isinstance(target, int | float) and not isinstance(target, bool):
        target = f"≤ {target:g} s" if seconds_style else f"≤ {target:g}"
    ratio = raw.get("ratio")
    return {
        "name": str(raw.get("name", "?")),
        "value": float("nan") if value is None else float(value),
        "unit": str(raw.get("unit", "s" if seconds_style else "")),
        "floor": None if floor is None else float(floor),
        "ratio": None if ratio is None else float(ratio),
        "target": "" if target is None else str(target),
        "ok": raw.get("ok") if isinstance(raw.get("ok"), bool) else None,
        "note": str(raw.get("note") or ""),
    }


def bench_modules(only: list[str] | None) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if only:
        names = [n for n in names if n.removeprefix("bench_") in only or n in only]
    return names


def run_module(module: str, scale: float) -> tuple[list[dict[str, Any]], float]:
    """The rows of ``module.run(scale)``, from a child process; an error becomes a failed row."""
    fd, out = tempfile.mkstemp(prefix=f"{module}-", suffix=".json")
    os.close(fd)
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(here=str(HERE), module=module, scale=scale, out=out)],
        env=c.python_env(),
        stdout=sys.stderr,  # progress and any stray prints; the table goes to stdout
    )
    try:
        code = child.wait()
    except BaseException:
        child.terminate()  # the child deletes its temp databases on SIGTERM
        child.wait(timeout=30)
        Path(out).unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - started
    try:
        if code != 0:
            return [c.row("(bench failed)", float("nan"), "", ok=False, note=f"exit status {code}")], seconds
        rows = [normalise(r) for r in json.loads(Path(out).read_text())]
        return rows, seconds
    finally:
        Path(out).unlink(missing_ok=True)


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    uname = os.uname()
    return {
        "uname": f"{uname.sysname} {uname.release} {uname.machine}",
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
    }


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="scale 0.1: a smoke run")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", help="comma-separated bench names, e.g. export,save")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.md")
    args = parser.parse_args()
    scale = 0.1 if args.quick else args.scale
    only = [s.strip() for s in args.only.split(",")] if args.only else None

    c.exit_on_sigterm()
    info = machine()
    started = datetime.now(UTC)
    load_before = load_average()
    all_rows: list[dict[str, Any]] = []
    durations: list[str] = []
    for module in bench_modules(only):
        c.log(f"run: {module} (scale {scale:g})")
        rows, seconds = run_module(module, scale)
        for r in rows:
            r["bench"] = module.removeprefix("bench_")
        all_rows.extend(rows)
        durations.append(f"{module.removeprefix('bench_')} {seconds:.0f} s")

    missed = [r for r in all_rows if r["ok"] is False]
    table = c.table(all_rows, with_bench=True)
    status = (
        "all targets met"
        if not missed
        else f"{len(missed)} target(s) MISSED: " + "; ".join(f"{r['bench']}: {r['name']}" for r in missed)
    )
    print(table)
    print()
    print(status)

    report = "\n".join(
        [
            "# Benchmarks (tests/bench)",
            "",
            f"- date: {started:%Y-%m-%d %H:%M} UTC",
            f"- machine: {info['uname']}; CPU {info['cpu']}; {info['cores']} cores; Python {info['python']}",
            f"- load average (1/5/15 min) before: {load_before}; after: {load_average()}",
            f"- scale: {scale:g}{' (--quick)' if args.quick else ''}; "
            f"wall time per bench: {', '.join(durations)}",
            "- medians of 3–5 runs unless the note says otherwise; floors are measured in the same run",
            "",
            table,
            "",
            f"**{status}**",
            "",
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    c.log(f"run: wrote {args.out}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
