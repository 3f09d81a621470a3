"""One label's values, as every layer passes them around, the evidence a label may carry, and
the sentence revision a label is typed against."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


LABEL_FIELDS = ("is_claim", "source", "source_other", "confidence", "note", "flagged")
EVIDENCE_FIELDS = ("cue", "source_mention", "via")


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
                if not entry[len(VIA_OTHER_PREFIX) :].strip():
                    problems.append(
                        EvidenceProblem("via", f"{entry!r} needs a name after {VIA_OTHER_PREFIX!r}")
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
