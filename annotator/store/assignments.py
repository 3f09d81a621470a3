"""Article assignments: a lead gives articles to annotators, and follows each one's progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from annotator.domain.errors import NotFoundError
from annotator.store.engine import run_write
from annotator.store.models import ArticleAssignment, Document, Label, Sentence, User, as_utc, utcnow


@dataclass(frozen=True)
class AssignmentProgress:
    document_id: str
    title: str
    annotator: str
    assigned_at: datetime
    labelled: int
    sentences: int

    @property
    def fraction(self) -> float:
        return self.labelled / self.sentences if self.sentences else 1.0


def assign_articles(
    *,
    session: Session,
    document_ids: Sequence[str],
    annotators: Sequence[str],
    assigned_by_id: int | None = None,
) -> int:
    """Assign every article to every named annotator; return how many assignments are new.

    All or nothing: an unknown article or name changes nothing. Assigning twice is harmless.
    """
    wanted_docs = sorted(set(document_ids))
    known_docs = set(
        session.execute(sa_select(col(Document.id)).where(col(Document.id).in_(wanted_docs))).scalars()
    )
    if missing := [d for d in wanted_docs if d not in known_docs]:
        raise NotFoundError(
            f"no article {', '.join(map(repr, missing))}: 'annotator documents' lists the ids"
        )
    wanted_names = sorted(set(annotators))
    users = dict(
        session.execute(sa_select(col(User.name), col(User.id)).where(col(User.name).in_(wanted_names))).all()
    )
    if missing := [n for n in wanted_names if n not in users]:
        raise NotFoundError(
            f"no user {', '.join(map(repr, missing))}: 'annotator users list' lists the names"
        )

    def write() -> int:
        existing = set(
            session.execute(
                sa_select(col(ArticleAssignment.document_id), col(ArticleAssignment.user_id)).where(
                    col(ArticleAssignment.document_id).in_(wanted_docs)
                )
            ).all()
        )
        now = utcnow()
        new = [
            ArticleAssignment(
                document_id=doc, user_id=user_id, assigned_at=now, assigned_by_id=assigned_by_id
            )
            for doc in wanted_docs
            for user_id in users.values()
            if (doc, user_id) not in existing
        ]
        session.add_all(new)
        session.commit()
        return len(new)

    return run_write(session, write)


def unassign_article(*, session: Session, document_id: str, annotator: str) -> bool:
    """Take an article back from an annotator (their labels stay); whether it was assigned."""

    def write() -> bool:
        user_id = session.execute(sa_select(col(User.id)).where(col(User.name) == annotator)).scalar()
        result = session.execute(
            delete(ArticleAssignment).where(
                col(ArticleAssignment.document_id) == document_id, col(ArticleAssignment.user_id) == user_id
            )
        )
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    return run_write(session, write)


def assignment_progress(*, session: Session) -> list[AssignmentProgress]:
    """Every assignment with how much of the article the annotator has labelled, by article then name."""
    sentences = (
        sa_select(col(Sentence.document_id), func.count().label("n"))
        .group_by(col(Sentence.document_id))
        .subquery()
    )
    labelled = (
        sa_select(func.count())
        .select_from(Label)
        .join(Sentence, col(Sentence.id) == col(Label.sentence_id))
        .where(
            and_(
                col(Sentence.document_id) == col(ArticleAssignment.document_id),
                col(Label.user_id) == col(ArticleAssignment.user_id),
            )
        )
        .scalar_subquery()
    )
    rows = session.execute(
        sa_select(
            col(ArticleAssignment.document_id),
            col(Document.title),
            col(User.name),
            col(ArticleAssignment.assigned_at),
            labelled,
            func.coalesce(sentences.c.n, 0),
        )
        .join(Document, col(Document.id) == col(ArticleAssignment.document_id))
        .join(User, col(User.id) == col(ArticleAssignment.user_id))
        .join(sentences, sentences.c.document_id == col(ArticleAssignment.document_id), isouter=True)
        .order_by(col(Document.created_at), col(Document.id), col(User.name))
    ).all()
    return [
        AssignmentProgress(doc, title, name, as_utc(at), int(done), int(total))
        for doc, title, name, at, done, total in rows
    ]
