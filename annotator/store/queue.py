"""The work queue: which sentence an annotator should label next, across articles."""

from __future__ import annotations

from sqlalchemy import and_, exists, func
from sqlmodel import Session, col, select

from annotator.store.models import Document, Label, ProjectSetting, Sentence

ANNOTATORS_PER_SENTENCE = "annotators_per_sentence"


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


def next_in_queue(
    *, session: Session, user_id: int, document_id: str | None = None
) -> tuple[str, int] | None:
    """The first sentence (by article, then position) this annotator has not labelled and that
    still needs annotators; prefers ``document_id`` when it has such a sentence."""
    needed = get_annotators_per_sentence(session=session)
    mine = exists().where(and_(col(Label.sentence_id) == col(Sentence.id), col(Label.user_id) == user_id))
    query = (
        select(Sentence.document_id, Sentence.index)
        .join(Document, col(Document.id) == col(Sentence.document_id))
        .where(~mine)
        .order_by(col(Document.created_at), col(Document.id), col(Sentence.index))
        .limit(1)
    )
    if needed is not None:
        count = (
            select(func.count()).select_from(Label).where(col(Label.sentence_id) == col(Sentence.id))
        ).scalar_subquery()
        query = query.where(count < needed)
    if document_id is not None:
        found = session.exec(query.where(col(Sentence.document_id) == document_id)).first()
        if found is not None:
            return found[0], int(found[1])
    found = session.exec(query).first()
    return None if found is None else (found[0], int(found[1]))
