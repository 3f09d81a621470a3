"""Shared helpers for the benchmark scripts in tests/bench (not pytest tests).

* ``time_runs`` / ``median``: wall-clock timing, median of N runs (the box is noisy).
* ``child_json``: run a snippet in a fresh interpreter and read the JSON it prints
  (used for peak-memory measurements: ``ru_maxrss`` is per process).
* ``build_label_db``: a SQLite file with the real schema (``create_tables``) filled by
  raw ``sqlite3`` inserts: documents made of realistic news sentences, sources,
  annotators, labels and their history rows — a million labels in seconds.
* ``row`` / ``print_table`` / ``exit_code``: the rows every bench returns from ``run()``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SAMPLE = REPO / "annotator" / "data" / "sample" / "france24-sessions-kislyak.txt"

MiB = 1024 * 1024


# --- timing ------------------------------------------------------------------


def time_runs(
    fn: Callable[[], Any],
    runs: int = 3,
    *,
    setup: Callable[[], Any] | None = None,
    teardown: Callable[[], Any] | None = None,
    cpu: list[float] | None = None,
) -> list[float]:
    """Wall seconds of ``fn()`` for each of ``runs`` runs; ``setup``/``teardown`` are not timed.

    CPU seconds of each run are appended to ``cpu`` when given.
    """
    times: list[float] = []
    for _ in range(runs):
        if setup is not None:
            setup()
        gc.collect()
        cpu_start = time.process_time()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - cpu_start)
        if teardown is not None:
            teardown()
    return times


def budgeted_runs(
    fn: Callable[[], float | None],
    *,
    max_runs: int,
    budget_s: float,
    min_runs: int = 1,
) -> tuple[list[float], bool]:
    """Call ``fn`` (which returns its own measured seconds, or None when it was stopped)
    up to ``max_runs`` times while another run still fits in ``budget_s`` of wall time.

    Returns (seconds of the finished runs, whether a run was stopped).
    """
    times: list[float] = []
    started = time.perf_counter()
    for _ in range(max_runs):
        seconds = fn()
        if seconds is None:
            return times, True
        times.append(seconds)
        spent = time.perf_counter() - started
        if len(times) >= min_runs and spent + spent / len(times) > budget_s:
            break
    return times, False


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, ``q`` in [0, 100]."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def log(message: str) -> None:
    """Progress on stderr, so that stdout keeps only the table."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- processes and memory ----------------------------------------------------


def python_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def child_json(code: str, *, timeout: float = 600) -> dict[str, Any]:
    """Run ``code`` in a fresh ``sys.executable``; it must print one JSON object as its last line.

    Raises ``subprocess.TimeoutExpired`` (after killing the child) when it runs too long.
    """
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=python_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


MAXRSS_SNIPPET = """
import resource
def _status_mib(field):
    # /proc/self/status VmHWM is the peak RSS of this process image. ru_maxrss is not
    # usable in a child: Linux carries the parent's peak over fork/vfork + exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
def rss_mib():
    return _status_mib("VmRSS")
def maxrss_mib():
    return _status_mib("VmHWM")
"""


# --- temp dirs ---------------------------------------------------------------


@contextlib.contextmanager
def bench_dir(prefix: str) -> Iterator[Path]:
    """A temporary directory for bench databases, deleted afterwards (also on error)."""
    path = Path(tempfile.mkdtemp(prefix=f"annotator-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


# --- realistic text ------------------------------------------------------------


def sample_body_paragraphs() -> list[str]:
    """The news paragraphs of the seed article (between the update line and 'Date created')."""
    text = SAMPLE.read_text(encoding="utf-8")
    start = text.index("Latest update")
    start = text.index("\n", start)
    end = text.index("Date created")
    return [p.strip() for p in re.split(r"\n\s*\n", text[start:end]) if p.strip()]


def sample_sentences() -> list[str]:
    """Roughly split sentences of the seed body (only used as realistic filler text)."""
    out: list[str] = []
    for paragraph in sample_body_paragraphs():
        out.extend(s for s in re.split(r"(?<=[.!?”])\s+(?=[A-Z“])", paragraph) if s)
    return out


_NAMES = [
    ("Jeff Sessions", "Sessions"),
    ("Maria Lopez", "Lopez"),
    ("Ahmed Karimi", "Karimi"),
    ("Chen Wei", "Chen"),
    ("Olga Petrova", "Petrova"),
    ("Samuel Okafor", "Okafor"),
    ("Ingrid Larsen", "Larsen"),
    ("Ravi Menon", "Menon"),
]


def varied(text: str, rng: random.Random) -> str:
    """The same prose with another protagonist, so that documents differ."""
    full, last = rng.choice(_NAMES)
    return text.replace("Jeff Sessions", full).replace("Sessions", last)


# --- building a labelled database fast ---------------------------------------


@dataclass(frozen=True)
class LabelDb:
    path: Path
    documents: int
    sentences: int
    annotators: int
    labels: int
    history: int
    user_ids: tuple[int, ...]
    seconds: float


SENTENCES_PER_DOCUMENT = 50
SENTENCES_PER_PARAGRAPH = 3
SOURCE_KEYS = ("protagonist", "kislyak", "washington-post", "justice-dept", "trump")
_STAMP = "2026-11-{day:02d} {hour:02d}:{minute:02d}:{second:02d}.{micro:06d}"


def _stamp(n: int) -> str:
    return _STAMP.format(
        day=1 + (n // 86_400) % 28,
        hour=(n // 3600) % 24,
        minute=(n // 60) % 60,
        second=n % 60,
        micro=(n * 7919) % 1_000_000,
    )


def create_schema(path: Path) -> None:
    """The real schema: ``make_engine`` (WAL) + ``create_tables``."""
    from annotator.store.engine import create_tables, make_engine

    engine = make_engine(f"sqlite:///{path}")
    create_tables(engine)
    engine.dispose()


def build_label_db(
    path: Path,
    *,
    sentences: int,
    annotators: int,
    edited_fraction: float = 0.2,
    extra_annotators: int = 0,
    seed: int = 7,
) -> LabelDb:
    """Create ``path`` with the real schema and ``sentences × annotators`` labels.

    Documents of 50 sentences (paragraphs of 3) taken from the seed article with varied
    names; 5 sources per document; every label has a history row (version 1) and
    ``edited_fraction`` of them a second one (version 2). ``extra_annotators`` are users
    without labels (for benches that add new labels).
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    pool = sample_sentences()
    create_schema(path)
    from annotator.domain import passwords

    password_hash = passwords.hash_password("bench-password")

    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-200000")
    con.execute("BEGIN")

    user_count = annotators + extra_annotators
    con.executemany(
        'INSERT INTO "user" (id, name, role, active, password_hash, created_at, failed_logins) '
        "VALUES (?, ?, 'annotator', 1, ?, ?, 0)",
        [(u, f"annotator-{u:02d}", password_hash, _stamp(u)) for u in range(1, user_count + 1)],
    )
    user_ids = tuple(range(1, annotators + 1))

    documents = -(-sentences // SENTENCES_PER_DOCUMENT)
    doc_rows: list[tuple[Any, ...]] = []
    sentence_rows: list[tuple[Any, ...]] = []
    source_rows: list[tuple[Any, ...]] = []
    sentence_doc: list[int] = []
    sid = 0
    for d in range(documents):
        doc_id = f"article-{d:06d}"
        count = min(SENTENCES_PER_DOCUMENT, sentences - sid)
        parts: list[str] = []
        offset = 0
        for i in range(count):
            if i:
                sep = "\n\n" if i % SENTENCES_PER_PARAGRAPH == 0 else " "
                parts.append(sep)
                offset += len(sep)
            text = varied(rng.choice(pool), rng)
            sid += 1
            sentence_rows.append(
                (sid, doc_id, i, offset, offset + len(text), text, i // SENTENCES_PER_PARAGRAPH)
            )
            sentence_doc.append(d)
            parts.append(text)
            offset += len(text)
        doc_rows.append((doc_id, f"Article {d}", "".join(parts), None, "2017-07-22", _stamp(d)))
        for k, key in enumerate(SOURCE_KEYS):
            source_rows.append(
                (key, key.replace("-", " ").title(), "[]", d * len(SOURCE_KEYS) + k + 1, doc_id)
            )
    con.executemany(
        "INSERT INTO document (id, title, text, url, published, created_at) VALUES (?,?,?,?,?,?)", doc_rows
    )
    con.executemany(
        'INSERT INTO sentence (id, document_id, "index", char_start, char_end, text, paragraph) '
        "VALUES (?,?,?,?,?,?,?)",
        sentence_rows,
    )
    con.executemany(
        "INSERT INTO source (key, label, aliases, id, document_id, origin, proposed_by_id) "
        "VALUES (?, ?, ?, ?, ?, 'article', NULL)",
        source_rows,
    )
    del doc_rows, source_rows

    label_rows: list[tuple[Any, ...]] = []
    history_rows: list[tuple[Any, ...]] = []
    choices = (*SOURCE_KEYS, "author", "other")
    lid = 0
    for sid in range(1, sentences + 1):
        for uid in user_ids:
            lid += 1
            values = _label_values(rng, choices)
            created = _stamp(lid)
            if rng.random() < edited_fraction:
                old = _label_values(rng, choices)
                updated = _stamp(lid + 3600)
                history_rows.append((*old, lid, sid, uid, 1, "save", created))
                history_rows.append((*values, lid, sid, uid, 2, "save", updated))
                version = 2
            else:
                updated = created
                history_rows.append((*values, lid, sid, uid, 1, "save", created))
                version = 1
            label_rows.append((*values, lid, sid, uid, version, created, updated))
    con.executemany(
        "INSERT INTO label (is_claim, source, source_other, confidence, note, flagged, "
        "id, sentence_id, user_id, version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        label_rows,
    )
    con.executemany(
        "INSERT INTO label_history (is_claim, source, source_other, confidence, note, flagged, "
        "label_id, sentence_id, user_id, version, action, changed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        history_rows,
    )
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("ANALYZE")
    con.close()
    return LabelDb(
        path=path,
        documents=documents,
        sentences=sentences,
        annotators=annotators,
        labels=len(label_rows),
        history=len(history_rows),
        user_ids=user_ids,
        seconds=time.perf_counter() - started,
    )


def _label_values(rng: random.Random, choices: tuple[str, ...]) -> tuple[Any, ...]:
    """(is_claim, source, source_other, confidence, note, flagged), valid under the label schema."""
    r = rng.random()
    note = "quote continues from the previous sentence" if r < 0.05 else ""
    flagged = 1 if r < 0.02 else 0
    if rng.random() < 0.6:
        source = rng.choice(choices)
        other = "a Kremlin spokesman" if source == "other" else None
        return (1, source, other, rng.randint(1, 5), note, flagged)
    return (0, None, None, rng.choice((None, 4, 5)), note, flagged)


# --- rows and tables -----------------------------------------------------------


def row(
    name: str,
    value: float,
    unit: str,
    *,
    floor: float | None = None,
    ratio: float | None = None,
    target: str = "",
    ok: bool | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One result row: ``ok`` is None for rows that only inform (no target)."""
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "floor": floor,
        "ratio": ratio,
        "target": target,
        "ok": ok,
        "note": note,
    }


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 0.1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}".rstrip()


def _ok(value: bool | None) -> str:
    return "" if value is None else ("ok" if value else "MISSED")


def table(rows: list[dict[str, Any]], *, with_bench: bool = False) -> str:
    head = ["bench"] if with_bench else []
    lines = [
        "| "
        + " | ".join([*head, "name", "median", "floor (same run)", "ratio", "target", "ok", "note"])
        + " |",
        "|" + "---|" * (len(head) + 7),
    ]
    for r in rows:
        cells = [r.get("bench", "")] if with_bench else []
        cells += [
            r["name"],
            _num(r["value"], r["unit"]),
            _num(r["floor"], r["unit"]),
            "" if r["ratio"] is None else f"{r['ratio']:.2f}",
            r["target"],
            _ok(r["ok"]),
            r["note"],
        ]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def print_table(rows: list[dict[str, Any]]) -> None:
    print(table(rows))


def exit_code(rows: list[dict[str, Any]]) -> int:
    return 1 if any(r["ok"] is False for r in rows) else 0


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that ``bench_dir`` still deletes its databases."""
    import signal

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def main(run: Callable[..., list[dict[str, Any]]]) -> None:
    """``python tests/bench/bench_x.py [--quick|--scale X]``: print the table, exit 1 on a miss."""
    import argparse

    exit_on_sigterm()

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="scale 0.1: a smoke run")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    rows = run(scale=0.1 if args.quick else args.scale)
    print_table(rows)
    sys.exit(exit_code(rows))
