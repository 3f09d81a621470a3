"""Sentence segmentation for news text: syntok per paragraph, plus a few post-rules.

Why syntok: it was best on the seed article and on our news edge cases, gives exact
character offsets and runs in linear time per paragraph (see
``shared/notes/segmentation.md``).  Two things about it matter here:

* We always slice the original text by offsets and never join tokens: syntok rewrites
  "n't" to "not" when tokens are joined.
* ``Tokenizer.tokenize(text, base_offset)`` pads the text with ``base_offset`` spaces,
  so feeding it absolute offsets makes a long document quadratic.  We tokenize each
  paragraph on its own and add the paragraph offset ourselves.

The post-rules below fix the syntok failures we measured on news text.  Each one is a
cheap regular expression over the paragraph or a check of a sentence's first/last few
characters, so that segmentation stays as fast as syntok itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from syntok.segmenter import segment as _syntok_segment
from syntok.tokenizer import Tokenizer

from annotator.domain.article import SentenceSpan

__all__ = ["split_sentences", "sentence_spans"]

Span = tuple[int, int]

# Offsets are all we use, so the "n't" rewriting option does not matter; keep the text
# as it is anyway so that token values can be compared with the text when debugging.
_TOKENIZER = Tokenizer(replace_not_contraction=False)

# A new list item starts on a new line: "- one", "• two", "1. three", "b) four".
# syntok merges such lines (no final period) or cuts after "1.", so list items are
# segmented one by one.
_LIST_ITEM_START = re.compile(r"\n[ \t]*(?=(?:[-*•·▪●–—]|\d{1,3}[.)]|[A-Za-z][.)])[ \t])")

# --- Extra sentence boundaries (syntok misses them); a match ends where the next
# sentence starts, on a non-space character.

# A URL or e-mail address ending a sentence: syntok reads "gov." or "/x." as an
# abbreviation and runs on into the next sentence.
_URL_OR_EMAIL_END = re.compile(
    r"(?:(?:https?://|www\.)[^\s<>\"“”]*[^\s<>\"“”.!?,;:]"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"[.!?]+[”\"’)]*\s+(?=[“\"‘(\[]?[A-Z0-9])"
)

# Words that start a sentence and (capitalised) cannot continue "U.S." or "D.C." as a
# name: "the U.S. His ...", "Washington, D.C. Officials ...", "at 10 a.m. He ...".
# Not "Police" ("D.C. Police") nor "Army" ("U.S. Army"): those are names.
_STARTERS_AFTER_ACRONYM = (
    "He|She|It|They|We|I|You|His|Her|Its|Their|Our|My|Your|There|These|Those|This|That"
    "|Then|But|And|Officials|Authorities|Investigators|Lawmakers|Critics|Analysts"
)
# Searching for the starter first and checking the abbreviation before it is about twice
# as fast as one pattern with the abbreviation first: most paragraphs have no acronym.
_DOT_BEFORE_STARTER = re.compile(r"\.\s+(?=(?:" + _STARTERS_AFTER_ACRONYM + r")\b)")
_ACRONYM_BEFORE_DOT = re.compile(r"(?:^|[^\w.])(?:(?:[A-Z]\.)+[A-Z]|[ap]\.m)$")

# "He waited… Then he left.": syntok treats "..." as a terminal but not "…".  Only an
# ellipsis glued to the word before it: a spaced " … " usually marks an omission inside
# a quotation and "[…]" is handled as a fragment below.
_ELLIPSIS_END = re.compile(r"(?<=\w)…[”\"’]?\s+(?=[“\"‘]?[A-Z])")

# 'He said “no!”“Yes!” she replied.', 'He said “no.”She left.': sentences glued by their
# quotation marks.  Not after a right single quote, which is also an apostrophe ("U.S.’s").
_GLUED_QUOTE = re.compile(r"[.!?](?:[”»](?=[“«]?[A-Z])|(?=[“«]\w))")

# 'He said: “Go. […]” Then he left.': a quotation closed by a bracketed ellipsis;
# syntok does not split after it.
_BRACKET_ELLIPSIS_QUOTE_END = re.compile(r"\[(?:…|\.\.\.)\][”\"’]\s+(?=[“\"‘]?[A-Z])")

# --- Fragments that syntok leaves on the wrong side of a boundary.

# A sentence made only of an omission mark goes with the sentence after it, as in our
# gold split of the seed ("[…] It’s extremely unfair, ...").
_LONE_ELLIPSIS = re.compile(r"[\[(]?(?:…|\.\.\.)[\])]?")
# ... unless it closes a quotation: then it ends the sentence before it.
_LONE_ELLIPSIS_CLOSING_QUOTE = re.compile(r"[\[(]?(?:…|\.\.\.)[\])]?[”\"’»]+")
# A list marker cut off from its item: "1." / "b)" / "-" / "•".
_LONE_LIST_MARKER = re.compile(r"(?:\d{1,3}|[A-Za-z]|[ivxlcIVXLC]{1,4})[.)]|[-*•·▪●–—]")
# "Three things happened: 1." -> the "1." belongs to the next sentence.
_TRAILING_ENUMERATOR = re.compile(r"(?<=[:;])\s+(?:\d{1,2}|[a-z])[.)]$")
# A title before a name, cut off by syntok ("Lt." | "Col. Smith ...", "The Rev." |
# "Jesse Jackson ...").  Not "Jr."/"Sr."/"St.", which often end a sentence.
_TRAILING_TITLE = re.compile(
    r"(?:^|[\s(])(?:Mr|Mrs|Ms|Dr|Prof|Rev|Gen|Lt|Col|Capt|Sgt|Maj|Adm|Cmdr|Gov|Sen|Rep"
    r"|Amb|Pres|Supt|Det|Insp|Hon|Msgr)\.$"
)
# Longest title above plus its dot and one space before it, so a 10-char window is
# enough and "^" in the window can only mean the sentence start.
_TITLE_WINDOW = 10

# Characters at which syntok (or one of our rules) may end a sentence: its terminals,
# its opening brackets (it may cut before one) and a line break (list items).  A
# paragraph without them, final punctuation aside, is one sentence.
_MAY_HOLD_A_BOUNDARY = re.compile(
    "[.!?;…\n\u203c\u203d\u2047-\u2049\u3002\ufe52\ufe57\uff01\uff0e\uff1f\uff61"
    "([{\uff5f\uff5b\uff3b\uff08\ufe5d\ufe5b\ufe59\ufd3e\u301a\u3018\u2985\u2983\u2329]"
)
_FINAL_MARKS = ".!?;…\"'”’»)]"

_OPENING_QUOTES = frozenset("“‘«„")
_CLOSING_QUOTES = frozenset("”»")
_STRAIGHT_QUOTES = frozenset("\"'’")
_BRACKET_ELLIPSES = ("[…]", "[...]")


def split_sentences(text: str, paragraphs: Sequence[tuple[int, int]]) -> list[SentenceSpan]:
    """Split each paragraph ``text[start:end]`` into sentences.

    Returns spans with absolute offsets into ``text`` such that ``text[s.start:s.end]``
    is the sentence without surrounding whitespace; ``paragraph`` is the index of the
    paragraph in ``paragraphs``.  Sentences never cross a paragraph boundary.
    """
    sentences: list[SentenceSpan] = []
    for index, (start, end) in enumerate(paragraphs):
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"paragraph {index} ({start}, {end}) is outside the text")
        for s, e in sentence_spans(text[start:end]):
            sentences.append(SentenceSpan(start + s, start + e, index))
    return sentences


def sentence_spans(paragraph: str) -> list[Span]:
    """Sentence spans ``(start, end)`` relative to one paragraph's text."""
    if not _MAY_HOLD_A_BOUNDARY.search(paragraph.rstrip().rstrip(_FINAL_MARKS)):
        # No terminal before the final punctuation: one sentence, as syntok would say,
        # without its cost.  Many news paragraphs are a single sentence.
        start, end = _strip(paragraph, 0, len(paragraph))
        return [(start, end)] if end > start else []
    spans: list[Span] = []
    for unit_start, unit_end in _list_units(paragraph):
        spans.extend(_syntok_spans(paragraph, unit_start, unit_end))
    spans = _split_at(paragraph, spans, _extra_boundaries(paragraph))
    return _repair_fragments(paragraph, spans)


def _list_units(paragraph: str) -> Iterator[Span]:
    """Cut a paragraph before each line that starts a list item."""
    start = 0
    if "\n" in paragraph:
        for match in _LIST_ITEM_START.finditer(paragraph):
            yield start, match.start()
            start = match.end()
    yield start, len(paragraph)


def _syntok_spans(paragraph: str, start: int, end: int) -> Iterator[Span]:
    """syntok's sentences of ``paragraph[start:end]``, stripped, relative to the paragraph."""
    tokens = _TOKENIZER.tokenize(paragraph[start:end])
    sentence: list[Any]
    for sentence in _syntok_segment(tokens):
        first = int(sentence[0].offset)
        last = sentence[-1]
        s, e = _strip(paragraph, start + first, start + int(last.offset) + len(last.value))
        if e > s:
            yield s, e


def _extra_boundaries(paragraph: str) -> list[int]:
    """Offsets where a sentence starts although syntok did not cut there.

    Each pattern is only run when its trigger characters occur: most paragraphs need
    just the acronym scan.
    """
    cuts = [
        m.end()
        for m in _DOT_BEFORE_STARTER.finditer(paragraph)
        if _ACRONYM_BEFORE_DOT.search(paragraph, max(0, m.start() - 12), m.start())
    ]
    patterns: list[re.Pattern[str]] = []
    if "@" in paragraph or "://" in paragraph or "www." in paragraph:
        patterns.append(_URL_OR_EMAIL_END)
    if "…" in paragraph:
        patterns.append(_ELLIPSIS_END)
    if "“" in paragraph or "”" in paragraph or "«" in paragraph:
        patterns.append(_GLUED_QUOTE)
    if "[" in paragraph:
        patterns.append(_BRACKET_ELLIPSIS_QUOTE_END)
    if patterns:
        cuts.extend(m.end() for pattern in patterns for m in pattern.finditer(paragraph))
        cuts.sort()
    return cuts


def _split_at(paragraph: str, spans: list[Span], cuts: list[int]) -> list[Span]:
    """Split the spans at the given offsets (each at the first character of a sentence)."""
    if not cuts:
        return spans
    out: list[Span] = []
    i = 0
    for start, end in spans:
        while i < len(cuts) and cuts[i] <= start:
            i += 1
        current = start
        while i < len(cuts) and cuts[i] < end:
            left_end = _rstrip(paragraph, current, cuts[i])
            if left_end > current:
                out.append((current, left_end))
            current = cuts[i]
            i += 1
        out.append((current, end))
    return out


def _repair_fragments(paragraph: str, spans: list[Span]) -> list[Span]:
    """Move quotation marks, omission marks, list markers and titles to the right sentence.

    One pass; ``carry`` is the start of a fragment that must open the next sentence.
    """
    out: list[Span] = []
    carry: int | None = None
    last_index = len(spans) - 1
    for index, (span_start, end) in enumerate(spans):
        start = span_start if carry is None else carry
        carry = None

        # A closing quotation mark stays with the sentence it closes.
        if out and start == span_start and _closes_quote(paragraph, out[-1], start, end):
            out[-1] = (out[-1][0], start + 1)
            start = _lstrip(paragraph, start + 1, end)
            if start >= end:
                continue

        length = end - start
        if length <= 6:
            fragment = paragraph[start:end]
            if _LONE_ELLIPSIS_CLOSING_QUOTE.fullmatch(fragment) and out:
                out[-1] = (out[-1][0], end)
                continue
            if _LONE_ELLIPSIS.fullmatch(fragment) or _LONE_LIST_MARKER.fullmatch(fragment):
                carry = start
                continue

        last = paragraph[end - 1]
        # An opening quotation mark is never left at the end of a sentence.
        if last in _OPENING_QUOTES or (
            last in _STRAIGHT_QUOTES and end - 2 >= start and paragraph[end - 2].isspace()
        ):
            carry = end - 1
            end = _rstrip(paragraph, start, end - 1)
            if end <= start:
                carry = start
                continue
            last = paragraph[end - 1]

        if last == "]" and paragraph.endswith(_BRACKET_ELLIPSES, start, end):
            # "[…]" goes with the sentence after it.
            cut = paragraph.rfind("[", start, end)
            before = _rstrip(paragraph, start, cut)
            if before > start and paragraph[before - 1] in '.!?”"’':
                carry = cut
                end = before
        elif last in ".)":
            window = paragraph[max(start, end - _TITLE_WINDOW) : end]
            if index < last_index and _TRAILING_TITLE.search(window):
                carry = start
                continue
            enumerator = _TRAILING_ENUMERATOR.search(window)
            if enumerator:
                carry = _lstrip(paragraph, end - len(window) + enumerator.start(), end)
                end = _rstrip(paragraph, start, carry)

        out.append((start, end))

    if carry is not None:
        # A fragment at the end of the paragraph: it has no next sentence to join.
        if out:
            out[-1] = (out[-1][0], spans[-1][1])
        else:
            out.append((carry, spans[-1][1]))
    return out


def _closes_quote(paragraph: str, previous: Span, start: int, end: int) -> bool:
    """True if the sentence at ``start`` opens with the mark closing a quotation in ``previous``.

    Curly closing marks always close.  A straight quote (or a right single quotation mark,
    also used as apostrophe) followed by a space closes only if the previous sentence has an
    unbalanced quotation; otherwise it is an opening mark with a stray space.
    """
    first = paragraph[start]
    if first in _CLOSING_QUOTES:
        return True
    if first not in _STRAIGHT_QUOTES or (start + 1 < end and not paragraph[start + 1].isspace()):
        return False
    prev_start, prev_end = previous
    if first == "’":
        return paragraph.count("‘", prev_start, prev_end) > paragraph.count("’", prev_start, prev_end)
    return paragraph.count(first, prev_start, prev_end) % 2 == 1


def _strip(text: str, start: int, end: int) -> Span:
    """Shrink ``(start, end)`` so that it neither starts nor ends with whitespace."""
    return _lstrip(text, start, end), _rstrip(text, start, end)


def _lstrip(text: str, start: int, end: int) -> int:
    while start < end and text[start].isspace():
        start += 1
    return start


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
