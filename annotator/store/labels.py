"""Labels: one current label per (sentence, annotator), every change appended to history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from annotator.domain.errors import NotFoundError
from annotator.domain.label_schema import LabelSchema, check_label, check_label_text
from annotator.store.engine import driver_sql, run_write, stored_time
from annotator.store.models import Label, LabelCreate, LabelHistory, Sentence, User, as_utc, utcnow

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
    "database is locked" never reaches the annotator (bounded, see ``run_write``).
    """
    check_label_text(note=label_in.note, source_other=label_in.source_other)
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
        return run_write(session, write)
    except IntegrityError:
        # Two tabs of the same annotator inserted the first label at once: now it exists.
        return run_write(session, write)


_COLUMNS = ", ".join(_LABEL_FIELDS)
_MARKS = ", ".join("?" for _ in _LABEL_FIELDS)
_SQL = {
    "current": "SELECT id, version, created_at, updated_at, "
    + _COLUMNS
    + " FROM label WHERE sentence_id = ? AND user_id = ?",
    "sentence": "SELECT 1 FROM sentence WHERE id = ?",
    "insert": "INSERT INTO label (sentence_id, user_id, version, created_at, updated_at, "
    + _COLUMNS
    + ") VALUES (?, ?, ?, ?, ?, "
    + _MARKS
    + ") RETURNING id",
    "update": "UPDATE label SET version = ?, updated_at = ?, "
    + ", ".join(f"{name} = ?" for name in _LABEL_FIELDS)
    + " WHERE id = ?",
    "reopen": "UPDATE gold_label SET needs_review = ? WHERE sentence_id = ? AND needs_review = ?",
    "history": "INSERT INTO label_history (label_id, sentence_id, user_id, version, action, changed_at, "
    + _COLUMNS
    + ") VALUES (?, ?, ?, ?, ?, ?, "
    + _MARKS
    + ")",
}


def _driver_sql(dialect: str, name: str) -> str:
    sql = driver_sql(dialect, _SQL[name])
    return sql + " FOR UPDATE" if dialect != "sqlite" and name == "current" else sql


def _upsert(*, session: Session, sentence_id: int, user_id: int, values: dict[str, Any]) -> Label:
    """Plain driver statements, not ORM objects: a save is on the annotator's critical path
    (≤ 1 ms), and SQLAlchemy's statement building alone cost twice that."""
    connection = session.connection()
    dialect = connection.dialect.name

    def run(name: str, params: tuple[Any, ...]) -> Any:
        return connection.exec_driver_sql(_driver_sql(dialect, name), params)

    now = utcnow()
    stamp = stored_time(dialect, now)
    new_values = tuple(values[name] for name in _LABEL_FIELDS)
    current = run("current", (sentence_id, user_id)).first()
    if current is None:
        if run("sentence", (sentence_id,)).first() is None:
            raise NotFoundError(f"no sentence with id {sentence_id}")
        version, created_at = 1, now
        label_id = run("insert", (sentence_id, user_id, 1, stamp, stamp, *new_values)).scalar_one()
    else:
        label_id, version = current[0], current[1] + 1
        created_at = _as_datetime(current[2])
        if (
            tuple(
                bool(v) if isinstance(v, int) and n in ("is_claim", "flagged") else v
                for n, v in zip(_LABEL_FIELDS, current[4:], strict=True)
            )
            == new_values
        ):
            session.rollback()
            return Label(
                id=label_id,
                sentence_id=sentence_id,
                user_id=user_id,
                version=current[1],
                created_at=created_at,
                updated_at=_as_datetime(current[3]),
                **values,
            )
        run("update", (version, stamp, *new_values, label_id))
    # Gold settled on this sentence goes back to review; it is never silently overwritten.
    run("reopen", (True, sentence_id, False))
    run("history", (label_id, sentence_id, user_id, version, "save", stamp, *new_values))
    session.commit()
    return Label(
        id=label_id,
        sentence_id=sentence_id,
        user_id=user_id,
        version=version,
        created_at=created_at,
        updated_at=now,
        **values,
    )


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(str(value)))


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
