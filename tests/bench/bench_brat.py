"""brat import of 1,000 articles (40,000 sentences) vs reading the same files with a plain parser.

    python tests/bench/bench_brat.py [--quick]

Input: 1,000 articles of 40 sentences (the seed article's news sentences, varied names), one
annotator, brat files in the export's layout (``ANNOTATOR/ARTICLE.txt|.ann``); about one
sentence in three is a claim with Source, Cue and Content spans, an Attribution event and our
note.
Floor, same run, interleaved: a plain Python parser reads every ``.txt`` and ``.ann``, splits
each line at its tabs and spaces and turns the offsets into integers (what any brat reader
must do, and nothing more).
Ours: ``annotator.exchange.formats.brat.import_brat`` into a new SQLite file (tables created before
timing): pairs found, text segmented into sentences, spans turned into sentence labels and
checked, articles stored, labels through ``import-labels``.
Target: ours / floor ≤ 3 (issue 12). Informational rows: the floor plus syntok's own
segmentation of the same paragraphs (sentences must be split before labels land on them),
ours split into conversion alone (``read_brat``, no writes) and segmentation alone
(``article_from_trusted_text``), and a lower bound of what any correct import must do, in CPU
seconds (medians of the same interleaved runs; the floor's CPU median is their floor):
"raw writes" stores exactly the rows the import stores (the annotator, documents, sentences and
labels its own conversion gives, computed once before timing) with plain ``sqlite3``
``executemany`` into the real schema, no checks, and copies them into ``label_history`` by one
``INSERT … SELECT`` as the import does; then floor + raw writes, and that plus our segmentation.

Why the target is out of reach (profiled 2026-11-30): segmentation is ~half of the import's CPU
time and runs at syntok's own speed on these texts (ours 0.58 s vs syntok 0.55 s on the same
400 paragraphs); syntok alone costs ~40× the plain parser's CPU time. Per sentence it is about
half the speed of ``bench_ingest`` because the corpora differ, not the path: here a paragraph
holds ten sentences and always goes through syntok, there ~1.7, and one-sentence paragraphs skip
syntok altogether. What the import adds on top of parser + segmentation is the
"floor + syntok" row's ratio.

A faster base splitter was evaluated on 2026-11-30 (CPU time, this corpus, medians of 3): our
segmentation on nupunkt 0.55 s vs on syntok 6.6 s (floor 0.17 s), and the whole import 25.5×
the floor instead of 65×: everything but segmentation (the label writes, storing the articles,
reading the .ann files into spans) already costs ~21× the plain parser. Stock nupunkt is not
safe for news (its legal-text abbreviation list holds words such as "month" and "depot", after
which it missed 53 % of sentence ends in a probe); with that list trimmed it matched syntok on
every test and on this corpus, but through its private API. Neither change alone reaches 3×.

The target is below the work itself (measured 2026-11-30, CPU, medians of 3, 1,000 articles:
1,000 documents and 45,784 sentences, labels and history rows; syntok splits some generated
sentences at "[…]"): floor 0.25 s, raw writes 0.85 s (3.4×), so floor + raw writes is already
4.4× the plain parser before one sentence is split or one span checked. Segmentation comes on
top: ours 12.8 s (51×; floor + raw writes + our segmentation 56×, and the whole import 70×, only
1.3× that bound; the shared box ran slower than on the earlier measurements, ratios are within
one run). The cheapest segmentation that passed our tests, ours on trimmed nupunkt, cost 3.2×
the floor (above); blingfire (below, not safe for news) 4.1×: floor + raw writes + segmentation
is ≥ 7.5× on any splitter we have. The writes bound is mostly binding rows from Python (SQLite
copies the 45,784 history rows in 0.07 s, ``executemany`` of them costs 0.48 s), but even
blingfire's C call alone, with no offsets mapped and no rules, costs 1.3× the floor.

blingfire 0.1.8 (C++ finite-state sentence breaker, model in the wheel) in place of syntok, our
post-rules kept, evaluated the same day as a scratch patch: same gold split of the seed body and
of the dev set's 127 sentences, and far cheaper on this corpus: 10× the floor with its stock
wrapper (5.5× less CPU than ours; the wrapper maps byte to character offsets in a Python loop
over every byte), 4.1× with a thin ctypes wrapper (~13× less), but not safe for news: it misses
the sentence end before a dotted acronym after a lower-case word ("in the week. U.K. inflation
rose.", "a long day. U.N. inspectors arrived."), between a closed and an opened quotation ("bad
answers.” “Obviously …": 367 of 45,784 ends on this corpus, all fixed by one more post-rule) and
inside short quotations ("He said, “Go. Now.” Then he left." gives 2 sentences, not 3); it fails
two of the segmentation tests and passes two strict xfails (a spaced " … " and a space before
the final period).
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
ARTICLES = 1_000
SENTENCES = 40
TARGET_RATIO = 3.0


def make_corpus(root: Path, articles: int, seed: int = 12) -> int:
    """Write the brat files; return the number of sentences (by construction)."""
    import orjson

    rng = random.Random(seed)
    pool = [s for s in c.sample_sentences() if "\n" not in s and len(s) > 40]
    folder = root / "ana"
    folder.mkdir(parents=True)
    note = orjson.dumps({"source": "other", "source_other": "Someone", "confidence": 4}).decode()
    for n in range(articles):
        groups = [[c.varied(rng.choice(pool), rng) for _ in range(10)] for _ in range(SENTENCES // 10)]
        # Four paragraphs of ten sentences: the segmenter splits each into its sentences.
        text = "\n\n".join(" ".join(group) for group in groups)
        lines: list[str] = []
        pos = 0
        for sentence in (s for group in groups for s in group):
            s_start = text.index(sentence, pos)
            s_end = pos = s_start + len(sentence)
            if rng.random() >= 1 / 3:
                continue
            words = sentence.split(" ")
            source_end = s_start + len(words[0])
            cue_start = source_end + 1
            cue_end = cue_start + len(words[1])
            t = len(lines) // 6 * 4
            e = len(lines) // 6 + 1
            lines += [
                f"T{t + 1}\tSource {s_start} {source_end}\t{text[s_start:source_end]}",
                f"T{t + 2}\tCue {cue_start} {cue_end}\t{text[cue_start:cue_end]}",
                f"T{t + 3}\tContent {s_start} {s_end}\t{text[s_start:s_end]}",
                f"T{t + 4}\tAttribution {cue_start} {cue_end}\t{text[cue_start:cue_end]}",
                f"E{e}\tAttribution:T{t + 4} Content:T{t + 3} Cue:T{t + 2} Source:T{t + 1}",
                f"#{e}\tAnnotatorNotes E{e}\t{note}",
            ]
        (folder / f"article-{n:05d}.txt").write_text(text, encoding="utf-8")
        (folder / f"article-{n:05d}.ann").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return articles * SENTENCES


def plain_parse(root: Path) -> int:
    """The floor: read every file and split every annotation into its fields."""
    annotations = 0
    for ann in sorted(root.rglob("*.ann")):
        text = ann.with_suffix(".txt").read_text(encoding="utf-8")
        parsed: list[tuple[str, str, list[tuple[int, int]] | list[str], str]] = []
        for line in ann.read_text(encoding="utf-8").split("\n"):
            if not line:
                continue
            ident, _, rest = line.partition("\t")
            if ident[0] == "T":
                head, _, span_text = rest.partition("\t")
                kind, _, offsets = head.partition(" ")
                spans = [(int(a), int(b)) for a, b in (f.split(" ") for f in offsets.split(";"))]
                parsed.append((ident, kind, spans, span_text))
            else:
                parsed.append((ident, "", rest.split(" "), ""))
        annotations += len(parsed) + (len(text) > 0)
    return annotations


def import_ours(root: Path, db: Path) -> float:
    from annotator.exchange.formats.brat import import_brat
    from annotator.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    try:
        start = time.perf_counter()
        report = import_brat(engine, root)
        elapsed = time.perf_counter() - start
    finally:
        engine.dispose()
    assert report.inserted == report.lines, report
    return elapsed


def convert_only(root: Path, db: Path) -> tuple[float, int]:
    """read_brat alone: every article converted and checked, nothing written."""
    from annotator.exchange.formats.brat import read_brat
    from annotator.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    try:
        start = time.perf_counter()
        labels = sum(len(v) for item, _new in read_brat(engine, root) for v in item.labels.values())
        return time.perf_counter() - start, labels
    finally:
        engine.dispose()


Rows = dict[str, list[tuple[Any, ...]]]
_STAMP = "2026-11-30 12:00:00.000000"


def stored_rows(root: Path, db: Path) -> Rows:
    """Exactly the rows ``import_ours`` stores for this corpus (its own conversion, run once,
    untimed): the annotator (created inactive), the documents, every sentence and every label (each label's
    history row is a copy of it, see ``raw_writes``)."""
    import orjson

    from annotator.domain import passwords
    from annotator.exchange.formats.brat import read_brat
    from annotator.store.engine import make_engine

    c.create_schema(db)
    engine = make_engine(f"sqlite:///{db}")
    rows: Rows = {"user": [], "document": [], "sentence": [], "label": []}
    users: dict[str, int] = {}
    try:
        for item, _new in read_brat(engine, root):
            a = item.article
            rows["document"].append((a.id, a.title, a.text, a.url, a.published, _STAMP))
            first = len(rows["sentence"]) + 1
            rows["sentence"].extend(
                (first + i, a.id, i, s.start, s.end, a.text[s.start : s.end], s.paragraph)
                for i, s in enumerate(a.sentences)
            )
            for name, labels in sorted(item.labels.items()):
                uid = users.setdefault(name, len(users) + 1)
                for index, value in sorted(labels.items()):
                    *plain, via = value.as_row()
                    values = (*plain, None if via is None else orjson.dumps(via).decode())
                    lid = len(rows["label"]) + 1
                    rows["label"].append((lid, first + index, uid, 1, _STAMP, _STAMP, *values))
    finally:
        engine.dispose()
        c.remove_db(db)
    password_hash = passwords.hash_password("bench-password")
    rows["user"] = [(uid, name, password_hash, _STAMP) for name, uid in users.items()]
    return rows


def raw_writes(rows: Rows, db: Path) -> tuple[float, float]:
    """Lower bound of the writes: plain ``sqlite3`` ``executemany`` of ``stored_rows`` into
    the real schema (created before timing), one transaction, with our connection's pragmas.
    The history rows are copied from the new labels by one ``INSERT … SELECT``, as the import
    does: ``executemany`` of the same rows costs ~7× as much CPU (0.48 s vs 0.07 s here)."""
    from annotator.store.driver import HISTORY_OF_NEW_LABELS, LABEL_VALUE_COLUMNS, set_sqlite_pragmas
    from annotator.store.engine import SQLITE_BUSY_TIMEOUT_MS

    values = ", ".join(LABEL_VALUE_COLUMNS)
    marks = ", ".join("?" * len(LABEL_VALUE_COLUMNS))
    cpu, start = time.process_time(), time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    set_sqlite_pragmas(con, SQLITE_BUSY_TIMEOUT_MS)
    con.execute("BEGIN")
    con.executemany(
        'INSERT INTO "user" (id, name, role, active, password_hash, created_at, failed_logins) '
        "VALUES (?, ?, 'annotator', 0, ?, ?, 0)",
        rows["user"],
    )
    con.executemany(
        "INSERT INTO document (id, title, text, url, published, created_at) VALUES (?,?,?,?,?,?)",
        rows["document"],
    )
    con.executemany(
        'INSERT INTO sentence (id, document_id, "index", char_start, char_end, text, paragraph) '
        "VALUES (?,?,?,?,?,?,?)",
        rows["sentence"],
    )
    con.executemany(
        f"INSERT INTO label (id, sentence_id, user_id, version, created_at, updated_at, {values}) "
        f"VALUES (?, ?, ?, ?, ?, ?, {marks})",
        rows["label"],
    )
    con.execute(HISTORY_OF_NEW_LABELS, (0,))
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - start, time.process_time() - cpu


def segment_only(root: Path) -> tuple[float, float]:
    """Our segmentation of every text; (wall, CPU) seconds."""
    from annotator.exchange.articles import article_from_trusted_text

    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.txt"))]
    cpu, start = time.process_time(), time.perf_counter()
    for name, text in texts:
        article_from_trusted_text(text, id=name, title=name, file=name)
    return time.perf_counter() - start, time.process_time() - cpu


def syntok_only(root: Path) -> float:
    from bench_ingest import segment_floor

    paragraphs = [p for t in sorted(root.rglob("*.txt")) for p in t.read_text(encoding="utf-8").split("\n\n")]
    start = time.perf_counter()
    segment_floor(paragraphs)
    return time.perf_counter() - start


_CHILD = (
    c.MAXRSS_SNIPPET
    + """
import json, sys
from pathlib import Path
sys.path.insert(0, {bench_dir!r})
import bench_brat
import annotator.exchange.formats.brat, annotator.store.engine  # noqa: F401  (baseline includes imports)
base = rss_mib()
seconds = bench_brat.import_ours(Path({root!r}), Path({db!r}))
print(json.dumps({{"seconds": seconds, "baseline": base, "peak": maxrss_mib()}}))
"""
)


def peak_memory(root: Path, db: Path) -> float:
    """MiB of peak RSS above the baseline (after imports) of one brat import, in a fresh interpreter."""
    c.create_schema(db)
    code = _CHILD.format(bench_dir=str(Path(__file__).resolve().parent), root=str(root), db=str(db))
    result = c.child_json(code, timeout=1800)
    c.remove_db(db)
    return float(result["peak"] - result["baseline"])


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    articles = max(10, int(ARTICLES * scale))
    rows: list[dict[str, Any]] = []
    with c.bench_dir("brat") as tmp:
        root = tmp / "brat"
        sentences = make_corpus(root, articles)
        c.log(f"brat: {articles:,} articles, {sentences:,} sentences")
        stored = stored_rows(root, tmp / "rows.db")
        floor_t: list[float] = []
        ours_t: list[float] = []
        floor_cpu: list[float] = []
        ours_cpu: list[float] = []
        writes_cpu: list[float] = []
        segment_cpu: list[float] = []
        for i in range(RUNS):
            cpu = time.process_time()
            start = time.perf_counter()
            plain_parse(root)
            floor_t.append(time.perf_counter() - start)
            floor_cpu.append(time.process_time() - cpu)
            db = tmp / f"ours-{i}.db"
            c.create_schema(db)
            cpu = time.process_time()
            ours_t.append(import_ours(root, db))
            ours_cpu.append(time.process_time() - cpu)
            c.remove_db(db)
            db = tmp / f"raw-{i}.db"
            c.create_schema(db)
            writes_cpu.append(raw_writes(stored, db)[1])
            c.remove_db(db)
            segment_cpu.append(segment_only(root)[1])
            c.log(
                f"brat: run {i + 1}: floor {floor_t[-1]:.2f} s, ours {ours_t[-1]:.2f} s; CPU floor "
                f"{floor_cpu[-1]:.2f} s, ours {ours_cpu[-1]:.2f} s, raw writes {writes_cpu[-1]:.2f} s, "
                f"segmentation {segment_cpu[-1]:.2f} s"
            )
        floor, ours = c.median(floor_t), c.median(ours_t)
        cpu_floor, cpu_ours = c.median(floor_cpu), c.median(ours_cpu)
        ratio = ours / floor
        rows.append(
            c.row(
                f"brat import of {articles:,} articles ({sentences:,} sentences)",
                ours,
                "s",
                floor=floor,
                ratio=ratio,
                target=f"ratio ≤ {TARGET_RATIO:g}",
                ok=ratio <= TARGET_RATIO,
                note="floor: a plain Python parser reading the same .txt/.ann files; runs ours "
                + "/".join(f"{t:.2f}" for t in ours_t)
                + ", floor "
                + "/".join(f"{t:.2f}" for t in floor_t)
                + f"; {sentences / ours:,.0f} sentences/s; CPU time ours {cpu_ours:.2f} s vs floor "
                f"{cpu_floor:.2f} s (ratio {cpu_ours / cpu_floor:.1f}: the box is shared)",
            )
        )
        db = tmp / "convert.db"
        c.create_schema(db)
        convert, labels = convert_only(root, db)
        c.remove_db(db)
        rows.append(
            c.row(
                "  ours: read_brat (convert + check, no writes)",
                convert,
                "s",
                floor=floor,
                ratio=convert / floor,
                note="informational, one run",
            )
        )
        syntok = syntok_only(root)
        rows.append(
            c.row(
                "  floor + syntok's own segmentation of the same paragraphs",
                floor + syntok,
                "s",
                floor=floor + syntok,
                ratio=ours / (floor + syntok),
                note="informational, one run: what any import that splits sentences pays before storing; "
                "ratio = ours / this",
            )
        )
        writes, segment = c.median(writes_cpu), c.median(segment_cpu)
        counts = ", ".join(f"{len(v):,} {k}" for k, v in stored.items())
        rows += [
            c.row(
                "  of which: sentence segmentation of the texts (CPU)",
                segment,
                "s",
                floor=cpu_floor,
                ratio=segment / cpu_floor,
                note="informational, CPU medians of the same runs: article_from_trusted_text on every .txt",
            ),
            c.row(
                "  raw writes (CPU)",
                writes,
                "s",
                floor=cpu_floor,
                ratio=writes / cpu_floor,
                note="informational, CPU medians of the same runs: sqlite3 executemany of the rows the "
                f"import stores ({counts}, one history row per label by INSERT … SELECT), values computed "
                "before timing, real schema, one transaction",
            ),
            c.row(
                "  floor + raw writes (CPU)",
                cpu_floor + writes,
                "s",
                floor=cpu_floor,
                ratio=(cpu_floor + writes) / cpu_floor,
                note="informational: the least any import that stores these rows pays, segmentation aside",
            ),
            c.row(
                "  floor + raw writes + our segmentation (CPU)",
                cpu_floor + writes + segment,
                "s",
                floor=cpu_floor,
                ratio=(cpu_floor + writes + segment) / cpu_floor,
                note="informational: the least an import on our segmenter pays; target ratio "
                f"{TARGET_RATIO:g}; ours is {cpu_ours / (cpu_floor + writes + segment):.1f}× this",
            ),
        ]
        quarter = tmp / "quarter"
        make_corpus(quarter, max(10, articles // 4))
        small, full = peak_memory(quarter, tmp / "mem-q.db"), peak_memory(root, tmp / "mem.db")
        rows.append(
            c.row(
                f"brat import peak memory, {articles:,} articles (peak RSS − RSS after imports)",
                full,
                "MiB",
                note=f"informational, one run each; {max(10, articles // 4):,} articles: {small:.1f} MiB. "
                "Labels and the new articles stream through temporary files",
            )
        )
    return rows


if __name__ == "__main__":
    c.main(run)
