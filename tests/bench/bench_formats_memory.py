"""Peak memory of every exchange format's import and export, at N and 4N articles.

    python tests/bench/bench_formats_memory.py [--quick]

Input: the brat corpus of ``bench_brat`` (articles of 40 sentences, one annotator, about one
sentence in three a claim with Source, Cue and Content spans), N = 500 articles (20,000
sentences, about 6,700 claims) and 4N = 2,000. N is large enough that the exports' query reads
full batches (``store.exports.BATCH_ROWS`` rows) at both sizes: below that, an export's one
batch grows with the store and looks like growth that stops at the batch.
The imports' common peak (~70 MiB) is mostly argon2's working memory (64 MiB), hashing the
throwaway password of the annotator the import creates.
Each operation runs in a fresh interpreter; its figure is the peak RSS (VmHWM) above the RSS
after the imports (the baseline), in MiB:
- brat import of the corpus into a new SQLite file (that store is then exported);
- export of that store as brat files, Label Studio tasks and Prodigy lines;
- import of the Label Studio and Prodigy exports into a new SQLite file.
Target (issue 12: "every import and export streams, in every format: peak memory flat in the
number of labels"): peak at 4N ≤ 2 × peak at N (and ≥ 4× would mean memory grows with the
input). No floor: the issue states no absolute figure for these formats.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

ARTICLES = 500
GROWTH_TARGET = 2.0

_CHILD = (
    c.MAXRSS_SNIPPET
    + """
import json, sys
from pathlib import Path
sys.path.insert(0, {bench_dir!r})
import bench_formats_memory
import annotator.exchange.formats.brat, annotator.exchange.formats.labelstudio  # noqa: F401
import annotator.exchange.formats.prodigy, annotator.store.engine  # noqa: F401  (baseline includes imports)
base = rss_mib()
bench_formats_memory.{function}(*{args!r})
print(json.dumps({{"baseline": base, "peak": maxrss_mib()}}))
"""
)


def import_format(db: str, path: str, format: str) -> None:
    from annotator.exchange.formats import import_format as run_import
    from annotator.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    try:
        report = run_import(engine, Path(path), format=format)  # type: ignore[arg-type]
        assert report.inserted == report.lines, report
    finally:
        engine.dispose()


def export_format(db: str, path: str, format: str) -> None:
    from annotator.exchange.formats import export_stream
    from annotator.exchange.formats.brat import export_brat
    from annotator.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    try:
        if format == "brat":
            assert export_brat(engine, Path(path)) > 0
        else:
            with open(path, "wb") as out:
                assert export_stream(engine, out, format=format) > 0  # type: ignore[arg-type]
    finally:
        engine.dispose()


def peak(function: str, *args: str) -> float:
    """MiB of peak RSS above the baseline of ``function(*args)`` in a fresh interpreter."""
    code = _CHILD.format(bench_dir=str(Path(__file__).resolve().parent), function=function, args=args)
    result = c.child_json(code, timeout=1800)
    return float(result["peak"] - result["baseline"])


def measure(tmp: Path, articles: int) -> dict[str, float]:
    from bench_brat import make_corpus

    work = tmp / str(articles)
    make_corpus(work / "brat", articles)
    store = work / "store.db"
    c.create_schema(store)
    peaks = {"brat import": peak("import_format", str(store), str(work / "brat"), "brat")}
    c.log(f"formats memory: {articles:,} articles stored")
    peaks["brat export"] = peak("export_format", str(store), str(work / "out-brat"), "brat")
    for format, suffix in (("labelstudio", ".json"), ("prodigy", ".jsonl")):
        exported = work / f"export{suffix}"
        peaks[f"{format} export"] = peak("export_format", str(store), str(exported), format)
        fresh = work / f"{format}.db"
        c.create_schema(fresh)
        peaks[f"{format} import"] = peak("import_format", str(fresh), str(exported), format)
        c.remove_db(fresh)
    c.remove_db(store)
    c.log(f"formats memory: {articles:,} articles: " + ", ".join(f"{k} {v:.1f}" for k, v in peaks.items()))
    return peaks


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    small = max(10, int(ARTICLES * scale))
    rows: list[dict[str, Any]] = []
    with c.bench_dir("formats-memory") as tmp:
        at_n, at_4n = measure(tmp, small), measure(tmp, 4 * small)
    for name in at_n:
        # Below a few MiB the peak is noise (allocator, page cache of the file being read).
        growth = at_4n[name] / max(at_n[name], 1.0)
        rows.append(
            c.row(
                f"{name} peak memory, {4 * small:,} articles ({4 * small * 40:,} sentences)",
                at_4n[name],
                "MiB",
                floor=at_n[name],
                ratio=growth,
                target=f"≤ {GROWTH_TARGET:g} × the peak at {small:,} articles",
                ok=growth <= GROWTH_TARGET,
                note=f"floor column: the peak at {small:,} articles; peak RSS − RSS after imports, one run",
            )
        )
    return rows


if __name__ == "__main__":
    c.main(run)
