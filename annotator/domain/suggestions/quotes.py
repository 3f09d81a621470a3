"""Quotation tracking across sentences and paragraphs.

A quotation may open in one sentence and close several sentences later, or run on into
the next paragraph (the typographic convention leaves the first paragraph unclosed and
opens the next with a new mark).  For every sentence we keep its text with the quoted
passages blanked out, so that cues and mentions are only looked for in the reporter's
own words, and whether the sentence is nothing but quotation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from annotator.domain.article import SentenceSpan

_OPENING = "“«„"
_CLOSING = "”»"
_STRAIGHT = '"'
_QUOTE_MARK = re.compile("[" + _OPENING + _CLOSING + _STRAIGHT + "]")


@dataclass(frozen=True)
class QuoteView:
    """One sentence as the reporter wrote it around its quotations.

    ``outside`` has the sentence's length: quoted characters and quotation marks are
    replaced by spaces, so offsets into it are offsets into the sentence.
    """

    outside: str
    has_quote: bool
    quote_only: bool
    starts_inside: bool
    ends_inside: bool


def quote_views(text: str, sentences: Sequence[SentenceSpan]) -> list[QuoteView]:
    """The :class:`QuoteView` of each sentence, in order."""
    views: list[QuoteView] = []
    inside = False
    paragraph = None
    for span in sentences:
        if span.paragraph != paragraph:
            # An unclosed quotation at the end of a paragraph is continued (if at all) by
            # a new opening mark; the state itself does not carry over.
            inside = False
            paragraph = span.paragraph
        sentence = text[span.start : span.end]
        starts_inside = inside
        if not inside and _QUOTE_MARK.search(sentence) is None:
            # Most sentences quote nothing: no need to walk their characters.
            views.append(QuoteView(sentence, False, False, False, False))
            continue
        chars: list[str] = []
        quoted = 0
        for ch in sentence:
            if ch in _OPENING or (ch == _STRAIGHT and not inside):
                inside = True
                chars.append(" ")
            elif ch in _CLOSING or (ch == _STRAIGHT and inside):
                inside = False
                chars.append(" ")
            elif inside:
                chars.append(" ")
                quoted += ch.isalnum()
            else:
                chars.append(ch)
        outside = "".join(chars)
        views.append(
            QuoteView(
                outside=outside,
                has_quote=quoted > 0,
                quote_only=quoted > 0 and not any(c.isalnum() for c in outside),
                starts_inside=starts_inside,
                ends_inside=inside,
            )
        )
    return views
