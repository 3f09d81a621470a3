"""Ingest 5 MB of articles: segmentation plus storage vs syntok's own segmentation speed.

    python tests/bench/bench_ingest.py [--quick]

Input: ~5 MB of article records in a .jsonl file ({"id", "title", "text", "sources": []}),
made of the seed article's news paragraphs, shuffled and with varied names, one
paragraph per line (blank line between paragraphs).
Floor, same run, interleaved: ``syntok.segmenter.analyze`` on each of the same paragraphs,
sentence offsets only (first token offset, last token offset + length).
Ours: ``annotator.exchange.articles.read_articles([path])`` + ``annotator.store.documents.add_articles``
into a new SQLite file (tables created before timing).
Target: ours_speed / floor_speed ≥ 0.8, i.e. floor_time / ours_time on the same text
(sentences/s of each side are reported with their own sentence counts).
Informational rows split ours into reading+segmentation and storage, and give a raw
``sqlite3`` floor for the storage part.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

RUNS = 3
TARGET_BYTES = 5_000_000
SPEED_RATIO_TARGET = 0.8


def make_articles(path: Path, target_bytes: int, seed: int = 11) -> tuple[int, list[str], int]:
    """Write the .jsonl; return (articles, paragraphs in order, bytes of text)."""
    import orjson

    rng = random.Random(seed)
    body = c.sample_body_paragraphs()
    paragraphs: list[str] = []
    total = 0
    n = 0
    with open(path, "wb") as out:
        while total < target_bytes:
            chosen = rng.sample(body, k=rng.randint(6, len(body)))
            paras = [c.varied(p, rng) for p in chosen]
            text = "\n\n".join(paras)
            record = {"id": f"article-{n:05d}", "title": f"Article {n}", "text": text, "sources": []}
            out.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
            paragraphs.extend(paras)
            total += len(text.encode("utf-8"))
            n += 1
    return n, paragraphs, total


def segment_floor(paragraphs: list[str]) -> int:
    """syntok's own segmentation, per paragraph, offsets only; returns the sentence count."""
    from syntok.segmenter import analyze

    count = 0
    spans: list[tuple[int, int]] = []
    append = spans.append
    for paragraph in paragraphs:
        for para in analyze(paragraph):
            for sentence in para:
                last = sentence[-1]
                append((sentence[0].offset, last.offset + len(last.value)))
        count += len(spans)
        spans.clear()
    return count


def ingest_ours(jsonl: Path, db: Path) -> dict[str, float]:
    from sqlmodel import Session

    from annotator.exchange.articles import read_articles
    from annotator.store.documents import add_articles
    from annotator.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    try:
        cpu = time.process_time()
        start = time.perf_counter()
        drafts = read_articles([jsonl])
        read = time.perf_counter()
        with Session(engine) as session:
            stored = add_articles(session=session, drafts=drafts)
        end = time.perf_counter()
        cpu = time.process_time() - cpu
    finally:
        engine.dispose()
    assert len(stored) == len(drafts)
    return {
        "read": read - start,
        "store": end - read,
        "total": end - start,
        "cpu": cpu,
        "sentences": sum(len(d.sentences) for d in drafts),
        "articles": len(drafts),
    }


def store_floor(jsonl: Path, db: Path) -> float:
    """Raw sqlite3 storage of the same documents and sentences (drafts prepared before timing)."""
    from annotator.exchange.articles import read_articles

    drafts = read_articles([jsonl])
    start = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO document (id, title, text, url, published, created_at) VALUES (?,?,?,?,?,?)",
        [(d.id, d.title, d.text, d.url, d.published, "2026-11-27 10:00:00.000000") for d in drafts],
    )
    con.executemany(
        'INSERT INTO sentence (document_id, "index", char_start, char_end, text, paragraph) '
        "VALUES (?,?,?,?,?,?)",
        [
            (d.id, i, s.start, s.end, d.text[s.start : s.end], s.paragraph)
            for d in drafts
            for i, s in enumerate(d.sentences)
        ],
    )
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - start


def _wait_for_articles_module(timeout_s: float = 0) -> bool:
    """True when annotator.exchange.articles (read_articles) and the segmenter can be imported."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            from annotator.domain.segmentation import split_sentences  # noqa: F401
            from annotator.exchange.articles import read_articles  # noqa: F401

            return True
        except ImportError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(10)


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    if not _wait_for_articles_module():
        return [
            c.row(
                "ingest 5 MB of articles",
                float("nan"),
                "s",
                note="SKIPPED: annotator.exchange.articles or domain.segmentation not importable",
            )
        ]
    rows: list[dict[str, Any]] = []
    with c.bench_dir("ingest") as tmp:
        jsonl = tmp / "articles.jsonl"
        articles, paragraphs, text_bytes = make_articles(jsonl, int(TARGET_BYTES * scale))
        mb = text_bytes / 1e6
        c.log(f"ingest: {articles:,} articles, {len(paragraphs):,} paragraphs, {mb:.1f} MB of text")

        floor_t: list[float] = []
        floor_cpu: list[float] = []
        ours_runs: list[dict[str, float]] = []
        floor_sentences = 0
        for i in range(RUNS):
            cpu = time.process_time()
            start = time.perf_counter()
            floor_sentences = segment_floor(paragraphs)
            floor_t.append(time.perf_counter() - start)
            floor_cpu.append(time.process_time() - cpu)
            db = tmp / f"ours-{i}.db"
            c.create_schema(db)
            ours_runs.append(ingest_ours(jsonl, db))
            c.remove_db(db)
            c.log(
                f"ingest: run {i + 1}: floor {floor_t[-1]:.2f} s, ours {ours_runs[-1]['total']:.2f} s "
                f"(read+segment {ours_runs[-1]['read']:.2f} s, store {ours_runs[-1]['store']:.2f} s)"
            )

        floor = c.median(floor_t)
        ours = c.median([r["total"] for r in ours_runs])
        read = c.median([r["read"] for r in ours_runs])
        store = c.median([r["store"] for r in ours_runs])
        sentences = int(ours_runs[0]["sentences"])
        ours_speed, floor_speed = sentences / ours, floor_sentences / floor
        speed_ratio = floor / ours  # same text on both sides
        rows.append(
            c.row(
                f"ingest {mb:.1f} MB of articles (read + segment + store)",
                ours,
                "s",
                floor=floor,
                ratio=speed_ratio,
                target=f"speed ratio ≥ {SPEED_RATIO_TARGET}",
                ok=speed_ratio >= SPEED_RATIO_TARGET,
                note=f"ratio = floor time / ours (same text); ours {ours_speed:,.0f} sentences/s "
                f"({sentences:,} sentences, {articles:,} articles), syntok alone {floor_speed:,.0f} "
                f"sentences/s ({floor_sentences:,}); CPU-time ratio "
                f"{c.median(floor_cpu) / c.median([r['cpu'] for r in ours_runs]):.2f}; wall runs ours "
                + "/".join(f"{r['total']:.2f}" for r in ours_runs)
                + ", floor "
                + "/".join(f"{t:.2f}" for t in floor_t),
            )
        )
        rows.append(
            c.row(
                "  ours: read_articles (parse + segment)",
                read,
                "s",
                floor=floor,
                ratio=floor / read,
                note=f"informational; {sentences / read:,.0f} sentences/s; ratio = syntok time / this",
            )
        )
        db = tmp / "raw-store.db"
        c.create_schema(db)
        raw_store = store_floor(jsonl, db)
        c.remove_db(db)
        rows.append(
            c.row(
                "  ours: add_articles (store documents + sentences)",
                store,
                "s",
                floor=raw_store,
                ratio=store / raw_store,
                note=f"informational; floor = raw sqlite3 executemany of the same rows (one run); "
                f"{sentences / store:,.0f} sentences/s stored",
            )
        )
    return rows


if __name__ == "__main__":
    c.main(run)
