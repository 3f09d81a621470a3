"""Labels: one current label per (sentence, annotator), every change appended to history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from annotator.domain.errors import NotFoundError
from annotator.domain.label_schema import LabelSchema, check_label
from annotator.store.engine import with_write_retry
from annotator.store.gold import reopen
from annotator.store.models import Label, LabelCreate, LabelHistory, Sentence, User, utcnow

_LABEL_FIELDS = ("is_claim", "source", "source_other", "confidence", "note", "flagged")


def save_label(
    *,
    session: Session,
    sentence_id: int,
    user_id: int,
    label_in: LabelCreate,
    schema: LabelSchema | None = None,
) -> Label:
    """Save the annotator's label for a sentence and append its history row, committed at once.

    Saving the same values again changes nothing. Retries while the database is busy, so
    "database is locked" never reaches the annotator (bounded, see ``with_write_retry``).
    """
    if schema is not None:
        check_label(
            schema,
            is_claim=label_in.is_claim,
            source=label_in.source,
            confidence=label_in.confidence,
            source_other=label_in.source_other,
        )
    values = label_in.model_dump(include=set(_LABEL_FIELDS))

    def write() -> Label:
        try:
            return _upsert(session=session, sentence_id=sentence_id, user_id=user_id, values=values)
        except BaseException:
            session.rollback()
            raise

    try:
        return with_write_retry(write)
    except IntegrityError:
        # Two tabs of the same annotator inserted the first label at once: now it exists.
        return with_write_retry(write)


def _upsert(*, session: Session, sentence_id: int, user_id: int, values: dict[str, Any]) -> Label:
    label = session.exec(
        select(Label).where(Label.sentence_id == sentence_id, Label.user_id == user_id).with_for_update()
    ).first()
    now = utcnow()
    if label is None:
        if session.get(Sentence, sentence_id) is None:
            raise NotFoundError(f"no sentence with id {sentence_id}")
        label = Label(
            sentence_id=sentence_id, user_id=user_id, version=1, created_at=now, updated_at=now, **values
        )
        session.add(label)
        session.flush()
    else:
        if all(getattr(label, name) == value for name, value in values.items()):
            session.rollback()
            return label
        for name, value in values.items():
            setattr(label, name, value)
        label.version += 1
        label.updated_at = now
        session.add(label)
    assert label.id is not None
    reopen(session, [sentence_id])
    session.add(
        LabelHistory(
            label_id=label.id,
            sentence_id=sentence_id,
            user_id=user_id,
            version=label.version,
            changed_at=now,
            **values,
        )
    )
    session.commit()
    return label


def get_label(*, session: Session, sentence_id: int, user_id: int) -> Label | None:
    return session.exec(
        select(Label).where(Label.sentence_id == sentence_id, Label.user_id == user_id)
    ).first()


def labels_by_index(*, session: Session, document_id: str, user_id: int) -> dict[int, Label]:
    """One annotator's labels on one document, keyed by sentence index."""
    rows = session.exec(
        select(Sentence.index, Label)
        .join(Label, col(Label.sentence_id) == col(Sentence.id))
        .where(Sentence.document_id == document_id, Label.user_id == user_id)
    ).all()
    return {index: label for index, label in rows}


def labels_of_sentence(*, session: Session, sentence_id: int) -> list[tuple[str, Label]]:
    """Every annotator's current label on one sentence, by annotator name (for reviewers only)."""
    rows = session.exec(
        select(User.name, Label)
        .join(User, col(User.id) == col(Label.user_id))
        .where(Label.sentence_id == sentence_id)
        .order_by(col(User.name))
    ).all()
    return [(name, label) for name, label in rows]


def data_version(*, session: Session) -> int:
    """Grows with every label change: a cheap cache key for figures computed from labels."""
    return int(session.exec(select(func.coalesce(func.max(LabelHistory.id), 0))).one() or 0)


def label_history(*, session: Session, sentence_id: int, user_id: int) -> list[LabelHistory]:
    return list(
        session.exec(
            select(LabelHistory)
            .where(LabelHistory.sentence_id == sentence_id, LabelHistory.user_id == user_id)
            .order_by(col(LabelHistory.version), col(LabelHistory.id))
        ).all()
    )


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


def document_progress(*, session: Session, document_id: str, user_id: int) -> Progress:
    total = session.exec(
        select(func.count()).select_from(Sentence).where(Sentence.document_id == document_id)
    ).one()
    done = session.exec(
        select(func.count())
        .select_from(Label)
        .join(Sentence, col(Label.sentence_id) == col(Sentence.id))
        .where(Sentence.document_id == document_id, Label.user_id == user_id)
    ).one()
    return Progress(done=int(done), total=int(total))


def overall_progress(*, session: Session, user_id: int) -> Progress:
    total = session.exec(select(func.count()).select_from(Sentence)).one()
    done = session.exec(select(func.count()).select_from(Label).where(Label.user_id == user_id)).one()
    return Progress(done=int(done), total=int(total))


def first_unlabelled_index(*, session: Session, document_id: str, user_id: int) -> int | None:
    """The first sentence of the document this annotator has not labelled yet."""
    labelled = select(Label.sentence_id).where(Label.user_id == user_id)
    index = session.exec(
        select(Sentence.index)
        .where(Sentence.document_id == document_id, col(Sentence.id).not_in(labelled))
        .order_by(col(Sentence.index))
        .limit(1)
    ).first()
    return None if index is None else int(index)
