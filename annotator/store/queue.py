"""The work queue: which sentence an annotator should label next, across articles.

When the lead asks for N annotators per sentence, a sentence handed out is *claimed*
(an Assignment row) so that annotators on other app servers do not also get it. A claim
is made under a lock on the sentence row (PostgreSQL) or the single SQLite writer, and
checked after it is written, so two servers racing for the last place cannot both win.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from annotator.store.engine import run_write
from annotator.store.models import (
    ArticleAssignment,
    Assignment,
    Document,
    Label,
    ProjectSetting,
    Sentence,
    utcnow,
)

ANNOTATORS_PER_SENTENCE = "annotators_per_sentence"
CLAIM_MINUTES = 60
"""An unlabelled claim is given back after this long (an annotator who left)."""
_CANDIDATES = 50


def get_annotators_per_sentence(*, session: Session) -> int | None:
    """How many annotators should label each sentence; None means everyone labels everything."""
    setting = session.get(ProjectSetting, ANNOTATORS_PER_SENTENCE)
    return None if setting is None or not setting.value else int(setting.value)


def set_annotators_per_sentence(*, session: Session, value: int | None) -> None:
    setting = session.get(ProjectSetting, ANNOTATORS_PER_SENTENCE) or ProjectSetting(
        key=ANNOTATORS_PER_SENTENCE, value=""
    )
    setting.value = "" if value is None else str(int(value))
    session.add(setting)
    session.commit()


def _takers(sentence_id: Any, *, since: datetime) -> Any:
    """Annotators counting towards a sentence: a label, or a live claim without a label yet."""
    labelled = select(func.count()).select_from(Label).where(col(Label.sentence_id) == sentence_id)
    claimed = (
        select(func.count())
        .select_from(Assignment)
        .where(
            col(Assignment.sentence_id) == sentence_id,
            col(Assignment.assigned_at) >= since,
            ~exists().where(
                and_(col(Label.sentence_id) == sentence_id, col(Label.user_id) == col(Assignment.user_id))
            ),
        )
    )
    return labelled.scalar_subquery() + claimed.scalar_subquery()


def next_in_queue(
    *, session: Session, user_id: int, document_id: str | None = None
) -> tuple[str, int] | None:
    """The next sentence for this annotator, claiming it when sentences need only N annotators.

    Order: a sentence they already claimed and have not labelled; then the first sentence (by
    article, then position) they have not labelled that still needs annotators — in the
    articles a lead assigned to them first (``document_id`` first among those), then in
    ``document_id``, then anywhere.
    """
    needed = get_annotators_per_sentence(session=session)
    mine = exists().where(and_(col(Label.sentence_id) == col(Sentence.id), col(Label.user_id) == user_id))
    query = (
        select(Sentence.id, Sentence.document_id, Sentence.index)
        .join(Document, col(Document.id) == col(Sentence.document_id))
        .where(~mine)
        .order_by(col(Document.created_at), col(Document.id), col(Sentence.index))
    )
    scopes = _scopes(session, user_id, document_id)
    if needed is None:
        return _first(session, query, scopes)
    since = utcnow() - timedelta(minutes=CLAIM_MINUTES)
    held = session.exec(
        query.join(Assignment, col(Assignment.sentence_id) == col(Sentence.id))
        .where(col(Assignment.user_id) == user_id, col(Assignment.assigned_at) >= since)
        .limit(1)
    ).first()
    if held is not None:
        return held[1], int(held[2])
    open_query = query.where(_takers(col(Sentence.id), since=since) < needed).limit(_CANDIDATES)
    for scope in scopes:
        scoped = open_query if scope is None else open_query.where(scope)
        for sentence_id, doc, index in session.exec(scoped).all():
            assert sentence_id is not None
            if claim(session=session, sentence_id=sentence_id, user_id=user_id, needed=needed, since=since):
                return doc, int(index)
    return None


def _scopes(session: Session, user_id: int, document_id: str | None) -> list[Any]:
    """Where to look, in order: conditions on the sentence row; None means anywhere.

    The assigned articles are read first (a short list), so that an annotator with no
    assignment costs no extra scan of the sentences.
    """
    assigned_ids = assigned_document_ids(session=session, user_id=user_id)
    scopes: list[Any] = []
    if document_id is not None and document_id in assigned_ids:
        scopes.append(col(Sentence.document_id) == document_id)
    if assigned_ids:
        scopes.append(col(Sentence.document_id).in_(assigned_ids))
    if document_id is not None:
        scopes.append(col(Sentence.document_id) == document_id)
    return [*scopes, None]


def assigned_document_ids(*, session: Session, user_id: int) -> list[str]:
    """The articles a lead assigned to this annotator, oldest assignment first."""
    query = (
        sa_select(col(ArticleAssignment.document_id))
        .where(col(ArticleAssignment.user_id) == user_id)
        .order_by(col(ArticleAssignment.assigned_at), col(ArticleAssignment.document_id))
    )
    return [doc_id for (doc_id,) in session.execute(query).all()]


def _first(session: Session, query: Any, scopes: list[Any]) -> tuple[str, int] | None:
    for scope in scopes:
        scoped = query if scope is None else query.where(scope)
        found = session.exec(scoped.limit(1)).first()
        if found is not None:
            return found[1], int(found[2])
    return None


def claim(*, session: Session, sentence_id: int, user_id: int, needed: int, since: datetime) -> bool:
    """Claim a place on a sentence if one is free; True when this annotator got it."""

    def write() -> bool:
        try:
            # Serialises claims on this sentence across servers (FOR UPDATE is a no-op on SQLite,
            # where the insert below takes the single write lock instead).
            lock = sa_select(col(Sentence.id)).where(col(Sentence.id) == sentence_id).with_for_update()
            session.execute(lock)
            existing = session.get(Assignment, (sentence_id, user_id))
            if existing is not None:
                existing.assigned_at = utcnow()
                session.add(existing)
            else:
                session.add(Assignment(sentence_id=sentence_id, user_id=user_id, assigned_at=utcnow()))
            session.flush()
            takers = session.execute(sa_select(_takers(sentence_id, since=since))).scalar_one()
            if int(takers) > needed:
                session.rollback()
                return False
            session.commit()
            return True
        except BaseException:
            session.rollback()
            raise

    return run_write(session, write)
