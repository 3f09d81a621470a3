"""What the annotate page shows, read in a handful of indexed queries.

Every query here is bounded by one article or one annotator's labels on it, so the page does
not slow down as the database grows. They run on every rerun of the page (each key press),
so they are plain driver statements returning tuples: building ORM objects (or even
SQLAlchemy rows) for them cost more than the rest of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from annotator.domain.errors import NotFoundError
from annotator.store.engine import fetch_rows
from annotator.store.labels import Progress

_TITLE_AND_COUNTS = (
    "SELECT title, (SELECT count(*) FROM sentence WHERE document_id = d.id), "
    "(SELECT count(*) FROM sentence s JOIN label l ON l.sentence_id = s.id AND l.user_id = ? "
    "WHERE s.document_id = d.id) FROM document d WHERE d.id = ?"
)
_WINDOW = (
    'SELECT id, "index", text, paragraph FROM sentence WHERE document_id = ? AND "index" BETWEEN ? AND ? '
    'ORDER BY "index"'
)
_SOURCES = "SELECT key, label FROM source WHERE document_id = ? ORDER BY id"
_MINE_NEAR = (
    'SELECT s."index", l.is_claim, l.source, l.source_other, l.confidence, l.note, l.flagged '
    "FROM sentence s JOIN label l ON l.sentence_id = s.id AND l.user_id = ? "
    'WHERE s.document_id = ? AND s."index" IN (?, ?)'
)


@dataclass(frozen=True)
class ContextSentence:
    id: int
    index: int
    text: str
    paragraph: int


@dataclass(frozen=True)
class OwnLabel:
    is_claim: bool
    source: str | None
    source_other: str | None
    confidence: int | None
    note: str
    flagged: bool


@dataclass(frozen=True)
class AnnotateView:
    document_id: str
    title: str
    index: int  # the requested sentence, moved into the article if it was past its end
    total: int
    context: list[ContextSentence]  # the sentence at ``index`` with ``around`` on each side
    sources: list[tuple[str, str]]  # (key, label) in the article's order
    my_labels: dict[int, OwnLabel]  # on the sentence at ``index`` and the one before, by index
    my_count: int  # the annotator's labels in this article

    @property
    def sentence_id(self) -> int | None:
        """The id of the sentence at ``index``, read with its text: what a save must go to."""
        return next((s.id for s in self.context if s.index == self.index), None)

    @property
    def article_progress(self) -> Progress:
        return Progress(done=self.my_count, total=self.total)


def annotate_view(
    *, session: Session, document_id: str, user_id: int, index: int, around: int = 3
) -> AnnotateView:
    """Only the annotator's own labels: blind labelling is enforced here, not in the page.

    Few rows on purpose: the sqlite3 driver lets go of the GIL for each row it steps through,
    and in a server thread every such hand-over costs more than the row.
    """

    def rows(sql: str, *params: object) -> list[tuple[Any, ...]]:
        return fetch_rows(session, sql, *params)

    found = rows(_TITLE_AND_COUNTS, user_id, document_id)
    if not found:
        raise NotFoundError(f"no document {document_id!r}: 'annotator export --what documents' lists the ids")
    title, total, my_count = str(found[0][0]), int(found[0][1]), int(found[0][2])
    index = max(0, min(index, total - 1))
    return AnnotateView(
        document_id=document_id,
        title=title,
        index=index,
        total=total,
        context=[
            ContextSentence(int(sentence_id), int(i), str(text), int(paragraph))
            for sentence_id, i, text, paragraph in rows(_WINDOW, document_id, index - around, index + around)
        ],
        sources=[(str(key), str(label)) for key, label in rows(_SOURCES, document_id)],
        my_labels={
            int(i): OwnLabel(bool(is_claim), source, source_other, confidence, str(note), bool(flagged))
            for i, is_claim, source, source_other, confidence, note, flagged in rows(
                _MINE_NEAR, user_id, document_id, index, index - 1
            )
        },
        my_count=my_count,
    )
