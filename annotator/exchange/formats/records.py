"""The shape every exchange format converts to and from: an article with its sentences and
sources, and each annotator's sentence labels (``LabelValue``) on it.

Exports read these from the labels export's records and the stored articles (one article at
a time); imports build them from span annotations with :func:`sentence_labels` and hand them to
the library's own article and label imports.

The rule that turns span annotations into sentence labels (brat, Label Studio), written once:

1. An annotator's file is a complete pass over the article: every sentence gets a label,
   except sentences overlapped by an ``Unlabelled`` span (what our exports write for
   sentences the annotator has not labelled yet), which get none.
2. A sentence overlapped by at least one character of an attribution's ``Content`` is a
   claim; a sentence no Content overlaps is not a claim. When several attributions' Content
   overlap one sentence, the one overlapping it most wins (a tie: the first in the file).
3. The claim's source is the one the file names for that attribution (our own exports carry
   it, with confidence, note, flag and ``via``, in a note); otherwise the text of its
   ``Source`` span matched to the article's source list (a source's key, label or an alias,
   ignoring case, spacing and surrounding punctuation); otherwise ``other`` with the span's
   text as the name. An attribution without a Source span (``Attribution-no-source``) is a
   claim with no source given.
4. The cue is kept when it lies inside the sentence, the source mention when it ends by the
   sentence's end (it may name the source in an earlier sentence): a label's evidence
   follows the same rules as everywhere (``evidence_problems``).
"""

from __future__ import annotations

import re
import tempfile
from bisect import bisect_right
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue, TextSpan, evidence_problems
from annotator.domain.label_schema import LabelSchema, check_label
from annotator.exchange.articles import article_from_trusted_text
from annotator.exchange.import_labels import ImportReport, import_labels_file, iter_label_records
from annotator.exchange.schemas import load_label_schema
from annotator.store.documents import add_articles, get_document, list_document_ids
from annotator.store.exports import iter_label_records as stored_label_records
from annotator.store.suggestions import article_inputs

ARTICLES_PER_WRITE = 200
"""New articles are stored this many at a time: 400 at once took 46 MiB more (tracemalloc), the
import itself 21 MiB."""

MAX_OTHER_NAME = 200
"""An ``other`` source's name is at most this long (the label schema's limit)."""


@dataclass(frozen=True)
class AnnotatedArticle:
    """An article with each annotator's labels: ``labels[annotator][sentence_index]``."""

    article: ArticleDraft
    labels: dict[str, dict[int, LabelValue]] = field(default_factory=dict)


@dataclass(frozen=True)
class Attribution:
    """One attribution as a span format carries it.

    ``content`` are character ranges of the document; ``fields`` are our own label fields
    when the file carries them (``source`` included, even when null), else None; ``where``
    says where it came from, for errors (``line 7 (E2)``).
    """

    content: tuple[tuple[int, int], ...]
    cue: TextSpan | None
    mention: TextSpan | None
    fields: dict[str, Any] | None
    where: str


# ------------------------------------------------------------------ spans -> labels


def sentence_labels(
    article: ArticleDraft,
    attributions: Sequence[Attribution],
    *,
    unlabelled: Sequence[tuple[int, int]] = (),
    file: str,
    schema: LabelSchema,
) -> dict[int, LabelValue]:
    """Each sentence's label by the rule in this module's docstring; InputError naming the
    file and the attribution when a label it yields is not valid."""
    labels: dict[int, LabelValue] = {}
    keys = frozenset(s.key for s in article.sources) | schema.special_keys
    starts = [s.start for s in article.sentences]
    skipped = {index for span in unlabelled for index, _ in _sentences_under(span, article.sentences, starts)}
    # Each sentence's overlap with each attribution's Content, found from the spans (not every
    # attribution tried on every sentence: that was quadratic in a long article).
    overlaps: dict[int, dict[int, int]] = {}
    for number, attribution in enumerate(attributions):
        for span in attribution.content:
            for index, overlap in _sentences_under(span, article.sentences, starts):
                by_attribution = overlaps.setdefault(index, {})
                by_attribution[number] = by_attribution.get(number, 0) + overlap
    for index, sentence in enumerate(article.sentences):
        if index in skipped:
            continue
        if index not in overlaps:
            labels[index] = LabelValue(is_claim=False)
            continue
        # The most overlap wins; a tie goes to the first in the file.
        best = attributions[min(overlaps[index].items(), key=lambda item: (-item[1], item[0]))[0]]
        value = _claim(article, sentence, best)
        # A via key not on the list joins it as imported, as a source does (import-labels).
        for problem in evidence_problems(
            value,
            document_text=article.text,
            sentence_start=sentence.start,
            sentence_end=sentence.end,
            source_keys=keys | set(value.via),
        ):
            raise InputError(
                f"{best.where}: {problem.message}",
                file=file,
                field=problem.field,
                hint="sentence " + str(index),
            )
        try:
            check_label(
                schema,
                is_claim=True,
                source=value.source,
                confidence=value.confidence,
                source_other=value.source_other,
                file=file,
            )
        except InputError as error:
            raise InputError(f"{best.where}: {error.message}", file=file, field=error.field) from None
        labels[index] = value
    return labels


def _sentences_under(
    span: tuple[int, int], sentences: Sequence[SentenceSpan], starts: Sequence[int]
) -> Iterator[tuple[int, int]]:
    """``(sentence index, characters in common)`` of the sentences (in text order, ``starts``
    their starts) that ``span`` overlaps."""
    index = max(0, bisect_right(starts, span[0]) - 1)
    while index < len(sentences) and sentences[index].start < span[1]:
        overlap = _overlap(span, sentences[index])
        if overlap:
            yield index, overlap
        index += 1


def _overlap(span: tuple[int, int], sentence: SentenceSpan) -> int:
    return max(0, min(span[1], sentence.end) - max(span[0], sentence.start))


def _claim(article: ArticleDraft, sentence: SentenceSpan, attribution: Attribution) -> LabelValue:
    cue = attribution.cue
    if cue is not None and not (sentence.start <= cue.start and cue.end <= sentence.end):
        cue = None
    mention = attribution.mention
    if mention is not None and mention.end > sentence.end:
        mention = None
    fields = attribution.fields or {}
    source: str | None = fields.get("source")
    other: str | None = fields.get("source_other")
    if "source" not in fields and attribution.mention is not None:
        source = match_source(attribution.mention.text, article.sources)
        if source is None:
            source, other = "other", " ".join(attribution.mention.text.split())[:MAX_OTHER_NAME]
    return LabelValue(
        is_claim=True,
        source=source,
        source_other=other,
        confidence=fields.get("confidence"),
        note=fields.get("note") or "",
        flagged=bool(fields.get("flagged", False)),
        cue=cue,
        source_mention=mention,
        via=tuple(fields.get("via") or ()),
    )


_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


def _normal(name: str) -> str:
    return _EDGE_PUNCTUATION.sub("", " ".join(name.casefold().split()))


def match_source(mention: str, sources: Sequence[SourceSpec]) -> str | None:
    """The key of the source a mention names: its key, label or an alias, ignoring case,
    spacing and surrounding punctuation; None when no source matches.

    >>> post = SourceSpec("washington-post", "Washington Post", ("The Washington Post",))
    >>> match_source("the Washington  Post,", [post])
    'washington-post'
    """
    wanted = _normal(mention)
    for source in sources:
        if wanted in {_normal(name) for name in (source.key, source.label, *source.aliases)}:
            return source.key
    return None


def label_fields(value: LabelValue) -> dict[str, Any]:
    """Our fields that spans do not carry, as formats write them in a note or meta."""
    fields: dict[str, Any] = {"source": value.source}
    if value.source_other is not None:
        fields["source_other"] = value.source_other
    if value.confidence is not None:
        fields["confidence"] = value.confidence
    if value.note:
        fields["note"] = value.note
    if value.flagged:
        fields["flagged"] = True
    if value.via:
        fields["via"] = list(value.via)
    return fields


def check_fields(fields: Any, *, file: str, line: int | None, where: str) -> dict[str, Any]:
    """Our label fields as read back from a note or meta; InputError naming what is wrong."""
    types: dict[str, tuple[type, ...]] = {
        "source": (str, type(None)),
        "source_other": (str, type(None)),
        "confidence": (int, type(None)),
        "note": (str, type(None)),
        "flagged": (bool,),
        "via": (list,),
    }
    if not isinstance(fields, dict):
        raise InputError(f"{where}: our label fields must be a JSON object", file=file, line=line)
    for name, value in fields.items():
        if name not in types:
            raise InputError(
                f"{where}: unknown field", file=file, line=line, field=name, hint="known: " + ", ".join(types)
            )
        expected = types[name]
        if (isinstance(value, bool) and bool not in expected) or not isinstance(value, expected):
            raise InputError(f"{where}: wrong type {type(value).__name__}", file=file, line=line, field=name)
    via = fields.get("via") or []
    if not all(isinstance(entry, str) for entry in via):
        raise InputError(f"{where}: entries must be strings", file=file, line=line, field="via")
    return fields


# ------------------------------------------------------------------ reading the store


def span_record(span: TextSpan | None) -> dict[str, Any] | None:
    return None if span is None else {"char_start": span.start, "char_end": span.end, "text": span.text}


def span_of(record: Any) -> TextSpan | None:
    if not isinstance(record, dict):
        return None
    return TextSpan(record["char_start"], record["char_end"], record["text"])


def label_value(line: dict[str, Any]) -> LabelValue:
    """A label as a labels-JSONL line holds it (evidence fields are absent in old exports)."""
    return LabelValue(
        is_claim=bool(line["is_claim"]),
        source=line.get("source"),
        source_other=line.get("source_other"),
        confidence=line.get("confidence"),
        note=line.get("note") or "",
        flagged=bool(line.get("flagged", False)),
        cue=span_of(line.get("cue")),
        source_mention=span_of(line.get("source_mention")),
        via=tuple(line.get("via") or ()),
    )


def label_line(article: ArticleDraft, index: int, annotator: str, value: LabelValue) -> dict[str, Any]:
    """A labels-JSONL line (the ``import-labels`` input) for one sentence label."""
    span = article.sentences[index]
    return {
        "document_id": article.id,
        "sentence_index": index,
        "text": article.text[span.start : span.end],
        "char_start": span.start,
        "char_end": span.end,
        "annotator": annotator,
        "is_claim": value.is_claim,
        "source": value.source,
        "source_other": value.source_other,
        "confidence": value.confidence,
        "note": value.note,
        "flagged": value.flagged,
        "cue": span_record(value.cue),
        "source_mention": span_record(value.source_mention),
        "via": list(value.via),
        # Every key the exporter writes, so that import-labels decodes the line on its fast path
        # (msgspec, straight into a struct): without them each line took the slow path, twice.
        "created_at": None,
        "updated_at": None,
        "schema_version": None,
    }


def stored_articles(
    engine: Engine, *, document_id: str | None = None, annotators: Sequence[str] | None = None
) -> Iterator[AnnotatedArticle]:
    """Every article with labels, one article in memory at a time, its labels read as the labels
    export reads them (``store.exports``), so every format carries what the JSONL carries.

    The records are spooled to a temporary file first: the query's cursor is not held open
    while each article's text and sentences are read.
    """
    version = load_label_schema().version
    with tempfile.TemporaryFile() as spool:
        with engine.connect() as connection:
            for batch in stored_label_records(
                connection, schema_version=version, document_id=document_id, annotators=annotators
            ):
                spool.writelines(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE) for record in batch)
                # Let go before the next batch is built: held through the loop, two batches
                # (20,000 records each) were alive at once, the export's peak.
                del batch
        spool.seek(0)
        current: str | None = None
        by_annotator: dict[str, dict[int, LabelValue]] = {}
        for raw in spool:
            line = orjson.loads(raw)
            if line["document_id"] != current:
                if current is not None:
                    yield AnnotatedArticle(stored_article(engine, current), by_annotator)
                current, by_annotator = line["document_id"], {}
            by_annotator.setdefault(line["annotator"], {})[line["sentence_index"]] = label_value(line)
        if current is not None:
            yield AnnotatedArticle(stored_article(engine, current), by_annotator)


def stored_article(engine: Engine, document_id: str) -> ArticleDraft:
    with Session(engine) as session:
        inputs = article_inputs(session=session, document_id=document_id)
        document = get_document(session=session, document_id=document_id)
        title = document.title if document is not None else document_id
    return ArticleDraft(document_id, title, inputs.text, inputs.sentences, inputs.sources)


# ------------------------------------------------------------------ importing


def stored_ids(engine: Engine) -> set[str]:
    """The ids of the stored articles, read once for a whole import: a query per article cost
    an import of new articles more than storing them."""
    with Session(engine) as session:
        return set(list_document_ids(session=session))


def resolve_article(
    engine: Engine, *, id: str, title: str, text: str, file: str, stored_ids: Container[str]
) -> tuple[ArticleDraft, bool]:
    """The stored article with this id (its sentences and sources: labels land on them), or a
    new one segmented from the text; True when it is new. A stored article with another
    text is an error naming the file. ``stored_ids``: :func:`stored_ids`, read before."""
    stored_text = None
    if id in stored_ids:
        with Session(engine) as session:
            stored = get_document(session=session, document_id=id)
            stored_text = stored.text if stored is not None else None
    if stored_text is not None:
        if stored_text != text:
            raise InputError(
                f"article {id!r} is stored with another text",
                file=file,
                hint="its offsets would land on other words: rename the file, or delete the stored article",
            )
        return stored_article(engine, id), False
    draft = article_from_trusted_text(text, id=id, title=title, file=file)
    return ArticleDraft(id, title, text, draft.sentences), True


def store_annotated(
    engine: Engine, annotated: Iterable[tuple[AnnotatedArticle, bool]], *, file: str
) -> ImportReport:
    """Store converted articles (``True``: new, to be added) and their labels.

    The labels are written as labels-JSONL to a temporary file as each article is converted,
    and the new articles to another (neither is held: memory stays flat in the number of
    articles); every line is checked, then the new articles are stored and the labels go
    through ``import-labels`` (one transaction). The articles go in before the labels,
    :data:`ARTICLES_PER_WRITE` at a time: only a failure after the checks (a database error,
    or a stored label the import contradicts) leaves new articles without their labels, and
    the same import run again then completes it (both imports skip what is stored).
    """
    schema = load_label_schema()
    with (
        tempfile.NamedTemporaryFile(suffix=".jsonl") as spool,
        tempfile.TemporaryFile() as articles,
    ):
        for item, new in annotated:
            article = item.article
            if new:
                articles.write(_article_line(article))
            for annotator in sorted(item.labels):
                for index, value in sorted(item.labels[annotator].items()):
                    spool.write(orjson.dumps(label_line(article, index, annotator, value)) + b"\n")
        spool.flush()
        with open(spool.name, "rb") as lines:
            # Each line checked before anything is written.
            checked = sum(1 for _record in iter_label_records(lines, file=file, schema=schema))
        if not checked:
            raise InputError(
                "no labels in the file", file=file, hint="articles alone go in with import-articles"
            )
        articles.seek(0)
        created: list[str] = []
        for drafts in _batches((_article_draft(line, origin=file) for line in articles), ARTICLES_PER_WRITE):
            with Session(engine) as session:
                created += add_articles(session=session, drafts=drafts)
        report = store_label_file(engine, Path(spool.name), file=file, schema=schema, keep_lines=False)
    return replace(report, documents_created=created)


def _article_line(article: ArticleDraft) -> bytes:
    """A new article as one line of the articles spool (what ``add_articles`` needs of it)."""
    sentences = [(s.start, s.end, s.paragraph) for s in article.sentences]
    record = {"id": article.id, "title": article.title, "text": article.text, "sentences": sentences}
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


def _article_draft(line: bytes, *, origin: str) -> ArticleDraft:
    record = orjson.loads(line)
    sentences = tuple(SentenceSpan(*s) for s in record["sentences"])
    return ArticleDraft(record["id"], record["title"], record["text"], sentences, origin=origin)


def _batches(items: Iterable[ArticleDraft], size: int) -> Iterator[list[ArticleDraft]]:
    batch: list[ArticleDraft] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def store_label_file(
    engine: Engine, path: Path, *, file: str, schema: LabelSchema | None = None, keep_lines: bool = True
) -> ImportReport:
    """Labels-JSONL converted from ``file`` into ``path``, imported by ``import-labels``; its
    errors name ``file`` (and its line, when ``keep_lines``: the converted file keeps the
    original's line numbers)."""
    try:
        return import_labels_file(engine, path, schema=schema)
    except InputError as error:
        raise InputError(
            error.message,
            file=file,
            line=error.line if keep_lines else None,
            field=error.field,
            hint=error.hint,
        ) from None
