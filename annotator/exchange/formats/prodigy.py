"""Prodigy-style JSONL: one line per sentence and annotator.

::

    {"text": "The Washington Post cited an unnamed US official …",
     "spans": [{"start": 0, "end": 19, "label": "SOURCE", "text": "The Washington Post"},
               {"start": 20, "end": 25, "label": "CUE", "text": "cited"}],
     "label": "washington-post", "answer": "accept",
     "_annotator_id": "ana", "_session_id": "france24-sessions-kislyak-ana",
     "meta": {"document_id": "france24-sessions-kislyak", "sentence_index": 3, "char_start": 1559,
              "is_claim": true, "confidence": 5, "via": ["us-official", "intercepts"],
              "source_other": null, "note": "", "flagged": false, "source_mention": null}}

``spans`` count characters of ``text`` (the sentence), as Prodigy's do; ``label`` is the
source key (null for a sentence that is not a claim, or a claim with no source given).
A source mention in an earlier sentence cannot be a span of this sentence: it is in
``meta.source_mention``, in document offsets. The import reads the same lines back
(``meta`` says where each sentence is) through ``import-labels``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy.engine import Engine

from annotator.domain.article import ArticleDraft
from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue
from annotator.exchange.formats.records import span_record, store_label_file, stored_articles
from annotator.exchange.import_labels import ImportReport


def lines(article: ArticleDraft, annotator: str, labels: dict[int, LabelValue]) -> Iterator[dict[str, Any]]:
    for index, value in sorted(labels.items()):
        sentence = article.sentences[index]
        spans = []
        for label, span in (("SOURCE", value.source_mention), ("CUE", value.cue)):
            if span is not None and sentence.start <= span.start and span.end <= sentence.end:
                spans.append(
                    {
                        "start": span.start - sentence.start,
                        "end": span.end - sentence.start,
                        "label": label,
                        "text": span.text,
                    }
                )
        mention = value.source_mention
        outside = mention is not None and mention.start < sentence.start
        yield {
            "text": article.text[sentence.start : sentence.end],
            "spans": spans,
            "label": value.source,
            "answer": "accept",
            "_annotator_id": annotator,
            "_session_id": f"{article.id}-{annotator}",
            "meta": {
                "document_id": article.id,
                "sentence_index": index,
                "char_start": sentence.start,
                "is_claim": value.is_claim,
                "confidence": value.confidence,
                "via": list(value.via),
                "source_other": value.source_other,
                "note": value.note,
                "flagged": value.flagged,
                "source_mention": span_record(mention) if outside else None,
            },
        }


def export_prodigy(
    engine: Engine, out: IO[bytes], *, document_id: str | None = None, annotators: Sequence[str] | None = None
) -> int:
    count = 0
    for item in stored_articles(engine, document_id=document_id, annotators=annotators):
        for annotator, labels in sorted(item.labels.items()):
            for line in lines(item.article, annotator, labels):
                out.write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
                count += 1
    return count


def label_line(raw: bytes, *, file: str, line: int) -> dict[str, Any] | None:
    """The labels-JSONL line of one Prodigy line (None for a blank line)."""
    if not raw.strip():
        return None
    try:
        task = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InputError(f"invalid JSON: {error}", file=file, line=line) from None
    if not isinstance(task, dict):
        raise InputError("expected a JSON object", file=file, line=line)
    meta = task.get("meta")
    if not isinstance(meta, dict):
        raise InputError("missing: it says where the sentence is", file=file, line=line, field="meta")
    for name, kind in (("document_id", str), ("sentence_index", int), ("char_start", int)):
        if not isinstance(meta.get(name), kind) or isinstance(meta.get(name), bool):
            raise InputError(f"missing or not {kind.__name__}", file=file, line=line, field=f"meta.{name}")
    text, start = task.get("text"), meta["char_start"]
    if not isinstance(text, str):
        raise InputError("missing or not a string", file=file, line=line, field="text")
    if task.get("answer", "accept") != "accept":
        return None  # a rejected or ignored task is no label
    spans = task.get("spans") or []
    found: dict[str, dict[str, Any]] = {}
    for number, span in enumerate(spans if isinstance(spans, list) else [None]):
        where = f"spans[{number}]"
        if not isinstance(span, dict) or span.get("label") not in ("SOURCE", "CUE"):
            raise InputError("expected {start, end, label: SOURCE|CUE}", file=file, line=line, field=where)
        s, e = span.get("start"), span.get("end")
        if not isinstance(s, int) or not isinstance(e, int) or not 0 <= s < e <= len(text):
            raise InputError(f"{s!r}-{e!r} is not a span of the text", file=file, line=line, field=where)
        if span["label"] in found:
            raise InputError(f"a second {span['label']} span", file=file, line=line, field=where)
        found[span["label"]] = {"char_start": start + s, "char_end": start + e, "text": text[s:e]}
    label = task.get("label")
    return {
        "document_id": meta["document_id"],
        "sentence_index": meta["sentence_index"],
        "text": text,
        "char_start": start,
        "char_end": start + len(text),
        "annotator": task.get("_annotator_id"),
        "is_claim": meta.get("is_claim", label is not None),
        "source": label,
        "source_other": meta.get("source_other"),
        "confidence": meta.get("confidence"),
        "note": meta.get("note") or "",
        "flagged": meta.get("flagged", False),
        "cue": found.get("CUE"),
        "source_mention": found.get("SOURCE") or meta.get("source_mention"),
        "via": meta.get("via") or [],
        # Every key the exporter writes, so that import-labels decodes the line on its fast path
        # (msgspec, straight into a struct): without them each line took the slow path.
        "created_at": None,
        "updated_at": None,
        "schema_version": None,
    }


def import_prodigy(engine: Engine, path: Path) -> ImportReport:
    """Convert each line into a temporary labels-JSONL file, then import it with ``import-labels``
    (its checks name the line: blank and rejected lines stay blank, so line numbers are the file's)."""
    file = str(path)
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as spool, path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            record = label_line(raw, file=file, line=number)
            spool.write(b"\n" if record is None else orjson.dumps(record) + b"\n")
        spool.flush()
        return store_label_file(engine, Path(spool.name), file=file)
