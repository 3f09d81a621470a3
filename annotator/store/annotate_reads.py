"""What the Annotate page reads: one article whole, and one annotator's own labels on it.

The labelling panel receives the article once and works on it in the browser, so these run
on every exchange with the panel (each batch of labels). They are plain driver statements
returning tuples: building ORM objects for them cost more than the rest of the exchange.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from annotator.domain.errors import NotFoundError
from annotator.domain.label import STORED_FIELDS, LabelValue, sentence_revision, stored_label
from annotator.store import driver
from annotator.store.driver import fetch_rows
from annotator.store.suggestions import AUDIT_SHARE


@dataclass(frozen=True)
class PanelSentence:
    id: int
    index: int
    paragraph: int
    revision: str
    text: str


@dataclass(frozen=True)
class ArticleForLabelling:
    document_id: str
    title: str
    signature: str
    sentences: tuple[PanelSentence, ...]
    sources: tuple[tuple[str, str], ...]  # (key, label) in the article's order


def article_signature(*, session: Session, document_id: str) -> str:
    """A short text that changes when the article's title, sentences or sources change."""
    found = fetch_rows(session, driver.ARTICLE_SIGNATURE, document_id)
    if not found:
        raise NotFoundError(f"no document {document_id!r}: 'annotator documents' lists the ids")
    return _signature(session, document_id, found[0])


@dataclass(frozen=True)
class PanelStamps:
    """What tells the Annotate page whether to read the article and its suggestions again."""

    signature: str
    """As ``article_signature``."""
    suggestions: str
    """Changes when the article's stored suggestions or the audit share change; starts with
    "0:" when the article has no suggestions."""


def panel_stamps(*, session: Session, document_id: str) -> PanelStamps:
    """The article's signature and its suggestions' stamp, in two statements (not four)."""
    found = fetch_rows(session, driver.PANEL_STAMPS, AUDIT_SHARE, document_id)
    if not found:
        raise NotFoundError(f"no document {document_id!r}: 'annotator documents' lists the ids")
    *signed, count, newest, share = found[0]
    return PanelStamps(
        signature=_signature(session, document_id, tuple(signed)),
        suggestions=f"{int(count)}:{newest}:{share}",
    )


def _signature(session: Session, document_id: str, signed: Sequence[Any]) -> str:
    title, *counts = signed
    sources = fetch_rows(session, driver.ARTICLE_SOURCES, document_id)
    digest = hashlib.sha1(repr((title, sources)).encode(), usedforsecurity=False).hexdigest()[:16]
    return ":".join(str(int(n)) for n in counts) + f":{digest}"


def read_article(*, session: Session, document_id: str) -> ArticleForLabelling:
    """The whole article as the labelling panel shows it: every sentence with its revision."""
    signature = article_signature(session=session, document_id=document_id)
    title = fetch_rows(session, driver.DOCUMENT_TITLE, document_id)[0][0]
    sentences = fetch_rows(session, driver.PANEL_SENTENCES, document_id)
    sources = fetch_rows(session, driver.ARTICLE_SOURCES, document_id)
    return ArticleForLabelling(
        document_id=document_id,
        title=str(title),
        signature=signature,
        sentences=tuple(
            PanelSentence(int(i), int(index), int(paragraph), sentence_revision(start, end), str(text))
            for i, index, paragraph, start, end, text in sentences
        ),
        sources=tuple((str(key), str(label)) for key, label in sources),
    )


def own_labels(*, session: Session, document_id: str, user_id: int) -> dict[int, LabelValue]:
    """This annotator's labels on the article by sentence id, and nobody else's: blind labelling
    is enforced here, not in the page. Each with its evidence, its spans' words read from the
    article's text (read only when a label has a span)."""
    rows = fetch_rows(session, driver.OWN_LABELS, document_id, user_id)
    spans = STORED_FIELDS.index("cue_start"), STORED_FIELDS.index("mention_start")
    needs_text = any(row[1 + i] is not None for row in rows for i in spans)
    text = fetch_rows(session, driver.DOCUMENT_TEXT, document_id)[0][0] if needs_text else ""
    return {int(row[0]): stored_label(row[1:], lambda start, end: text[start:end]) for row in rows}
