"""Counts for progress pages: per article for one annotator; save times for throughput."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from annotator.domain.throughput import Save
from annotator.store.models import Document, Label, LabelHistory, Sentence, User, as_utc


@dataclass(frozen=True)
class ArticleProgress:
    document_id: str
    title: str
    sentences: int
    labelled: int
    claims: int

    @property
    def fraction(self) -> float:
        return self.labelled / self.sentences if self.sentences else 1.0


def total_fraction(rows: list[ArticleProgress]) -> tuple[int, int, float]:
    done, total = sum(r.labelled for r in rows), sum(r.sentences for r in rows)
    return done, total, (done / total if total else 1.0)


def progress_by_article(*, session: Session, user_id: int) -> list[ArticleProgress]:
    """One row per article: how much of it this annotator has labelled (their own labels only)."""
    totals = session.exec(
        select(Document.id, Document.title, func.count(col(Sentence.id)))
        .join(Sentence, col(Sentence.document_id) == col(Document.id), isouter=True)
        .group_by(col(Document.id), col(Document.title))
        .order_by(col(Document.created_at), col(Document.id))
    ).all()
    mine = {
        doc: (int(n), int(claims or 0))
        for doc, n, claims in session.exec(
            select(Sentence.document_id, func.count(), func.sum(case((col(Label.is_claim), 1), else_=0)))
            .join(Label, col(Label.sentence_id) == col(Sentence.id))
            .where(Label.user_id == user_id)
            .group_by(col(Sentence.document_id))
        ).all()
    }
    return [ArticleProgress(doc, title, int(n), *mine.get(doc, (0, 0))) for doc, title, n in totals]


def label_saves(
    *, session: Session, document_id: str | None = None, annotators: Sequence[str] | None = None
) -> list[Save]:
    """Every acknowledged save (label history row) as (annotator, article, time), for throughput.

    Imported labels count at the time they were saved on the other machine. With an article
    chosen, only its saves are read: the first save after coming from another article then
    has no measured duration (a small undercount, where reading every article would not scale).
    """
    query = (
        select(User.name, Sentence.document_id, LabelHistory.changed_at)
        .join(User, col(User.id) == col(LabelHistory.user_id))
        .join(Sentence, col(Sentence.id) == col(LabelHistory.sentence_id))
    )
    if document_id is not None:
        query = query.where(Sentence.document_id == document_id)
    if annotators:
        query = query.where(col(User.name).in_(list(annotators)))
    return [Save(name, doc, as_utc(at)) for name, doc, at in session.exec(query).all()]
