"""Label Studio JSON tasks: one task per article, one annotation per annotator, our
suggestions as predictions.

A task (the file is a JSON list of them, what Label Studio's importer and its JSON export
both use)::

    {"data": {"text": "...", "document_id": "...", "title": "...",
              "sources": [{"value": "us-official", "html": "US official"}, ...]},
     "annotations": [{"annotator": "ana", "result": [...]}],
     "predictions": [{"model_version": "rules-1", "score": 0.8, "result": [...]}]}

Result items, for a claim sentence (region ids ``s3``, ``s3-cue``, ``s3-source``)::

    {"id": "s3", "type": "labels", "from_name": "label", "to_name": "text",
     "value": {"start": 1559, "end": 1689, "text": "...", "labels": ["Content"]}}
    {"id": "s3-cue", ... "labels": ["Cue"]}      {"id": "s3-source", ... "labels": ["Source"]}
    {"type": "relation", "from_id": "s3-source", "to_id": "s3", "direction": "right",
     "labels": ["Attribution"]}
    {"type": "relation", "from_id": "s3-cue", "to_id": "s3", "direction": "right", "labels": ["Cue"]}
    {"id": "s3", "type": "choices", "from_name": "source", ...
     "value": {"start", "end", "text", "choices": ["us-official"]}}
    {"id": "s3", "type": "choices", "from_name": "confidence", ... "choices": ["5"]}
    {"id": "s3", "type": "textarea", "from_name": "fields", ... "text": ["{\\"source\\": ...}"]}

``fields`` (a per-region text area) holds our fields as JSON, so nothing is lost; a Label
Studio export without it is read from the ``source`` and ``confidence`` choices. Sentences
are labelled by the span rule of :mod:`annotator.exchange.formats.records` (``Unlabelled``
regions: sentences the annotator has not labelled). The annotator is the annotation's
``annotator`` (ours; Label Studio ignores the key), else its ``completed_by`` (a user id
becomes ``label-studio-ID``, a user object its email). :data:`LABEL_CONFIG` is the labelling
interface to create the project with.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import ijson
import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.article import ArticleDraft
from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue, TextSpan
from annotator.domain.names import check_identifier, check_user_name
from annotator.exchange.formats.records import (
    AnnotatedArticle,
    Attribution,
    check_fields,
    label_fields,
    resolve_article,
    sentence_labels,
    store_annotated,
    stored_article,
    stored_articles,
    stored_ids,
)
from annotator.exchange.import_labels import ImportReport
from annotator.exchange.schemas import load_label_schema
from annotator.exchange.suggest import suggestion_records
from annotator.store.documents import list_document_ids

REGION_LABELS = ("Content", "Cue", "Source", "Unlabelled")
MAX_FILE_BYTES = 500_000_000

LABEL_CONFIG = """\
<View>
  <Labels name="label" toName="text">
    <Label value="Content"/><Label value="Source"/><Label value="Cue"/><Label value="Unlabelled"/>
  </Labels>
  <Relations><Relation value="Attribution"/><Relation value="Cue"/></Relations>
  <Text name="text" value="$text"/>
  <Choices name="source" toName="text" perRegion="true" value="$sources"/>
  <Choices name="confidence" toName="text" perRegion="true" choice="single">
    <Choice value="1"/><Choice value="2"/><Choice value="3"/><Choice value="4"/><Choice value="5"/>
  </Choices>
  <TextArea name="fields" toName="text" perRegion="true"/>
</View>
"""


# ------------------------------------------------------------------ writing


def _region(rid: str, label: str, span: TextSpan) -> dict[str, Any]:
    return {
        "id": rid,
        "type": "labels",
        "from_name": "label",
        "to_name": "text",
        "value": {"start": span.start, "end": span.end, "text": span.text, "labels": [label]},
    }


def _per_region(rid: str, name: str, kind: str, span: TextSpan, value: Any) -> dict[str, Any]:
    key = "choices" if kind == "choices" else "text"
    return {
        "id": rid,
        "type": kind,
        "from_name": name,
        "to_name": "text",
        "value": {"start": span.start, "end": span.end, "text": span.text, key: value},
    }


def _relation(from_id: str, to_id: str, label: str) -> dict[str, Any]:
    return {"type": "relation", "from_id": from_id, "to_id": to_id, "direction": "right", "labels": [label]}


def _claim_results(
    rid: str, sentence: TextSpan, value: LabelValue, *, with_fields: bool = True
) -> list[dict[str, Any]]:
    results = [_region(rid, "Content", sentence)]
    for suffix, label, span in (("cue", "Cue", value.cue), ("source", "Source", value.source_mention)):
        if span is not None:
            results.append(_region(f"{rid}-{suffix}", label, span))
            results.append(_relation(f"{rid}-{suffix}", rid, "Attribution" if label == "Source" else "Cue"))
    if value.source is not None:
        results.append(_per_region(rid, "source", "choices", sentence, [value.source]))
    if value.confidence is not None:
        results.append(_per_region(rid, "confidence", "choices", sentence, [str(value.confidence)]))
    if with_fields:
        results.append(
            _per_region(rid, "fields", "textarea", sentence, [orjson.dumps(label_fields(value)).decode()])
        )
    return results


def annotation_results(article: ArticleDraft, labels: dict[int, LabelValue]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for index, span in enumerate(article.sentences):
        sentence = TextSpan(span.start, span.end, article.text[span.start : span.end])
        value = labels.get(index)
        if value is None:
            results.append(_region(f"s{index}", "Unlabelled", sentence))
        elif value.is_claim:
            results.extend(_claim_results(f"s{index}", sentence, value))
    return results


def task(item: AnnotatedArticle, predictions: list[dict[str, Any]]) -> dict[str, Any]:
    article = item.article
    return {
        "data": {
            "text": article.text,
            "document_id": article.id,
            "title": article.title,
            "sources": [{"value": s.key, "html": s.label} for s in article.sources],
        },
        "annotations": [
            {"annotator": annotator, "result": annotation_results(article, labels)}
            for annotator, labels in sorted(item.labels.items())
        ],
        "predictions": predictions,
    }


def _predictions(engine: Engine, article: ArticleDraft) -> list[dict[str, Any]]:
    """Our stored suggestions for the article as one Label Studio prediction (empty when none)."""
    results: list[dict[str, Any]] = []
    scores: list[float] = []
    models: set[str] = set()
    for record in suggestion_records(engine, article.id):
        models.add(record["model"])
        scores.append(record["score"])
        if not record["is_claim"]:
            continue
        value = LabelValue(
            is_claim=True,
            source=record["source"],
            source_other=record["source_other"],
            cue=_span(record["cue"]),
            source_mention=_span(record["source_mention"]),
        )
        sentence = TextSpan(record["char_start"], record["char_end"], record["text"])
        results.extend(_claim_results(f"s{record['sentence_index']}", sentence, value, with_fields=False))
    if not scores:
        return []
    return [
        {"model_version": ",".join(sorted(models)), "score": sum(scores) / len(scores), "result": results}
    ]


def _span(record: dict[str, Any] | None) -> TextSpan | None:
    return None if record is None else TextSpan(record["char_start"], record["char_end"], record["text"])


def export_labelstudio(
    engine: Engine,
    out: IO[bytes],
    *,
    document_id: str | None = None,
    annotators: Sequence[str] | None = None,
) -> int:
    """Write a JSON list of tasks (streamed: one article at a time); return the number of tasks.

    Every article is a task: the labelled ones first, with their annotations, then (unless
    ``annotators`` narrows the export to their labels) the others, with only our suggestions
    as predictions, ready to be labelled in Label Studio.
    """
    out.write(b"[")
    count = 0
    written: set[str] = set()

    def write(item: AnnotatedArticle) -> None:
        nonlocal count
        out.write(b"\n" if count == 0 else b",\n")
        out.write(orjson.dumps(task(item, _predictions(engine, item.article))))
        written.add(item.article.id)
        count += 1

    for item in stored_articles(engine, document_id=document_id, annotators=annotators):
        write(item)
    if annotators is None:
        with Session(engine) as session:
            ids = [document_id] if document_id is not None else list_document_ids(session=session)
        for other in ids:
            if other not in written:
                write(AnnotatedArticle(stored_article(engine, other), {}))
    out.write(b"\n]\n")
    return count


# ------------------------------------------------------------------ reading


def read_labelstudio(engine: Engine, path: Path) -> Iterator[tuple[AnnotatedArticle, bool]]:
    """Each task's article and annotations, checked, a task at a time (True: the article is not
    stored yet); nothing is written."""
    file = str(path)
    schema = load_label_schema()
    seen: set[str] = set()
    known = stored_ids(engine)
    for number, item in enumerate(_tasks(path, file)):
        where = f"[{number}]"
        data = _object(item, where, file).get("data")
        data = _object(data, f"{where}.data", file)
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InputError("missing or empty", file=file, field=f"{where}.data.text")
        article_id = data.get("document_id") or f"label-studio-{item.get('id', number)}"
        if not isinstance(article_id, str):
            raise InputError("must be a string", file=file, field=f"{where}.data.document_id")
        check_identifier(article_id, field=f"{where}.data.document_id", file=file)
        if article_id in seen:
            raise InputError(
                f"a second task for {article_id!r}", file=file, field=f"{where}.data.document_id"
            )
        title = data.get("title") if isinstance(data.get("title"), str) else article_id
        seen.add(article_id)
        article, new = resolve_article(
            engine, id=article_id, title=title or article_id, text=text, file=file, stored_ids=known
        )
        labels: dict[str, dict[int, LabelValue]] = {}
        annotations = item.get("annotations") or []
        if not isinstance(annotations, list):
            raise InputError("must be a list", file=file, field=f"{where}.annotations")
        for a_number, annotation in enumerate(annotations):
            a_where = f"{where}.annotations[{a_number}]"
            annotation = _object(annotation, a_where, file)
            if annotation.get("was_cancelled"):
                continue
            annotator = _annotator(annotation, a_where, file)
            if annotator in labels:
                raise InputError(f"a second annotation by {annotator!r}", file=file, field=a_where)
            attributions, unlabelled = _attributions(annotation.get("result"), text, a_where, file)
            labels[annotator] = sentence_labels(
                article, attributions, unlabelled=unlabelled, file=file, schema=schema
            )
        yield AnnotatedArticle(article, labels), new


def _tasks(path: Path, file: str) -> Iterator[Any]:
    """The file's tasks one at a time (a JSON list of them, or one task object): ijson reads
    the list as it goes, so memory holds one task, not the file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"file too large: {size:,} bytes, the limit is {MAX_FILE_BYTES:,}", file=file)
        with path.open("rb") as stream:
            first = stream.read(64).lstrip()[:1]
            stream.seek(0)
            if first not in (b"[", b"{"):
                raise InputError("expected a JSON list of Label Studio tasks", file=file)
            count = 0
            try:
                # use_float: scores are floats, not Decimals; one task when the file is an object.
                for task in ijson.items(stream, "item" if first == b"[" else "", use_float=True):
                    yield task
                    count += 1
            except ijson.JSONError as error:
                raise InputError(
                    f"not valid JSON after {count} tasks: {error}",
                    file=file,
                    field=f"[{count}]",
                    hint="check quotes, commas and brackets",
                ) from None
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", file=file) from None
    if not count:
        raise InputError("expected a JSON list of Label Studio tasks", file=file, hint="the list is empty")


def import_labelstudio(engine: Engine, path: Path) -> ImportReport:
    """Import a JSON list of Label Studio tasks (articles and labels), all checked before any write."""
    return store_annotated(engine, read_labelstudio(engine, path), file=str(path))


def _object(value: Any, where: str, file: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError("must be a JSON object", file=file, field=where)
    return value


def _annotator(annotation: dict[str, Any], where: str, file: str) -> str:
    name = annotation.get("annotator")
    if name is None:
        who = annotation.get("completed_by")
        if isinstance(who, int) and not isinstance(who, bool):
            name = f"label-studio-{who}"
        elif isinstance(who, dict):
            name = who.get("email")
        else:
            name = who
    if not isinstance(name, str):
        raise InputError("no annotator (annotator or completed_by)", file=file, field=where)
    check_user_name(name, field=f"{where}.annotator", file=file)
    return name


def _attributions(
    results: Any, text: str, where: str, file: str
) -> tuple[list[Attribution], list[tuple[int, int]]]:
    if not isinstance(results, list):
        raise InputError("must be a list", file=file, field=f"{where}.result")
    regions: dict[str, tuple[str, TextSpan, str]] = {}
    links: dict[str, dict[str, str]] = {}
    extras: dict[str, dict[str, Any]] = {}
    for number, result in enumerate(results):
        r_where = f"{where}.result[{number}]"
        result = _object(result, r_where, file)
        kind = result.get("type")
        if kind == "relation":
            source, target = result.get("from_id"), result.get("to_id")
            if not isinstance(source, str) or not isinstance(target, str):
                raise InputError("a relation needs from_id and to_id", file=file, field=r_where)
            links.setdefault(target, {})[source] = r_where
            continue
        rid = result.get("id")
        value = _object(result.get("value"), f"{r_where}.value", file)
        if not isinstance(rid, str):
            raise InputError("a region needs its id", file=file, field=f"{r_where}.id")
        if kind == "labels":
            labels = value.get("labels")
            if not isinstance(labels, list) or len(labels) != 1 or labels[0] not in REGION_LABELS:
                raise InputError(
                    f"unknown labels {labels!r}",
                    file=file,
                    field=f"{r_where}.value.labels",
                    hint="one of " + ", ".join(REGION_LABELS),
                )
            regions[rid] = (labels[0], _checked_span(value, text, r_where, file), r_where)
        elif kind == "choices" and result.get("from_name") in ("source", "confidence"):
            choices = value.get("choices")
            if not isinstance(choices, list) or len(choices) != 1 or not isinstance(choices[0], str):
                raise InputError("expected one choice", file=file, field=f"{r_where}.value.choices")
            name = result["from_name"]
            if name == "confidence":
                if not choices[0].isdigit():
                    raise InputError(
                        f"not a number: {choices[0]!r}", file=file, field=f"{r_where}.value.choices"
                    )
                extras.setdefault(rid, {})["confidence"] = int(choices[0])
            else:
                extras.setdefault(rid, {})["source"] = choices[0]
        elif kind == "textarea" and result.get("from_name") == "fields":
            texts = value.get("text")
            try:
                parsed = orjson.loads(texts[0]) if isinstance(texts, list) and texts else None
            except (orjson.JSONDecodeError, TypeError):
                parsed = None
            extras.setdefault(rid, {})["fields"] = check_fields(parsed, file=file, line=None, where=r_where)
        # Other controls (a project's own) carry nothing a sentence label holds.
    attributions: list[Attribution] = []
    unlabelled: list[tuple[int, int]] = []
    for rid, (label, span, r_where) in regions.items():
        if label == "Unlabelled":
            unlabelled.append((span.start, span.end))
        if label != "Content":
            continue
        linked: dict[str, TextSpan] = {}
        for other, link_where in links.get(rid, {}).items():
            if other not in regions:
                raise InputError(
                    f"relation from {other!r}, which is not a region", file=file, field=link_where
                )
            other_label, other_span, _ = regions[other]
            if other_label not in ("Cue", "Source"):
                raise InputError(f"relation from a {other_label} region", file=file, field=link_where)
            linked[other_label] = other_span
        extra = extras.get(rid, {})
        # Our fields when we wrote the file; else what the project's choices say.
        fields = extra.get("fields") or {k: extra[k] for k in ("source", "confidence") if k in extra} or None
        attributions.append(
            Attribution(
                content=((span.start, span.end),),
                cue=linked.get("Cue"),
                mention=linked.get("Source"),
                fields=fields,
                where=r_where,
            )
        )
    return attributions, unlabelled


def _checked_span(value: dict[str, Any], text: str, where: str, file: str) -> TextSpan:
    start, end, span_text = value.get("start"), value.get("end"), value.get("text")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
        raise InputError(
            f"start {start!r}, end {end!r} are not a span of the text (0-{len(text)})",
            file=file,
            field=f"{where}.value",
        )
    if span_text is not None and span_text != text[start:end]:
        raise InputError(
            f"text {str(span_text)[:60]!r} differs from the task's {text[start:end][:60]!r}",
            file=file,
            field=f"{where}.value.text",
        )
    return TextSpan(start, end, text[start:end])
