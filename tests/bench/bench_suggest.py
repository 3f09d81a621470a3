"""Suggestions: the rules on 5 MB of articles vs the segmenter; training on 50,000 labels.

    python tests/bench/bench_suggest.py [--quick]

Input: ~5 MB of articles made of news paragraphs - the seed article's and, when
``../shared/devset`` is beside the clone, the dev set's (quotations over several
sentences, pronouns, titles) - shuffled and with varied names, each with a source list
of its own (the seed article's sources under new keys plus a person named differently in
every article, so that nothing prepared for one list serves another).
Floor, same run, interleaved: our own segmenter (``split_sentences``) on the same
articles. Ours: ``suggest_labels`` on the segmented articles.
Target: segmenter time / suggestion time ≥ 0.5 (suggesting runs at least half as fast
as segmenting).
Training: ``train_model`` (3-fold grouped cross-validation, the default, and the final fit) on
50,000 labelled sentences of the same kind (labels: the rules' answers with 10 % changed
to "author", so the model has something to learn), in a fresh interpreter for its peak
memory (VmHWM). Targets: ≤ 30 s wall and ≤ 1 GiB peak.
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

RUNS = 3
TARGET_BYTES = 5_000_000
SPEED_RATIO_TARGET = 0.5
TRAIN_SENTENCES = 50_000
TRAIN_SECONDS_TARGET = 30.0
TRAIN_PEAK_MIB_TARGET = 1024.0
DEVSET = c.REPO.parent / "shared" / "devset" / "articles"


def _paragraphs() -> list[str]:
    paragraphs = c.sample_body_paragraphs()
    for path in sorted(DEVSET.glob("*.txt")) if DEVSET.is_dir() else []:
        parts = [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
        paragraphs.extend(parts[1:])  # not the headline
    return paragraphs


def make_texts(target_bytes: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    body = _paragraphs()
    texts: list[str] = []
    total = 0
    while total < target_bytes:
        chosen = rng.sample(body, k=rng.randint(6, min(14, len(body))))
        text = "\n\n".join(c.varied(p, rng) for p in chosen)
        texts.append(text)
        total += len(text.encode("utf-8"))
    return texts


def segment(texts: list[str]) -> list[Any]:
    from annotator.domain.segmentation import split_sentences

    return [split_sentences(t, [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", t)]) for t in texts]


def sources() -> tuple[Any, ...]:
    from annotator.exchange.articles import load_sample_article

    return load_sample_article().sources


_FIRST = ("Ana", "Ben", "Chidi", "Dana", "Eero", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kemal", "Lea")
_LAST = ("Moss", "Ndiaye", "Orr", "Pike", "Quinn", "Rossi", "Sato", "Tran", "Ueda", "Vance", "Wolfe", "Yang")


def article_sources(count: int, seed: int = 5) -> list[tuple[Any, ...]]:
    """A source list of its own for every article (the worst case for the suggester, which
    prepares each list once): the seed's sources under new keys, plus one person whose
    name differs from article to article."""
    from annotator.domain.article import SourceSpec

    rng = random.Random(seed)
    base = sources()
    lists: list[tuple[Any, ...]] = []
    for n in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        extra = SourceSpec(f"person-{n}", f"{first} {last} {n}", (f"{first} {last}", f"{last} {n}"))
        lists.append((*(SourceSpec(f"{s.key}-{n}", s.label, s.aliases) for s in base), extra))
    return lists


def suggest_all(texts: list[str], spans: list[Any], source_lists: list[tuple[Any, ...]]) -> int:
    from annotator.domain.suggestions import suggest_labels

    return sum(len(suggest_labels(t, s, sl)) for t, s, sl in zip(texts, spans, source_lists, strict=True))


def training_articles(sentences: int, seed: int = 3) -> list[Any]:
    """Articles with one label per sentence until ``sentences`` labels."""
    from annotator.domain.suggestions import suggest_labels
    from annotator.domain.suggestions.learnt import answer_of
    from annotator.domain.suggestions.training import TrainingArticle

    rng = random.Random(seed)
    source_list = sources()
    out: list[Any] = []
    total = 0
    texts = make_texts(sentences * 200, seed=seed)  # more text than needed; stops at the count
    for text in texts:
        spans = segment([text])[0]
        rules = suggest_labels(text, spans, source_list)
        answers = {
            i: [(True, "author", None) if rng.random() < 0.1 else answer_of(s)] for i, s in enumerate(rules)
        }
        out.append(TrainingArticle(text, spans, source_list, answers))
        total += len(spans)
        if total >= sentences:
            break
    return out


_TRAIN_CHILD = (
    c.MAXRSS_SNIPPET
    + """
import json, sys, time
sys.path.insert(0, {bench_dir!r})
import bench_suggest
from annotator.domain.suggestions.training import train_model
articles = bench_suggest.training_articles({sentences})
base = rss_mib()
start = time.perf_counter()
result = train_model(articles)
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "baseline": base, "peak": maxrss_mib(), "sentences": result.sentences,
                   "features": len(result.parameters["features"]), "model": result.model.accuracy,
                   "rules": result.rules.accuracy}}))
"""
)


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    texts = make_texts(int(TARGET_BYTES * scale))
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    source_lists = article_sources(len(texts))
    spans = segment(texts)
    c.log(f"suggest: {len(texts):,} articles, {sum(len(s) for s in spans):,} sentences, {mb:.1f} MB")
    floor_t: list[float] = []
    ours_t: list[float] = []
    sentences = 0
    for i in range(RUNS):
        start = time.perf_counter()
        segment(texts)
        floor_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        sentences = suggest_all(texts, spans, source_lists)
        ours_t.append(time.perf_counter() - start)
        c.log(f"suggest: run {i + 1}: segmenter {floor_t[-1]:.2f} s, suggestions {ours_t[-1]:.2f} s")
    floor, ours = c.median(floor_t), c.median(ours_t)
    ratio = floor / ours
    rows.append(
        c.row(
            f"suggestions for {mb:.1f} MB of articles (rules)",
            ours,
            "s",
            floor=floor,
            ratio=ratio,
            target=f"speed ratio ≥ {SPEED_RATIO_TARGET}",
            ok=ratio >= SPEED_RATIO_TARGET,
            note="ratio = segmenter time / suggestion time (same articles); "
            f"{sentences / ours:,.0f} sentences/s ({sentences:,} sentences); "
            f"runs ours {'/'.join(f'{t:.2f}' for t in ours_t)}, "
            f"segmenter {'/'.join(f'{t:.2f}' for t in floor_t)}",
        )
    )
    n = int(TRAIN_SENTENCES * scale)
    code = _TRAIN_CHILD.format(bench_dir=str(Path(__file__).resolve().parent), sentences=n)
    result = c.child_json(code)
    c.log(
        f"suggest: training on {result['sentences']:,} sentences: {result['seconds']:.1f} s, "
        f"peak {result['peak']:.0f} MiB"
    )
    rows.append(
        c.row(
            f"train the suggestion model on {result['sentences']:,} labelled sentences",
            result["seconds"],
            "s",
            target=f"≤ {TRAIN_SECONDS_TARGET:.0f} s",
            ok=result["seconds"] <= TRAIN_SECONDS_TARGET,
            note="3-fold grouped cross-validation (the default) + final fit; "
            f"{result['features']:,} features; "
            f"held-out accuracy model {result['model']:.3f}, rules {result['rules']:.3f}",
        )
    )
    rows.append(
        c.row(
            "  peak memory of training",
            result["peak"],
            "MiB",
            target=f"≤ {TRAIN_PEAK_MIB_TARGET:.0f} MiB",
            ok=result["peak"] <= TRAIN_PEAK_MIB_TARGET,
            note=f"VmHWM of a fresh interpreter; {result['baseline']:.0f} MiB before training (data built)",
        )
    )
    return rows


if __name__ == "__main__":
    c.main(run)
