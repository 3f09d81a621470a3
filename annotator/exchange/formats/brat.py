"""brat standoff in the PolNeAR/PARC shape: attributions as ``Source``, ``Cue`` and
``Content`` spans joined by an ``Attribution`` event.

Layout written by the export (brat's own: each ``.ann`` beside its ``.txt``)::

    DIR/annotation.conf             the types below, so brat opens the directory as it is
    DIR/ANNOTATOR/ARTICLE.txt       the article's text, as stored (offsets count its characters)
    DIR/ANNOTATOR/ARTICLE.ann       that annotator's attributions on it

The import also reads PolNeAR's layout: ``text/ARTICLE.txt`` and
``attributions/ARTICLE_ANNOTATOR.ann`` (the annotator is the part after the last ``_``).

One claim sentence is one attribution::

    T1  Source 1559 1578        The Washington Post
    T2  Cue 1580 1585           cited
    T3  Content 1559 1689       The Washington Post cited an unnamed US official …
    T4  Attribution 1580 1585   cited
    E1  Attribution:T4 Content:T3 Cue:T2 Source:T1
    #1  AnnotatorNotes E1       {"source": "washington-post", "confidence": 5,
                                 "via": ["us-official", "intercepts"]}   (one line in the file)

The event's trigger (``T4``) is the cue's span, as in PolNeAR (the Content span when there is
no cue); a claim without a source mention is an ``Attribution-no-source`` event with no
``Source`` argument. A binary brat relation cannot join three spans, which is why PolNeAR,
and this format, join them with an event. The note holds our fields spans do not carry
(source key, ``other`` name, confidence, note, flag, ``via``) as JSON; a note that is not
JSON becomes the label's note. Sentences the annotator has not labelled yet are covered by
``Unlabelled`` spans; every other sentence without Content is "not a claim" (the rule is in
:mod:`annotator.exchange.formats.records`). Also read: ``R`` lines ``Attribution Arg1:SOURCE
Arg2:CONTENT`` (a relation with no cue); ``A``, ``N`` and ``M`` lines are read past.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy.engine import Engine

from annotator.domain.errors import AnnotatorError, InputError
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
    stored_articles,
    stored_ids,
)
from annotator.exchange.import_labels import ImportReport
from annotator.exchange.schemas import load_label_schema

SPAN_TYPES = ("Source", "Cue", "Content", "Attribution", "Attribution-no-source", "Unlabelled")
EVENT_TYPES = ("Attribution", "Attribution-no-source")
ROLES = ("Source", "Cue", "Content")
NOTE_TYPE = "AnnotatorNotes"

ANNOTATION_CONF = """\
# Written by annotator's brat export (PolNeAR's attribution types, plus Unlabelled).
[entities]
Source
Cue
Content
Unlabelled

[relations]
<OVERLAP> Arg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>

[events]
Attribution Source?:Source, Cue?:Cue, Content:Content
Attribution-no-source Cue?:Cue, Content:Content

[attributes]
"""


@dataclass(frozen=True)
class _Span:
    type: str
    fragments: tuple[tuple[int, int], ...]
    text: str
    line: int


# ------------------------------------------------------------------ reading


def find_pairs(root: Path) -> list[tuple[Path, Path, str, str]]:
    """``(txt, ann, article id, annotator)`` of every ``.ann`` under ``root``, in either layout."""
    if root.is_file():
        if root.suffix != ".ann":
            raise InputError("not a brat .ann file or a directory of them", file=str(root))
        anns = [root]
    else:
        anns = sorted(root.rglob("*.ann"))
    if not anns:
        raise InputError(
            "no .ann files found", file=str(root), hint="give the directory that holds the .ann files"
        )
    pairs = []
    for ann in anns:
        beside = ann.with_suffix(".txt")
        if beside.is_file():
            pairs.append((beside, ann, ann.stem, ann.parent.name))
            continue
        stem, _, annotator = ann.stem.rpartition("_")
        polnear = ann.parent.parent / "text" / f"{stem}.txt"
        if stem and polnear.is_file():
            pairs.append((polnear, ann, stem, annotator))
            continue
        raise InputError(
            "no text for these annotations",
            file=str(ann),
            hint=f"expected {beside.name} beside it, or ../text/ARTICLE.txt for ARTICLE_ANNOTATOR.ann",
        )
    return pairs


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not valid UTF-8 at byte {error.start}", file=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", file=str(path)) from None


def parse_ann(content: str, *, text: str, file: str) -> tuple[list[Attribution], list[tuple[int, int]]]:
    """The attributions and Unlabelled spans of one ``.ann``; InputError naming file, line and
    annotation id (as the field) on anything this format does not allow."""
    spans: dict[str, _Span] = {}
    events: list[tuple[str, str, dict[str, str], int]] = []
    notes: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(content.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        ident, _, rest = line.partition("\t")
        kind = ident[:1]
        if kind == "T":
            spans[ident] = _parse_span(ident, rest, text=text, file=file, line=number)
        elif kind == "E":
            annotation, roles = _parse_event(ident, rest, file=file, line=number)
            events.append((ident, annotation, roles, number))
        elif kind == "R":
            events.append(_parse_relation(ident, rest, file=file, line=number))
        elif kind == "#":
            head, _, note = rest.partition("\t")
            note_type, _, target = head.partition(" ")
            if note_type == NOTE_TYPE:
                notes[target] = (note, number)
        elif kind in ("A", "N", "M"):
            continue  # attributes and normalisations carry nothing a sentence label holds
        else:
            raise InputError(
                f"unknown annotation {ident!r}",
                file=file,
                line=number,
                hint="brat lines start with T, E, R, A, N, M or #",
            )
    attributions = [_attribution(event, spans, notes, file=file) for event in events]
    unlabelled = [f for s in spans.values() if s.type == "Unlabelled" for f in s.fragments]
    return attributions, unlabelled


def _parse_span(ident: str, rest: str, *, text: str, file: str, line: int) -> _Span:
    head, tab, span_text = rest.partition("\t")
    type_name, _, offsets = head.partition(" ")
    if not tab:
        raise InputError(f"{ident}: expected 'TYPE START END<tab>TEXT'", file=file, line=line, field=ident)
    if type_name not in SPAN_TYPES:
        raise InputError(
            f"{ident}: unknown span type {type_name!r}",
            file=file,
            line=line,
            field=ident,
            hint="known: " + ", ".join(SPAN_TYPES),
        )
    fragments: list[tuple[int, int]] = []
    for fragment in offsets.split(";"):
        parts = fragment.split()
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise InputError(f"{ident}: bad offsets {fragment!r}", file=file, line=line, field=ident)
        start, end = int(parts[0]), int(parts[1])
        if not start < end <= len(text):
            raise InputError(
                f"{ident}: offsets {start}-{end} are empty, reversed or outside the text (0-{len(text)})",
                file=file,
                line=line,
                field=ident,
            )
        fragments.append((start, end))
    expected = " ".join(text[s:e] for s, e in fragments)
    if span_text != expected:
        raise InputError(
            f"{ident}: text {span_text[:60]!r} differs from the text at {offsets} ({expected[:60]!r})",
            file=file,
            line=line,
            field=ident,
            hint="is this .ann for this .txt?",
        )
    return _Span(type_name, tuple(fragments), span_text, line)


def _parse_event(ident: str, rest: str, *, file: str, line: int) -> tuple[str, dict[str, str]]:
    parts = rest.split()
    if not parts or ":" not in parts[0]:
        raise InputError(f"{ident}: expected 'TYPE:TRIGGER ROLE:ID ...'", file=file, line=line, field=ident)
    type_name, _, trigger = parts[0].partition(":")
    if type_name not in EVENT_TYPES:
        raise InputError(
            f"{ident}: unknown event type {type_name!r}",
            file=file,
            line=line,
            field=ident,
            hint="known: " + ", ".join(EVENT_TYPES),
        )
    roles = {"": trigger}
    for part in parts[1:]:
        role, _, target = part.partition(":")
        if role not in ROLES:
            raise InputError(
                f"{ident}: unknown role {role!r}",
                file=file,
                line=line,
                field=ident,
                hint="known: " + ", ".join(ROLES),
            )
        if role in roles:
            raise InputError(f"{ident}: role {role} given twice", file=file, line=line, field=ident)
        roles[role] = target
    return type_name, roles


def _parse_relation(ident: str, rest: str, *, file: str, line: int) -> tuple[str, str, dict[str, str], int]:
    parts = rest.split()
    if len(parts) != 3 or parts[0] != "Attribution":
        raise InputError(
            f"{ident}: expected 'Attribution Arg1:SOURCE Arg2:CONTENT'", file=file, line=line, field=ident
        )
    args = dict(part.partition(":")[::2] for part in parts[1:])
    if set(args) != {"Arg1", "Arg2"}:
        raise InputError(
            f"{ident}: needs Arg1 (the Source) and Arg2 (the Content)", file=file, line=line, field=ident
        )
    return ident, "Attribution", {"Source": args["Arg1"], "Content": args["Arg2"]}, line


def _attribution(
    event: tuple[str, str, dict[str, str], int],
    spans: dict[str, _Span],
    notes: dict[str, tuple[str, int]],
    *,
    file: str,
) -> Attribution:
    ident, _type, roles, line = event
    found: dict[str, _Span] = {}
    for role, target in roles.items():
        span = spans.get(target)
        if span is None:
            raise InputError(
                f"{ident}: {role or 'trigger'} {target!r} is not a T annotation of this file",
                file=file,
                line=line,
                field=ident,
            )
        if role and span.type != role:
            raise InputError(
                f"{ident}: {role} {target} is a {span.type} span", file=file, line=line, field=ident
            )
        found[role] = span
    if "Content" not in found:
        raise InputError(f"{ident}: an attribution needs its Content", file=file, line=line, field=ident)
    fields = None
    if ident in notes:
        note, note_line = notes[ident]
        try:
            parsed = orjson.loads(note)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            fields = check_fields(parsed, file=file, line=note_line, where=f"note on {ident}")
        else:
            fields = {"note": note}
    return Attribution(
        content=found["Content"].fragments,
        cue=_text_span(found.get("Cue")),
        mention=_text_span(found.get("Source")),
        fields=fields,
        where=f"line {line} ({ident})",
    )


def _text_span(span: _Span | None) -> TextSpan | None:
    """A label's evidence is one span: a discontinuous Source or Cue keeps its first piece."""
    if span is None:
        return None
    start, end = span.fragments[0]
    text = span.text if len(span.fragments) == 1 else span.text[: end - start]
    return TextSpan(start, end, text)


def read_brat(engine: Engine, root: Path) -> Iterator[tuple[AnnotatedArticle, bool]]:
    """Each article under ``root`` with every annotator's labels, checked, one article at a
    time (True: the article is not stored yet); nothing is written."""
    schema = load_label_schema()
    by_article: dict[str, list[tuple[Path, Path, str]]] = {}
    for txt, ann, article_id, annotator in find_pairs(root):
        check_identifier(article_id, field="article id (file name)", file=str(ann))
        check_user_name(annotator, field="annotator (directory or file name)", file=str(ann))
        by_article.setdefault(article_id, []).append((txt, ann, annotator))
    known = stored_ids(engine)
    for article_id, files in by_article.items():
        first_txt = files[0][0]
        text = read_text(first_txt)
        title = next((line.strip() for line in text.split("\n") if line.strip()), article_id)[:200]
        article, new = resolve_article(
            engine, id=article_id, title=title, text=text, file=str(first_txt), stored_ids=known
        )
        labels: dict[str, dict[int, LabelValue]] = {}
        for txt, ann, annotator in files:
            if txt != first_txt and read_text(txt) != text:
                raise InputError(
                    f"the text of {article_id!r} differs from {first_txt}",
                    file=str(txt),
                    hint="one article, one text",
                )
            if annotator in labels:
                raise InputError(f"a second .ann for {article_id!r} by {annotator!r}", file=str(ann))
            attributions, unlabelled = parse_ann(read_text(ann), text=text, file=str(ann))
            labels[annotator] = sentence_labels(
                article, attributions, unlabelled=unlabelled, file=str(ann), schema=schema
            )
        yield AnnotatedArticle(article, labels), new


def import_brat(engine: Engine, root: Path) -> ImportReport:
    """Import a directory of brat files (articles and labels), all checked before anything is written."""
    return store_annotated(engine, read_brat(engine, root), file=str(root))


# ------------------------------------------------------------------ writing


def ann_lines(text: str, sentences: Sequence[tuple[int, int]], labels: dict[int, LabelValue]) -> list[str]:
    """The ``.ann`` lines of one annotator's labels on one article (without newlines)."""
    lines: list[str] = []
    span_ids: dict[tuple[str, int, int], str] = {}

    def span(type_name: str, start: int, end: int) -> str:
        key = (type_name, start, end)
        if key not in span_ids:
            span_ids[key] = f"T{len(span_ids) + 1}"
            lines.append(f"{span_ids[key]}\t{type_name} {start} {end}\t{text[start:end]}")
        return span_ids[key]

    events = 0
    for index, (start, end) in enumerate(sentences):
        value = labels.get(index)
        if value is None:
            span("Unlabelled", start, end)
            continue
        if not value.is_claim:
            continue
        roles = [f"Content:{span('Content', start, end)}"]
        if value.cue is not None:
            roles.append(f"Cue:{span('Cue', value.cue.start, value.cue.end)}")
        if value.source_mention is not None:
            roles.append(f"Source:{span('Source', value.source_mention.start, value.source_mention.end)}")
        kind = "Attribution" if value.source_mention is not None else "Attribution-no-source"
        trigger = value.cue or TextSpan(start, end, "")
        events += 1
        lines.append(f"E{events}\t{kind}:{span(kind, trigger.start, trigger.end)} {' '.join(roles)}")
        lines.append(f"#{events}\t{NOTE_TYPE} E{events}\t{orjson.dumps(label_fields(value)).decode()}")
    return lines


def export_brat(
    engine: Engine,
    out: Path,
    *,
    document_id: str | None = None,
    annotators: Sequence[str] | None = None,
) -> int:
    """Write every labelled article as brat files under ``out`` (a new or empty directory);
    return the number of ``.ann`` files. Written into a temporary directory beside ``out``
    and renamed into place when complete."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            "exists and is not an empty directory",
            file=str(out),
            hint="brat writes a directory: name a new one",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    count = 0
    try:
        (work / "annotation.conf").write_text(ANNOTATION_CONF, encoding="utf-8")
        for item in stored_articles(engine, document_id=document_id, annotators=annotators):
            article = item.article
            sentences = [(s.start, s.end) for s in article.sentences]
            for annotator, labels in item.labels.items():
                folder = work / _file_safe(annotator)
                folder.mkdir(exist_ok=True)
                (folder / f"{_file_safe(article.id)}.txt").write_bytes(article.text.encode("utf-8"))
                lines = ann_lines(article.text, sentences, labels)
                (folder / f"{_file_safe(article.id)}.ann").write_bytes(
                    "".join(line + "\n" for line in lines).encode("utf-8")
                )
                count += 1
        if out.exists():
            out.rmdir()
        os.replace(work, out)
    except OSError as error:
        shutil.rmtree(work, ignore_errors=True)
        raise AnnotatorError(f"could not write {out}: {error.strerror}") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return count


def _file_safe(name: str) -> str:
    # Ids and names are checked where they enter (no '/', no leading '.'); these keep them so.
    if name.startswith(".") or "/" in name or "\\" in name:
        raise InputError(f"{name!r} cannot name a file", hint="rename it before exporting to brat")
    return name
