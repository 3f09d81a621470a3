"""Paragraph-level boilerplate removal for plain text, in the spirit of jusText.

A web page saved as text mixes the article with page furniture: navigation, "Read more"
lists, photo credits, bylines, dates.  We cut the text into blocks and classify each one
as body or boilerplate the way jusText does for HTML (Pomikálek 2011):

1. Each block gets a first class from its own features: known furniture patterns,
   length, stopword density (running text is full of function words, link text and
   headlines are not) and terminal punctuation (body paragraphs end with a sentence).
2. Short blocks and blocks that are only nearly body text are then decided by their
   context: between body paragraphs they are body, between furniture they are furniture.

Every block keeps its exact offsets into the original text (surrounding whitespace
excluded), so that the stored text is the file's text unchanged, and every dropped
block carries a short reason that can be shown to the person importing the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Block",
    "BlockKind",
    "classify_blocks",
    "furniture_reason",
    "guess_title",
    "split_blocks",
]

BlockKind = Literal["body", "navigation", "metadata", "heading", "short", "low_text"]
"""What a block is: body text, or which kind of furniture (for the title guess)."""


@dataclass(frozen=True)
class Block:
    """A block ``text[start:end]`` (no surrounding whitespace) and its classification."""

    start: int
    end: int
    kept: bool
    reason: str
    kind: BlockKind


# jusText's defaults are length_low=70 and length_high=200 characters.  Its stopword
# thresholds (0.30/0.32) assume its 1,000-word English list; with our short list, running
# news text scores 0.20-0.55 (a lede full of names is at the low end) and headlines or
# link text 0.00-0.20 (measured on the sample), hence the lower thresholds.  Headlines
# are told apart by their missing final punctuation rather than by density alone.
LENGTH_LOW = 70
LENGTH_HIGH = 200
STOPWORDS_LOW = 0.10
STOPWORDS_HIGH = 0.20

# A small English stopword list: function words that are frequent in running text.
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just may me might more most must my myself no nor not
    now of off on once only or other our ours out over own said same says she should so
    some such than that the their theirs them themselves then there these they this those
    through to too under until up upon very was we were what when where which while who
    whom whose why will with would you your yours yourself
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# A sentence ends the block, possibly followed by closing quotes or brackets.
_TERMINAL = re.compile(r"[.!?…:;][\"”’»)\]]*$")
_BULLET = re.compile(r"^(?:[•·▪●◦‣*]|[-–—](?=\s))")
_LIST_MARKER = re.compile(r"^(?:[•·▪●◦‣*\-–—]|\d{1,3}[.)]|[A-Za-z][.)])\s")

# Known page furniture, matched against the whole stripped block, in this order.
_FURNITURE: tuple[tuple[re.Pattern[str], str, BlockKind], ...] = (
    (re.compile(r"(?i)^read more\b.{0,40}$"), "navigation link", "navigation"),
    # A link to another article behind a label and a colon or arrow: "Read more: Council
    # approves …", "Related » …", "Don't miss: …". A headline fits in 150 characters.
    (
        re.compile(
            r"(?i)^(?:read more|read also|also read|more|related(?: articles?| stories| story| coverage)?"
            r"|see also|don['’]?t miss|must read|recommended|further reading|watch|listen)"
            r"\s*[:»>›|]\s*\S.{0,150}$"
        ),
        "navigation link",
        "navigation",
    ),
    # "Photo: Name/Agency", "Photograph: …", "Image source: …", "Picture credit: …".
    (
        re.compile(
            r"(?i)^(?:photo(?:graph)?s?|pictures?|images?|pics?|illustration|graphic|video|credit)"
            r"(?: (?:credit|source|courtesy))?\s*[:|]\s*\S.{0,120}$"
        ),
        "photo credit",
        "metadata",
    ),
    # "© 2017 Site" or "... All rights reserved." is the site's notice; "© AFP | ..." a credit.
    (re.compile(r"(?i)^(?:©|\(c\)|copyright\b)\s*\d{4}|all rights reserved"), "copyright notice", "metadata"),
    (re.compile(r"^(?:©|\(c\)\s)"), "photo credit", "metadata"),
    (re.compile(r"(?i)^copyright\b"), "copyright notice", "metadata"),
    (re.compile(r"(?i)^(?:latest )?update[ds]?\s*(?:on)?\s*:"), "update date", "metadata"),
    (
        re.compile(r"(?i)^(?:date created|published|first published|posted)\s*(?:on)?\s*:"),
        "publication date",
        "metadata",
    ),
    # "Published 9 October 2024, 07:42 BST", "Updated 10:42 a.m. ET": a short line with a
    # month, a year or a time, and no sentence end ("Updated figures show 14 …" is body).
    (
        re.compile(
            r"(?i)^(?:first published|published|last updated|last modified|updated|posted)\b(?: on)?[\s:]+"
            r"(?=[^\n]*(?:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d{4}|\d{1,2}[:.]\d{2}))"
            r"[^\n]{0,60}(?<![a-z]{2}[.!?])$"
        ),
        "publication date",
        "metadata",
    ),
    (re.compile(r"(?i)^(?:text|video|photos?|words) by\b.{0,80}$"), "byline", "metadata"),
    (re.compile(r"^By [A-Z][^.!?]{0,80}$"), "byline", "metadata"),
    (re.compile(r"^#\w[^.!?]{0,40}$"), "section header", "navigation"),
)

# Whole blocks that are navigation words ("Don't miss", "Share", ...), compared
# lowercased, with straight apostrophes and without a trailing colon or arrow.
_NAVIGATION_TEXT = """
    don't miss|share|share this|tweet|email|print|comments|advertisement|advertising|related
    |related articles|related stories|more|more stories|see also|most read|most popular
    |most viewed|top stories|latest news|subscribe|newsletter|sign in|log in|sign up|menu
    |home|search|skip to content|skip to main content|follow us|watch|live|recommended
    |you may also like|you might also like|read also|also read|next|previous
"""
_NAVIGATION_WORDS = frozenset(word.strip() for word in _NAVIGATION_TEXT.split("|"))

# Hard-wrapped body text: every line but the last is at least this share of the longest.
_WRAPPED_LINE_SHARE = 0.6
_WRAPPED_MIN_WIDTH = 40

_GOOD, _NEARGOOD, _SHORT, _BAD = "good", "neargood", "short", "bad"


@dataclass
class _Candidate:
    """A block being classified: first its own class, then revised by context."""

    start: int
    end: int
    cls: str
    reason: str
    kind: BlockKind
    sentence_like: bool  # ends with a period and has a few words


def classify_blocks(text: str) -> list[Block]:
    """Split ``text`` into blocks and tell body text from page furniture.

    Returns every block in text order with ``kept`` set for body text and a short human
    ``reason`` ("navigation link", "photo credit", "too short, no sentence", ...).
    """
    candidates = [_first_class(text, start, end) for start, end in split_blocks(text)]
    _revise_short(candidates)
    _revise_neargood(candidates)
    if not any(c.cls == _GOOD for c in candidates):
        _keep_sentences(candidates)
    return [
        Block(c.start, c.end, c.cls == _GOOD, c.reason, "body" if c.cls == _GOOD else c.kind)
        for c in candidates
    ]


def split_blocks(text: str) -> list[tuple[int, int]]:
    """Block spans: paragraphs separated by blank lines, or single lines.

    A paragraph of several lines stays one block when it looks hard-wrapped (lines of
    similar width); otherwise, as for menus, lists or a headline above a credit line, each
    line is a block.  Spans exclude surrounding whitespace.
    """
    blocks: list[tuple[int, int]] = []
    for lines in _paragraph_lines(text):
        if len(lines) == 1 or _looks_hard_wrapped(text, lines):
            blocks.append((lines[0][0], lines[-1][1]))
        else:
            blocks.extend(lines)
    return blocks


def guess_title(text: str, blocks: Sequence[Block]) -> str | None:
    """Guess the headline: the title-like block closest before the first body block.

    Credits, bylines and dates between the headline and the body are skipped over; a
    block followed by a navigation link ("Read more") is a related-article link, not the
    headline.  Returns None when no block qualifies.
    """
    first_body = next((i for i, b in enumerate(blocks) if b.kept), len(blocks))
    for i in range(first_body - 1, -1, -1):
        block = blocks[i]
        if block.kind in ("metadata", "navigation"):
            continue
        candidate = text[block.start : block.end]
        followed_by_link = i + 1 < len(blocks) and blocks[i + 1].kind == "navigation"
        if _is_title_like(candidate) and not followed_by_link:
            return " ".join(candidate.split())
    return None


def _paragraph_lines(text: str) -> Iterator[list[tuple[int, int]]]:
    """Groups of consecutive non-blank lines, each line as a stripped span."""
    group: list[tuple[int, int]] = []
    for match in re.finditer(r"[^\n]+", text):
        start, end = _strip(text, match.start(), match.end())
        if start == end:  # a line of spaces only is a blank line
            if group:
                yield group
                group = []
            continue
        if group and text.count("\n", group[-1][1], start) > 1:
            yield group
            group = []
        group.append((start, end))
    if group:
        yield group


def _looks_hard_wrapped(text: str, lines: list[tuple[int, int]]) -> bool:
    """True if the lines read as one paragraph wrapped at a fixed width."""
    widths = [end - start for start, end in lines]
    longest = max(widths)
    if longest < _WRAPPED_MIN_WIDTH:
        return False
    if any(_LIST_MARKER.match(text, start) for start, _ in lines):
        return False
    return all(width >= _WRAPPED_LINE_SHARE * longest for width in widths[:-1])


def _first_class(text: str, start: int, end: int) -> _Candidate:
    """Classify a block on its own features (jusText's context-free step)."""
    block = text[start:end]
    words = _WORD.findall(block)
    terminal = _TERMINAL.search(block)
    cls, reason, kind = _own_class(block, words, terminal is not None)
    sentence_like = len(words) >= 3 and terminal is not None and terminal.group()[0] == "."
    return _Candidate(start, end, cls, reason, kind, sentence_like)


def _own_class(block: str, words: list[str], terminal: bool) -> tuple[str, str, BlockKind]:
    """First class, reason if dropped, and kind of one block, from its text alone."""
    furniture = _furniture(block, words, terminal)
    if furniture is not None:
        return _BAD, furniture[0], furniture[1]

    if len(block) < LENGTH_LOW:
        if terminal:
            return _SHORT, "short line between page furniture", "short"
        return _SHORT, "too short, no sentence", "short"

    density = sum(1 for w in words if w.lower() in STOPWORDS) / max(len(words), 1)
    if not terminal:
        if density >= STOPWORDS_HIGH and len(block) > LENGTH_HIGH:
            return _NEARGOOD, "no final punctuation, between page furniture", "low_text"
        return _BAD, "headline or link text, no sentence", "heading"
    if density >= STOPWORDS_HIGH:
        return _GOOD, "body text", "body"
    if density >= STOPWORDS_LOW:
        return _NEARGOOD, "few function words, between page furniture", "low_text"
    return _BAD, "few function words: not running text", "low_text"


def furniture_reason(block: str) -> str | None:
    """Why ``block`` is known page furniture ("photo credit", "byline", ...), else None.

    Only the pattern checks, without length or context: usable on single lines of text
    that an HTML extractor already chose.
    """
    stripped = block.strip()
    words = _WORD.findall(stripped)
    furniture = _furniture(stripped, words, _TERMINAL.search(stripped) is not None)
    return None if furniture is None else furniture[0]


def _furniture(block: str, words: list[str], terminal: bool) -> tuple[str, BlockKind] | None:
    """Reason and kind if the block matches a known furniture pattern."""
    for pattern, reason, kind in _FURNITURE:
        if pattern.search(block):
            return reason, kind
    if block.lower().replace("’", "'").rstrip(" :»>›") in _NAVIGATION_WORDS:
        return "navigation link", "navigation"
    if _BULLET.match(block) and len(words) <= 4 and not terminal:
        return "list bullet or tag", "navigation"
    return None


def _revise_short(candidates: list[_Candidate]) -> None:
    """Decide short blocks by their nearest non-short neighbours (jusText's context step).

    Both neighbours body: body.  Otherwise furniture, except a short sentence (final
    period, 3+ words) right after the body, so that a short last paragraph followed by a
    date line is not lost.  Headlines and related-article links end with no period.
    """
    classes = [c.cls for c in candidates]
    for i, candidate in enumerate(candidates):
        if candidate.cls != _SHORT:
            continue
        before = _neighbour(classes, i, -1)
        after = _neighbour(classes, i, 1)
        if before == after == _GOOD or (before == _GOOD and candidate.sentence_like):
            candidate.cls, candidate.reason = _GOOD, "short, between body paragraphs"
        else:
            candidate.cls = _BAD


def _revise_neargood(candidates: list[_Candidate]) -> None:
    """Near-body blocks are body unless furniture (or the document edge) is on both sides."""
    classes = [c.cls for c in candidates]
    for i, candidate in enumerate(candidates):
        if candidate.cls != _NEARGOOD:
            continue
        if _neighbour(classes, i, -1) == _neighbour(classes, i, 1) == _BAD:
            candidate.cls = _BAD
        else:
            candidate.cls, candidate.reason = _GOOD, "near body text"


def _keep_sentences(candidates: list[_Candidate]) -> None:
    """No body found: keep every block that reads as a sentence and is not furniture.

    A short plain-text article (one paragraph, many names) has no context to be judged
    by; dropping all of it would be worse than keeping a stray line.
    """
    for candidate in candidates:
        if candidate.sentence_like and candidate.kind not in ("navigation", "metadata"):
            candidate.cls, candidate.reason = _GOOD, "sentence (no clear body text around)"


def _neighbour(classes: list[str], index: int, step: int) -> str:
    """Class of the nearest good or bad block in direction ``step``; edges count as bad."""
    i = index + step
    while 0 <= i < len(classes):
        if classes[i] in (_GOOD, _BAD):
            return classes[i]
        i += step
    return _BAD


def _is_title_like(block: str) -> bool:
    """A headline: one line of 2-30 words, with capitals, not ending with a period."""
    words = _WORD.findall(block)
    return (
        2 <= len(words) <= 30
        and len(block) <= 250
        and "\n" not in block
        and not block.rstrip('"”’»)').endswith((".", ":", ";", ","))
        and any(ch.isupper() for ch in block)
    )


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``(start, end)`` so that it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
