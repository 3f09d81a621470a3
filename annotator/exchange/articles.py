"""Reading article files into :class:`ArticleDraft` objects, ready to be stored.

Accepted formats (by file extension):

``.txt``
    A web page or an article saved as text.  The stored text is the file's text
    unchanged (decoded as UTF-8; a leading byte-order mark is not text and is dropped).
    Page furniture is left out of the sentences by :mod:`annotator.domain.boilerplate`;
    the id is the file stem and the title the guessed headline (else the stem).
``.html`` / ``.htm``
    A web page.  trafilatura extracts the article; the stored text is the extracted
    text, one paragraph per line.  Lines of the page that did not make it into the
    extracted text are reported as dropped.
``.json`` / ``.jsonl``
    Records ``{"id", "title", "text", "url"?, "published"?, "sources"?}``: one record or a
    list of records (``.json``), one record per line (``.jsonl``).  The text of a record is
    trusted: every non-blank line is a paragraph, nothing is dropped.  A record without
    ``sources`` gets the sources given to the reader.

Limits: a file may not exceed :data:`MAX_FILE_BYTES` (a web page :data:`MAX_HTML_BYTES`)
and a line of text (a ``.txt`` line, a ``.jsonl`` line, a line of a record's text, a
paragraph of a web page) may not exceed :data:`MAX_LINE_CHARS` characters: the segmenter
works a paragraph at a time and a multi-megabyte paragraph is a broken file, not an article.

Every problem is an :class:`InputError` naming the file, the line and the field.
Reading is all-or-nothing: :func:`read_articles` reads and checks every file before it
returns, so the caller stores nothing unless nothing raised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import orjson
import trafilatura
import yaml
from trafilatura.utils import load_html

from annotator.domain.article import ArticleDraft, DroppedBlock, SourceSpec
from annotator.domain.boilerplate import Block, classify_blocks, furniture_reason, guess_title
from annotator.domain.errors import InputError
from annotator.domain.label import SOURCE_KEY
from annotator.domain.names import check_free_text, check_identifier
from annotator.domain.segmentation import split_sentences
from annotator.exchange.strict_json import RepeatedKeyError, check_no_repeated_keys

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "MAX_FILE_BYTES",
    "MAX_HTML_BYTES",
    "MAX_LINE_CHARS",
    "SAMPLE_ID",
    "article_from_html",
    "article_from_text",
    "article_from_trusted_text",
    "load_sample_article",
    "read_articles",
    "read_records",
    "read_sources_file",
    "read_upload",
]

MAX_LINE_CHARS = 2_000_000
"""Longest accepted line of text, in characters (2 MB of ASCII)."""

MAX_FILE_BYTES = 50_000_000
"""Largest accepted file, in bytes."""

MAX_HTML_BYTES = 5_000_000
"""Largest accepted web page, in bytes: trafilatura needs about 10 s a megabyte of text."""

ACCEPTED_EXTENSIONS = (".txt", ".html", ".htm", ".json", ".jsonl")

"""Source keys: short, lowercase, usable in URLs, file names and keyboard shortcuts."""

SAMPLE_ID = "france24-sessions-kislyak"
_SAMPLE_DIR = "data/sample"

_RECORD_FIELDS = ("id", "title", "text", "url", "published", "sources")
_SOURCE_FIELDS = ("key", "label", "aliases")
_MAX_ID_CHARS = 200
_TITLE_REASON = "headline (used as the title)"
_HTML_DROPPED_REASON = "not part of the extracted article"

# Block-level HTML elements: their text starts a new line when the page is read as lines.
_HTML_BLOCK_TAG_NAMES = """
    address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3
    h4 h5 h6 header hr li main nav ol p pre section table td th tr ul
"""
_HTML_BLOCK_TAGS = frozenset(_HTML_BLOCK_TAG_NAMES.split())
# Characters scanned at most when looking for page lines inside the extracted text.
_SUBSTRING_BUDGET = 200_000_000
_HTML_INVISIBLE = "//head|//script|//style|//noscript|//template|//svg|//iframe"


class _Located(NamedTuple):
    """A draft and where it came from, for error messages about it."""

    draft: ArticleDraft
    file: str
    line: int | None
    field_prefix: str


# --------------------------------------------------------------------------- files


def read_articles(
    paths: Sequence[Path],
    *,
    sources: Sequence[SourceSpec] = (),
    on_progress: Callable[[int], None] | None = None,
) -> list[ArticleDraft]:
    """Read and check every file; return all drafts or raise the first :class:`InputError`.

    ``sources`` are the sources of ``.txt`` and ``.html`` articles and of records that do
    not list their own.  Ids must be unique across all the files. ``on_progress`` is told
    how many files are read, after each.
    """
    located: list[_Located] = []
    for done, path in enumerate(paths, start=1):
        located.extend(_read_located(str(path), _read_bytes(path), sources))
        if on_progress is not None:
            on_progress(done)
    _check_unique_ids(located)
    return [item.draft for item in located]


def read_upload(name: str, data: bytes, *, sources: Sequence[SourceSpec] = ()) -> list[ArticleDraft]:
    """Read one file given as bytes (an upload); ``name`` gives the format and the id."""
    located = _read_located(name, data, sources)
    _check_unique_ids(located)
    return [item.draft for item in located]


def _read_located(name: str, data: bytes, sources: Sequence[SourceSpec]) -> list[_Located]:
    """Drafts of one file with their locations, dispatching on the extension."""
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED_EXTENSIONS:
        raise InputError(
            f"unsupported file type '{suffix or '(none)'}'",
            file=name,
            hint="accepted extensions: " + ", ".join(ACCEPTED_EXTENSIONS),
        )
    limit = MAX_HTML_BYTES if suffix in (".html", ".htm") else MAX_FILE_BYTES
    if len(data) > limit:
        raise _file_too_large(name, len(data), limit)
    if suffix in (".json", ".jsonl"):
        return _read_records_located(data, name, sources)
    text = _decode(data, name)
    stem = Path(name).stem
    if suffix == ".txt":
        draft = article_from_text(text, id=stem, sources=sources, origin=name)
    else:
        draft = article_from_html(text, id=stem, sources=sources, origin=name)
    return [_Located(draft, name, None, "")]


def read_sources_file(path: Path) -> list[SourceSpec]:
    """Read sources from a JSON or YAML file.

    The file holds a list of ``{"key", "label", "aliases"?}``, or an object with such a
    list under ``"sources"`` (as the sample's metadata file does).
    """
    return read_sources(str(path), _read_bytes(path))


def read_sources(name: str, data: bytes) -> list[SourceSpec]:
    """Read sources from the bytes of a JSON or YAML file called ``name`` (an upload)."""
    text = _decode(data, name)
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        data = _parse_json(text, name, line=None)
    elif suffix in (".yaml", ".yml"):
        data = _parse_yaml(text, name)
    else:
        raise InputError(
            f"unsupported sources file type '{suffix or '(none)'}'",
            file=name,
            hint="use .json, .yaml or .yml",
        )
    if isinstance(data, dict) and "sources" in data:
        data = data["sources"]
    return list(_parse_sources(data, file=name, line=None, field="sources"))


def load_sample_article() -> ArticleDraft:
    """The packaged sample article with its sources, id and title."""
    sample = resources.files("annotator").joinpath(_SAMPLE_DIR)
    text_name = f"{SAMPLE_ID}.txt"
    meta_name = f"{SAMPLE_ID}.sources.json"
    text = _decode(sample.joinpath(text_name).read_bytes(), text_name)
    meta = _parse_json(_decode(sample.joinpath(meta_name).read_bytes(), meta_name), meta_name)
    if not isinstance(meta, dict):
        raise InputError("expected an object with id, title and sources", file=meta_name)
    draft = article_from_text(
        text,
        id=_string(meta, "id", file=meta_name, line=None, prefix=""),
        title=_string(meta, "title", file=meta_name, line=None, prefix=""),
        sources=tuple(_parse_sources(meta.get("sources"), file=meta_name, line=None)),
        origin=f"annotator/{_SAMPLE_DIR}/{text_name}",
    )
    published = _optional_string(meta, "published", file=meta_name, line=None, prefix="")
    return replace(draft, published=published or draft.published)


# ----------------------------------------------------------------- text and html


def article_from_text(
    text: str,
    *,
    id: str,
    title: str | None = None,
    sources: Sequence[SourceSpec] = (),
    origin: str = "",
) -> ArticleDraft:
    """An article from plain text (a saved web page): furniture is dropped, text kept as is."""
    where = origin or id
    long_line = _first_long_line(text)
    if long_line is not None:
        number, length = long_line
        raise _too_long(f"line too long: {length:,} characters", file=where, line=number)
    blocks = classify_blocks(text)
    kept = [(b.start, b.end) for b in blocks if b.kept]
    sentences = split_sentences(text, kept)
    if not sentences:
        raise _empty_article(where, hint="only page furniture or blank lines")
    headline = guess_title(text, blocks)
    return ArticleDraft(
        id=id,
        title=title or headline or id,
        text=text,
        sentences=tuple(sentences),
        sources=tuple(sources),
        dropped=tuple(_dropped_blocks(text, blocks, headline)),
        published=_published_date(text, blocks),
        origin=origin,
    )


def article_from_html(
    html_text: str,
    *,
    id: str,
    title: str | None = None,
    sources: Sequence[SourceSpec] = (),
    origin: str = "",
    url: str | None = None,
) -> ArticleDraft:
    """An article from a web page: trafilatura's extracted text, one paragraph per line."""
    where = origin or id
    page_lines = _html_text_lines(html_text)
    longest = max(map(len, page_lines), default=0)
    if longest > MAX_LINE_CHARS:
        raise _too_long(f"a paragraph of the page is too long: {longest:,} characters", file=where)
    document = trafilatura.bare_extraction(
        html_text,
        url=url,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        with_metadata=True,
    )
    extracted = getattr(document, "text", None) or ""
    page_title = title or getattr(document, "title", None) or None
    paragraphs: list[tuple[int, int]] = []
    dropped: list[DroppedBlock] = []
    for number, (start, end) in enumerate(_line_spans(extracted)):
        line = extracted[start:end]
        headline = _same_text(line, page_title) or (number == 0 and _starts_title(line, page_title))
        reason = _TITLE_REASON if headline else furniture_reason(line)
        if reason:
            dropped.append(DroppedBlock(line, reason))
        else:
            paragraphs.append((start, end))
    sentences = split_sentences(extracted, paragraphs)
    if not sentences:
        raise _empty_article(where, hint="no article text found in the page")
    dropped.extend(_lines_left_out(page_lines, extracted))
    return ArticleDraft(
        id=id,
        title=page_title or id,
        text=extracted,
        sentences=tuple(sentences),
        sources=tuple(sources),
        dropped=tuple(dropped),
        url=url or getattr(document, "url", None) or None,
        published=getattr(document, "date", None) or None,
        origin=origin,
    )


def _dropped_blocks(text: str, blocks: Sequence[Block], headline: str | None) -> Iterator[DroppedBlock]:
    """Dropped blocks as shown to the user; the headline says that it became the title."""
    for block in blocks:
        if block.kept:
            continue
        content = text[block.start : block.end]
        reason = _TITLE_REASON if _same_text(content, headline) else block.reason
        yield DroppedBlock(content, reason)


def _published_date(text: str, blocks: Sequence[Block]) -> str | None:
    """The date of a "Date created : 2017-07-22" line, if the page has one."""
    for block in blocks:
        if block.reason == "publication date":
            value = text[block.start : block.end].partition(":")[2].strip()
            return value or None
    return None


def _lines_left_out(page_lines: Sequence[str], extracted: str) -> Iterator[DroppedBlock]:
    """Text lines of the page that are not in the extracted text (navigation, footer...).

    A page line counts as kept if it is a line of the extracted text or, within a work
    budget, part of one (the extractor may join inline blocks).
    """
    kept_text = " ".join(extracted.split())
    kept_lines = {" ".join(line.split()) for line in extracted.split("\n")}
    budget = _SUBSTRING_BUDGET
    seen: set[str] = set()
    for line in page_lines:
        if line in seen or line in kept_lines:
            continue
        seen.add(line)
        budget -= len(kept_text)
        if budget >= 0 and line in kept_text:
            continue
        yield DroppedBlock(line, furniture_reason(line) or _HTML_DROPPED_REASON)


def _html_text_lines(html_text: str) -> list[str]:
    """The visible text of a page, one line per block element, whitespace normalised."""
    try:
        tree: Any = load_html(html_text)
    except (TypeError, ValueError):
        return []
    if tree is None:
        return []
    for element in tree.xpath(_HTML_INVISIBLE):
        if element.getparent() is not None:
            element.drop_tree()  # keeps the text that follows the element
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _HTML_BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    content: str = tree.text_content()
    return [" ".join(line.split()) for line in content.split("\n") if line.strip()]


# ----------------------------------------------------------------------- records


def read_records(data: bytes, *, name: str, sources: Sequence[SourceSpec] = ()) -> list[ArticleDraft]:
    """Read ``.json`` (one record or a list) or ``.jsonl`` (one record a line) records.

    ``name`` is used in error messages and its extension picks the format.
    """
    located = _read_records_located(data, name, sources)
    _check_unique_ids(located)
    return [item.draft for item in located]


def _read_records_located(data: bytes, name: str, sources: Sequence[SourceSpec]) -> list[_Located]:
    """Records of one file with their line (JSONL) or list index (JSON)."""
    text = _decode(data, name)
    located: list[_Located] = []
    if name.lower().endswith(".jsonl"):
        for number, line in _numbered_lines(text, name):
            if line.strip():
                record = _parse_json(line, name, line=number)
                draft = _record_article(record, name, number, "", sources)
                located.append(_Located(draft, name, number, ""))
    else:
        parsed = _parse_json(text, name, line=None)
        records = parsed if isinstance(parsed, list) else [parsed]
        for index, record in enumerate(records):
            prefix = f"[{index}]." if isinstance(parsed, list) else ""
            draft = _record_article(record, name, None, prefix, sources)
            located.append(_Located(draft, name, None, prefix))
    if not located:
        raise InputError("no records found", file=name, hint="the file holds no record")
    return located


def _record_article(
    record: object,
    file: str,
    line: int | None,
    prefix: str,
    default_sources: Sequence[SourceSpec],
) -> ArticleDraft:
    """Validate one record and turn it into a draft; ``prefix`` locates it in a JSON list."""
    if not isinstance(record, dict):
        raise InputError(
            f"expected a record object, not {_json_type(record)}",
            file=file,
            line=line,
            field=prefix.rstrip(".") or None,
            hint='a record is {"id": ..., "title": ..., "text": ...}',
        )
    _reject_unknown_fields(record, _RECORD_FIELDS, file=file, line=line, prefix=prefix)
    article_id = _string(record, "id", file=file, line=line, prefix=prefix)
    if len(article_id) > _MAX_ID_CHARS:
        raise InputError(
            f"id too long ({len(article_id)} characters, the limit is {_MAX_ID_CHARS})",
            file=file,
            line=line,
            field=f"{prefix}id",
        )
    title = _string(record, "title", file=file, line=line, prefix=prefix)
    text = _string(record, "text", file=file, line=line, prefix=prefix)
    url = _optional_string(record, "url", file=file, line=line, prefix=prefix)
    published = _optional_string(record, "published", file=file, line=line, prefix=prefix)
    if "sources" in record:
        sources = tuple(_parse_sources(record["sources"], file=file, line=line, field=f"{prefix}sources"))
    else:
        sources = tuple(default_sources)
    where = f"{file}:{line}" if line is not None else file
    draft = article_from_trusted_text(
        text, id=article_id, title=title, sources=sources, file=file, line=line, field=f"{prefix}text"
    )
    return replace(draft, url=url, published=published, origin=where)


def article_from_trusted_text(
    text: str,
    *,
    id: str,
    title: str,
    sources: Sequence[SourceSpec] = (),
    file: str,
    line: int | None = None,
    field: str = "text",
) -> ArticleDraft:
    """An article whose text is trusted as it is (a record, a corpus file): every non-blank
    line is a paragraph and nothing is dropped, so offsets of annotations made on the text
    (brat, Label Studio) stay valid."""
    long_line = _first_long_line(text)
    if long_line is not None:
        number, length = long_line
        message = f"line {number} of the text is too long: {length:,} characters"
        raise _too_long(message, file=file, line=line, field=field)
    sentences = split_sentences(text, _line_spans(text))
    if not sentences:
        raise _empty_article(f"article '{id}'", file=file, line=line)
    return ArticleDraft(
        id=id, title=title, text=text, sentences=tuple(sentences), sources=tuple(sources), origin=file
    )


def _string(record: dict[str, Any], key: str, *, file: str, line: int | None, prefix: str) -> str:
    """A required, non-blank string field."""
    if key not in record:
        raise InputError(
            "missing required field",
            file=file,
            line=line,
            field=f"{prefix}{key}",
            hint="a record needs id, title and text",
        )
    value = record[key]
    if not isinstance(value, str):
        raise InputError(
            f"must be a string, not {_json_type(value)}", file=file, line=line, field=f"{prefix}{key}"
        )
    if not value.strip():
        raise InputError(f"empty {key}", file=file, line=line, field=f"{prefix}{key}")
    return value


def _optional_string(
    record: dict[str, Any], key: str, *, file: str, line: int | None, prefix: str
) -> str | None:
    """An optional string field; absent, null or blank means None."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(
            f"must be a string or null, not {_json_type(value)}",
            file=file,
            line=line,
            field=f"{prefix}{key}",
        )
    return value.strip() or None


def _reject_unknown_fields(
    obj: dict[str, Any], accepted: Sequence[str], *, file: str, line: int | None, prefix: str
) -> None:
    for key in obj:
        if key not in accepted:
            raise InputError(
                "unknown field",
                file=file,
                line=line,
                field=f"{prefix}{key}",
                hint="accepted fields: " + ", ".join(accepted),
            )


def _parse_sources(
    data: object, *, file: str, line: int | None, field: str = "sources"
) -> Iterator[SourceSpec]:
    """Validate a list of ``{"key", "label", "aliases"?}``: key syntax, no duplicate keys."""
    if not isinstance(data, list):
        raise InputError(
            f"must be a list of sources, not {_json_type(data)}", file=file, line=line, field=field
        )
    seen: set[str] = set()
    for index, item in enumerate(data):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise InputError(
                f"a source must be an object, not {_json_type(item)}",
                file=file,
                line=line,
                field=where,
                hint='e.g. {"key": "washington-post", "label": "The Washington Post"}',
            )
        _reject_unknown_fields(item, _SOURCE_FIELDS, file=file, line=line, prefix=f"{where}.")
        key = _string(item, "key", file=file, line=line, prefix=f"{where}.")
        if not SOURCE_KEY.fullmatch(key):
            raise InputError(
                f"invalid source key {key!r}",
                file=file,
                line=line,
                field=f"{where}.key",
                hint="use 1-64 lowercase letters, digits, '-' or '_', starting with a letter or digit",
            )
        if key in seen:
            raise InputError(f"duplicate source key {key!r}", file=file, line=line, field=f"{where}.key")
        seen.add(key)
        label = _string(item, "label", file=file, line=line, prefix=f"{where}.")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise InputError("must be a list of strings", file=file, line=line, field=f"{where}.aliases")
        yield SourceSpec(key=key, label=label.strip(), aliases=tuple(a.strip() for a in aliases))


# ----------------------------------------------------------------------- helpers


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, with a clean error for missing, unreadable or huge files."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _file_too_large(name, size, MAX_FILE_BYTES)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=name) from None
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", file=name) from None


def _file_too_large(name: str, size: int, limit: int) -> InputError:
    return InputError(
        f"file too large: {size:,} bytes, the limit is {limit:,}",
        file=name,
        hint="split it into several files",
    )


def _decode(data: bytes, name: str) -> str:
    """UTF-8 text; a leading byte-order mark is an encoding signature, not text."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"not valid UTF-8 at byte {error.start}",
            file=name,
            line=line,
            hint="save the file as UTF-8",
        ) from None


def _parse_json(text: str, file: str, line: int | None = None) -> Any:
    """Parse JSON; the error names the line (of the file, or the JSONL line) and column."""
    try:
        value = orjson.loads(text)
        if isinstance(value, dict | list):
            check_no_repeated_keys(text)
        return value
    except RepeatedKeyError as repeated:
        raise InputError(
            f"the key {repeated.key!r} appears twice in one object",
            file=file,
            line=line,
            hint="keep one value per key (JSON readers disagree on which one counts)",
        ) from None
    except orjson.JSONDecodeError as error:
        at_line = line if line is not None else error.lineno
        column = f", column {error.colno}" if line is None else f" at character {error.pos + 1}"
        raise InputError(
            f"not valid JSON: {error.msg}{column}",
            file=file,
            line=at_line,
            hint="check quotes, commas and brackets",
        ) from None


def _parse_yaml(text: str, file: str) -> Any:
    """Parse YAML; the error names the line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or "syntax error"
        raise InputError(f"not valid YAML: {problem}", file=file, line=line) from None


def _numbered_lines(text: str, file: str) -> Iterator[tuple[int, str]]:
    """Lines with their 1-based numbers; a line over the size cap is an error."""
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise _too_long(f"line too long: {len(line):,} characters", file=file, line=number)
        yield number, line


def _first_long_line(text: str) -> tuple[int, int] | None:
    """``(number, length)`` of the first line over :data:`MAX_LINE_CHARS`, if any.

    Checked before any slow work on the text; ``str.find`` keeps it linear.
    """
    if len(text) <= MAX_LINE_CHARS:
        return None
    start = 0
    number = 1
    while start <= len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        if end - start > MAX_LINE_CHARS:
            return number, end - start
        start = end + 1
        number += 1
    return None


def _too_long(message: str, *, file: str, line: int | None = None, field: str | None = None) -> InputError:
    return InputError(
        f"{message}, the limit is {MAX_LINE_CHARS:,} per line",
        file=file,
        line=line,
        field=field,
        hint="is this really an article? break long paragraphs into lines",
    )


def _line_spans(text: str) -> list[tuple[int, int]]:
    """Every non-blank line as a paragraph span, without surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    for match in re.finditer(r"[^\n]+", text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def _check_unique_ids(located: Sequence[_Located]) -> None:
    """Ids fit file names and terminals, text holds no control characters, and two articles of
    one import do not share an id."""
    first: dict[str, _Located] = {}
    for item in located:
        file, line, prefix = item.file, item.line, item.field_prefix
        check_identifier(item.draft.id, field=f"{prefix}id", file=file, line=line)
        check_free_text(item.draft.title, field=f"{prefix}title", file=file, line=line)
        check_free_text(item.draft.text, field=f"{prefix}text", file=file, line=line)
        earlier = first.setdefault(item.draft.id, item)
        if earlier is not item:
            where = earlier.file if earlier.line is None else f"{earlier.file}:{earlier.line}"
            raise InputError(
                f"duplicate id {item.draft.id!r}",
                file=item.file,
                line=item.line,
                field=f"{item.field_prefix}id",
                hint=f"already used in {where}; ids must be unique in one import",
            )


def _empty_article(
    what: str, *, file: str | None = None, line: int | None = None, hint: str | None = None
) -> InputError:
    return InputError(
        f"empty article: no sentences found in {what}",
        file=file if file is not None else what,
        line=line,
        hint=hint,
    )


def _same_text(a: str, b: str | None) -> bool:
    """Equal up to whitespace."""
    return b is not None and a.split() == b.split()


def _starts_title(line: str, title: str | None) -> bool:
    """True for a first line that is the page title without its " | Site name" suffix."""
    if title is None or line.rstrip().endswith((".", "!", "?", "”", '"')):
        return False
    words, title_words = line.split(), title.split()
    return len(words) >= 2 and title_words[: len(words)] == words


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
