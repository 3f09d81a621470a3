"""Benchmark of the agreement maths (not a pytest test): ``python tests/bench/bench_agreement.py``.

Times, on 1M units × 5 annotators with 20 % of the ratings missing, every figure of one field
(``field_agreement`` without bootstrap) for nominal and for ordinal data, against the numpy
floor measured in the same run: one ``np.bincount`` of all ratings into per-unit category
counts, the least work an exact method does (touch each rating once). Also: a field with
30 categories (the sorted-key profile encoding), the ``krippendorff`` package once for
reference (and as a cross-check of our nominal alpha on the same data), and the bootstrap,
1,000 resamples on 10k units × 3 annotators.

Targets: 0.5 s for all figures of a field and 5 s for a bootstrap, set for a slow 2-core
machine whose floor is 0.11 s; on a machine slower than that (larger floor) they scale
with the floor. Prints a markdown table; exits 1 if a target is missed or the
cross-check fails. ``run()`` returns the rows for the ``tests/bench/run`` aggregator:
``name, median_s, floor_s, ratio, target, ok``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import numpy.typing as npt

from annotator.domain.agreement import (
    Level,
    Metric,
    bootstrap_intervals,
    field_agreement,
    krippendorff_alpha,
)

Ratings = npt.NDArray[np.int64]
Row = dict[str, object]

REFERENCE_FLOOR_S = 0.11
FIELD_TARGET_S = 0.5
BOOTSTRAP_TARGET_S = 5.0


def make_ratings(
    units: int, annotators: int, categories: int, *, missing: float = 0.2, seed: int = 0
) -> Ratings:
    """Annotators who agree with a hidden truth 70 % of the time; ``missing`` left out."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, categories, size=(units, 1))
    noise = rng.integers(0, categories, size=(units, annotators))
    ratings = np.where(rng.random((units, annotators)) < 0.7, truth, noise)
    ratings[rng.random((units, annotators)) < missing] = -1
    return ratings.astype(np.int64)


def floor(ratings: Ratings, categories: int) -> None:
    """Per-unit category counts in one bincount: the floor every exact method pays."""
    valid = ratings >= 0
    index = (np.arange(ratings.shape[0])[:, None] * categories + ratings)[valid]
    np.bincount(index, minlength=ratings.shape[0] * categories)


def median_time(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(name: str, seconds: float, floor_s: float, target: float | None) -> Row:
    """One result; the target scales up when this machine's floor is above the reference."""
    scaled = None if target is None else target * max(1.0, floor_s / REFERENCE_FLOOR_S)
    return {
        "name": name,
        "median_s": round(seconds, 4),
        "floor_s": round(floor_s, 4),
        "ratio": round(seconds / floor_s, 2),
        "target": None if scaled is None else round(scaled, 3),
        "ok": scaled is None or seconds <= scaled,
    }


def _figures(ratings: Ratings, level: Level, names: Sequence[str], q: int) -> None:
    field_agreement(ratings, level=level, annotators=names, categories=[str(k) for k in range(q)])


def _resample(ratings: Ratings, q: int, metrics: Sequence[Metric]) -> None:
    bootstrap_intervals(ratings, q, metrics=metrics, resamples=1000, seed=0)


def reference_row(ratings: Ratings, q: int, floor_s: float) -> Row:
    """The krippendorff package, timed once, and a cross-check of our nominal alpha."""
    import krippendorff

    data = np.where(ratings < 0, np.nan, ratings.astype(float)).T
    start = time.perf_counter()
    theirs = krippendorff.alpha(
        reliability_data=data, level_of_measurement="nominal", value_domain=list(range(q))
    )
    seconds = time.perf_counter() - start
    ours = krippendorff_alpha(ratings, q).require()
    result = row("krippendorff package, nominal alpha only (once)", seconds, floor_s, None)
    result["ok"] = abs(ours - float(theirs)) < 1e-9
    return result


def run(*, units: int = 1_000_000, annotators: int = 5, repeats: int = 5) -> list[Row]:
    """Time everything; one row per measurement."""
    names = [f"annotator{j}" for j in range(annotators)]
    nominal = make_ratings(units, annotators, 6, seed=1)
    floor_s = median_time(partial(floor, nominal, 6), repeats)
    floor_name = f"floor: bincount per-unit counts, {units:,} × {annotators}"
    rows = [row(floor_name, floor_s, floor_s, None)]

    fields: list[tuple[str, Ratings, Level, int]] = [
        ("nominal, 6 categories", nominal, "nominal", 6),
        ("ordinal, 5 categories", make_ratings(units, annotators, 5, seed=2), "ordinal", 5),
        ("nominal, 30 categories", make_ratings(units, annotators, 30, seed=3), "nominal", 30),
    ]
    for label, data, level, q in fields:
        seconds = median_time(partial(_figures, data, level, names, q), repeats)
        rows.append(row(f"field_agreement {label}", seconds, floor_s, FIELD_TARGET_S))

    rows.append(reference_row(nominal, 6, floor_s))

    resamples: list[tuple[str, Ratings, int, tuple[Metric, ...]]] = [
        ("nominal alpha + Fleiss", make_ratings(10_000, 3, 6, seed=4), 6, ("nominal",)),
        ("ordinal + interval alpha + Fleiss", make_ratings(10_000, 3, 5, seed=5), 5,
         ("ordinal", "interval")),
    ]  # fmt: skip
    for label, data, q, metrics in resamples:
        seconds = median_time(partial(_resample, data, q, metrics), max(1, repeats // 2))
        name = f"bootstrap 1,000 × 10k × 3, {label}"
        rows.append(row(name, seconds, floor_s, BOOTSTRAP_TARGET_S))
    return rows


def markdown(rows: list[Row]) -> str:
    lines = [
        "| measurement | median s | floor s | × floor | target s | ok |",
        "| --- | ---: | ---: | ---: | ---: | :-: |",
    ]
    for r in rows:
        target = "-" if r["target"] is None else str(r["target"])
        ok = "yes" if r["ok"] else "NO"
        lines.append(f"| {r['name']} | {r['median_s']} | {r['floor_s']} | {r['ratio']} | {target} | {ok} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark of the agreement maths.")
    parser.add_argument("--units", type=int, default=1_000_000, help="units of the big runs")
    parser.add_argument("--repeats", type=int, default=5, help="runs per median")
    args = parser.parse_args(argv)
    rows = run(units=args.units, repeats=args.repeats)
    print(markdown(rows))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
