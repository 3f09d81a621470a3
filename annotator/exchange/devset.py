"""Reading a dev set of articles with gold labels (``shared/devset`` layout).

``articles/<id>.txt`` (paragraphs separated by a blank line, the first one the headline),
``articles/<id>.sources.json`` (``[{key, label, aliases}]``) and ``gold/<id>.json``
(``title``, ``dropped`` paragraphs, and one entry per sentence with ``is_claim``,
``source``, ``source_other``, ``cue`` and ``source_mention`` as words of the sentence).
The sentences are located in the text in order, so offsets are the text's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from annotator.domain.article import SentenceSpan, SourceSpec
from annotator.domain.errors import InputError
from annotator.domain.suggestions.evaluation import ReferenceLabel, locate

_PARAGRAPH = re.compile(r"\S[^\n]*(?:\n(?![ \t]*\n)[^\n]*)*")


@dataclass(frozen=True)
class DevsetArticle:
    id: str
    text: str
    sentences: tuple[SentenceSpan, ...]
    sources: tuple[SourceSpec, ...]
    references: tuple[ReferenceLabel, ...]


def read_devset(root: Path) -> list[DevsetArticle]:
    """Every article of the dev set in ``root``, by id."""
    texts = sorted((root / "articles").glob("*.txt"))
    if not texts:
        raise InputError(
            "no articles/*.txt", file=str(root), hint="point at a folder laid out like shared/devset"
        )
    return [_article(root, path) for path in texts]


def _article(root: Path, path: Path) -> DevsetArticle:
    article_id = path.stem
    text = path.read_text(encoding="utf-8")
    sources_path = root / "articles" / f"{article_id}.sources.json"
    gold_path = root / "gold" / f"{article_id}.json"
    sources = [SourceSpec(s["key"], s["label"], tuple(s.get("aliases", ()))) for s in _json(sources_path)]
    gold = _json(gold_path)
    paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    spans: list[SentenceSpan] = []
    references: list[ReferenceLabel] = []
    position = paragraphs[0][1] if paragraphs else 0  # the headline is not a sentence
    for entry in gold["sentences"]:
        start = text.find(entry["text"], position)
        if start < 0:
            raise InputError(f"sentence {entry['index']} is not in the article's text", file=str(gold_path))
        end = start + len(entry["text"])
        paragraph = next(i for i, (a, b) in enumerate(paragraphs) if a <= start < b)
        spans.append(SentenceSpan(start, end, paragraph))
        references.append(
            ReferenceLabel(
                is_claim=entry["is_claim"],
                source=entry["source"],
                source_other=entry["source_other"],
                cue=locate(text, start, end, entry["cue"]),
                source_mention=locate(text, start, end, entry["source_mention"]),
                spans_known=True,
            )
        )
        position = end
    return DevsetArticle(article_id, text, tuple(spans), tuple(sources), tuple(references))


def _json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except orjson.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error}", file=str(path)) from None
