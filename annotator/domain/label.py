"""One label's values, as every layer passes them around, the evidence a label may carry, and
the sentence revision a label is typed against."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.domain.errors import InputError
from annotator.domain.names import MAX_OTHER_SOURCE_NAME

# What a source key looks like (the JSON Schemas use the same pattern).
SOURCE_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# A `via` entry naming a source that is not on the article's list.
VIA_OTHER_PREFIX = "other:"
MAX_VIA = 8


@dataclass(frozen=True, slots=True)
class TextSpan:
    """A span of the document's text: ``document_text[start:end] == self.text``.

    Labels and suggestions carry their evidence (the cue, the words naming the source) as
    spans of the whole document, not of the sentence: a carried-over source is named in an
    earlier sentence.
    """

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class LabelValue:
    """What an annotator says about one sentence.

    ``cue`` and ``source_mention`` are the evidence; ``via`` is nested attribution: the
    sources the labelled source itself cites, outermost first (the Post cited an official
    citing intercepts: ``source="washington-post", via=("us-official", "intercepts")``).
    Each ``via`` entry is a key of the article's source list or ``"other:" + a name``.

    >>> LabelValue(is_claim=False).source is None
    True
    """

    is_claim: bool
    source: str | None = None
    source_other: str | None = None
    confidence: int | None = None
    note: str = ""
    flagged: bool = False
    cue: TextSpan | None = None
    source_mention: TextSpan | None = None
    via: tuple[str, ...] = ()

    def as_tuple(self) -> tuple[bool, str | None, str | None, int | None, str, bool]:
        """In the order of ``LABEL_FIELDS``: what the store's driver statements bind."""
        return (self.is_claim, self.source, self.source_other, self.confidence, self.note, self.flagged)

    def as_row(self) -> tuple[Any, ...]:
        """In the order of ``STORED_FIELDS``: a label's columns in the store. The evidence is
        kept as offsets (its words are the document's), ``via`` as None when the chain is empty."""
        cue, mention = self.cue, self.source_mention
        return (
            *self.as_tuple(),
            None if cue is None else cue.start,
            None if cue is None else cue.end,
            None if mention is None else mention.start,
            None if mention is None else mention.end,
            list(self.via) or None,
        )

    def evidence_json(self) -> dict[str, Any]:
        """The evidence as exports and the labelling panel carry it (see ``span_json``)."""
        return {
            "cue": span_json(self.cue),
            "source_mention": span_json(self.source_mention),
            "via": list(self.via),
        }


LABEL_FIELDS = ("is_claim", "source", "source_other", "confidence", "note", "flagged")
EVIDENCE_FIELDS = ("cue", "source_mention", "via")
"""The evidence fields of ``LabelValue``, by name."""
EVIDENCE_COLUMNS = ("cue_start", "cue_end", "mention_start", "mention_end", "via")
STORED_FIELDS = (*LABEL_FIELDS, *EVIDENCE_COLUMNS)
"""A label's columns in the store (label, label_history), in the order of ``LabelValue.as_row``."""


def stored_label(row: Sequence[Any], words: Callable[[int, int], str]) -> LabelValue:
    """The label whose ``STORED_FIELDS`` columns are ``row``; ``words(start, end)`` gives a
    span's words (the document's text there). Drivers hand booleans back as integers (SQLite)
    and ``via`` as JSON text or a list.

    >>> text = "Sessions said."
    >>> stored_label((True, "s", None, 5, "", 0, 0, 8, None, None, '["x"]'), lambda s, e: text[s:e]).cue
    TextSpan(start=0, end=8, text='Sessions')
    """
    is_claim, source, source_other, confidence, note, flagged, cue_start, cue_end, m_start, m_end, via = row

    def span(start: int | None, end: int | None) -> TextSpan | None:
        return None if start is None or end is None else TextSpan(start, end, words(start, end))

    return LabelValue(
        bool(is_claim),
        source,
        source_other,
        confidence,
        note or "",
        bool(flagged),
        cue=span(cue_start, cue_end),
        source_mention=span(m_start, m_end),
        via=stored_via(via),
    )


def stored_via(value: Any) -> tuple[str, ...]:
    """A stored ``via`` column (NULL, JSON text on SQLite, a list on PostgreSQL) as a chain."""
    if value is None:
        return ()
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return tuple(str(entry) for entry in value or ())


def span_json(span: TextSpan | None) -> dict[str, Any] | None:
    """A span as the JSONL formats and the labelling panel write it.

    >>> span_json(TextSpan(9, 13, "said"))
    {'char_start': 9, 'char_end': 13, 'text': 'said'}
    """
    return None if span is None else {"char_start": span.start, "char_end": span.end, "text": span.text}


def parse_span(data: Any, *, field: str, file: str | None = None, line: int | None = None) -> TextSpan | None:
    """A span read from JSON (``span_json``'s shape, or null); InputError naming the field when
    it has another shape. Whether it fits its document is ``evidence_problems``' question.

    >>> parse_span({"char_start": 9, "char_end": 13, "text": "said"}, field="cue")
    TextSpan(start=9, end=13, text='said')
    """
    if data is None:
        return None
    start, end, text = (data.get(k) for k in _SPAN_KEYS) if isinstance(data, Mapping) else (None,) * 3
    if (
        not (isinstance(start, int) and isinstance(end, int) and isinstance(text, str))
        or isinstance(start, bool)
        or isinstance(end, bool)
        or set(data) - set(_SPAN_KEYS)
    ):
        raise InputError(
            "needs char_start, char_end and text",
            file=file,
            line=line,
            field=field,
            hint='e.g. {"char_start": 9, "char_end": 13, "text": "said"}, or null',
        )
    return TextSpan(start, end, text)


def parse_via(data: Any, *, file: str | None = None, line: int | None = None) -> tuple[str, ...]:
    """A ``via`` chain read from JSON: a list of strings (null or absent: no chain).

    >>> parse_via(["us-official", "other:intercepts"])
    ('us-official', 'other:intercepts')
    """
    if data is None:
        return ()
    if not isinstance(data, list) or not all(isinstance(entry, str) for entry in data):
        raise InputError(
            "is a list of source keys or 'other:NAME' entries",
            file=file,
            line=line,
            field="via",
            hint='e.g. ["us-official", "other:intercepts"], or [] for none',
        )
    return tuple(data)


_SPAN_KEYS = ("char_start", "char_end", "text")


@dataclass(frozen=True, slots=True)
class EvidenceProblem:
    """Why a label's evidence does not fit its document: the field, and what is wrong."""

    field: str
    message: str


def evidence_problems(
    value: LabelValue,
    *,
    document_text: str,
    sentence_start: int,
    sentence_end: int,
    source_keys: frozenset[str] | set[str],
) -> list[EvidenceProblem]:
    """Everything wrong with a label's ``cue``, ``source_mention`` and ``via``; empty when fine.

    Rules: a span is non-empty, lies inside the document, and its text is the document's text
    at those offsets. The cue lies inside the sentence. The mention ends by the sentence's end
    (it may lie in an earlier sentence, for a carried-over source). Evidence belongs to a
    claim; ``via`` needs a source and names listed sources or ``other:`` names, each once.

    >>> text = "Sessions said no. He added more."
    >>> where = {"document_text": text, "sentence_start": 0, "sentence_end": 17, "source_keys": {"s"}}
    >>> evidence_problems(LabelValue(True, "s", cue=TextSpan(9, 13, "said")), **where)
    []
    >>> bad = LabelValue(True, "s", cue=TextSpan(21, 26, "added"))
    >>> [p.message for p in evidence_problems(bad, **where)]
    ['lies outside the sentence (characters 0-17)']
    """
    problems: list[EvidenceProblem] = []
    if not value.is_claim and (value.cue or value.source_mention or value.via):
        problems.append(
            EvidenceProblem("is_claim", "a sentence that is not a claim carries no cue, mention or via")
        )
    for name, span, limit_start in (
        ("cue", value.cue, sentence_start),
        ("source_mention", value.source_mention, 0),
    ):
        if span is None:
            continue
        if not 0 <= span.start < span.end <= len(document_text):
            problems.append(
                EvidenceProblem(
                    name,
                    f"span {span.start}-{span.end} is empty, reversed or outside the document "
                    f"(0-{len(document_text)})",
                )
            )
            continue
        if document_text[span.start : span.end] != span.text:
            problems.append(
                EvidenceProblem(
                    name,
                    f"text {span.text!r} differs from the document's "
                    f"{document_text[span.start : span.end]!r} at {span.start}-{span.end}",
                )
            )
        if span.start < limit_start or span.end > sentence_end:
            where = "the sentence" if name == "cue" else "the sentence or the text before it"
            problems.append(
                EvidenceProblem(name, f"lies outside {where} (characters {limit_start}-{sentence_end})")
            )
    if value.via:
        if value.source is None:
            problems.append(EvidenceProblem("via", "a chain needs the source that cites it"))
        if len(value.via) > MAX_VIA:
            problems.append(EvidenceProblem("via", f"has {len(value.via)} sources; at most {MAX_VIA}"))
        if len(set(value.via)) != len(value.via):
            problems.append(EvidenceProblem("via", "names a source twice"))
        for entry in value.via:
            if entry.startswith(VIA_OTHER_PREFIX):
                name = entry[len(VIA_OTHER_PREFIX) :]
                if not name.strip():
                    problems.append(
                        EvidenceProblem("via", f"{entry!r} needs a name after {VIA_OTHER_PREFIX!r}")
                    )
                elif len(name) > MAX_OTHER_SOURCE_NAME or not name.isprintable():
                    problems.append(
                        EvidenceProblem(
                            "via",
                            f"the name after {VIA_OTHER_PREFIX!r} is over {MAX_OTHER_SOURCE_NAME} "
                            "characters or holds control characters",
                        )
                    )
            elif entry not in source_keys:
                problems.append(
                    EvidenceProblem(
                        "via", f"{entry!r} is not a source of this article (use 'other:NAME' for others)"
                    )
                )
    return problems


def sentence_revision(char_start: int, char_end: int) -> str:
    """What a label is typed against: the sentence's span of the document's text.

    Merging or splitting a sentence changes its span (the text itself never changes), so a
    label typed on the old span is refused instead of landing on words the annotator never read.

    >>> sentence_revision(10, 42)
    '10-42'
    """
    return f"{char_start}-{char_end}"
