"""Labels: one current label per (sentence, annotator), every change appended to history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from annotator.domain.errors import InputError, NotFoundError
from annotator.domain.label import LABEL_FIELDS, LabelValue, sentence_revision
from annotator.domain.label_schema import LabelSchema, check_label, check_label_text
from annotator.store.engine import driver_sql, run_write, stored_time
from annotator.store.models import Label, LabelCreate, LabelHistory, Sentence, User, as_utc, utcnow
from annotator.store.suggestions import record_labels_against_suggestions


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
    values = label_in.model_dump(include=set(LABEL_FIELDS))
    # Two tabs of the same annotator may insert the first label at once: again, it exists then.
    return run_write(
        session,
        lambda: _upsert(session=session, sentence_id=sentence_id, user_id=user_id, values=values),
        again_on_conflict=True,
    )


_COLUMNS = ", ".join(LABEL_FIELDS)
_MARKS = ", ".join("?" for _ in LABEL_FIELDS)
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
    + ", ".join(f"{name} = ?" for name in LABEL_FIELDS)
    + " WHERE id = ?",
    "reopen": "UPDATE gold_label SET needs_review = ? WHERE sentence_id = ? AND needs_review = ?",
    "history": "INSERT INTO label_history (label_id, sentence_id, user_id, version, action, changed_at, "
    + _COLUMNS
    + ") VALUES (?, ?, ?, ?, ?, ?, "
    + _MARKS
    + ")",
    "delete": "DELETE FROM label WHERE id = ?",
    "last_version": "SELECT coalesce(max(version), 0) FROM label_history "
    "WHERE sentence_id = ? AND user_id = ?",
    "receipt": "INSERT INTO submission_receipt "
    "(user_id, client_id, sentence_id, outcome, received_at) VALUES (?, ?, ?, ?, ?)",
}


def _driver_sql(dialect: str, name: str) -> str:
    sql = driver_sql(dialect, _SQL[name])
    return sql + " FOR UPDATE" if dialect != "sqlite" and name == "current" else sql


def _upsert(*, session: Session, sentence_id: int, user_id: int, values: dict[str, Any]) -> Label:
    """Plain driver statements, not ORM objects: a save is on the annotator's critical path
    (≤ 1 ms), and SQLAlchemy's statement building alone cost twice that."""
    written = _write_label(session, sentence_id=sentence_id, user_id=user_id, value=LabelValue(**values))
    if written.changed:
        session.commit()
    else:
        session.rollback()
    return Label(
        id=written.label_id,
        sentence_id=sentence_id,
        user_id=user_id,
        version=written.version,
        created_at=written.created_at,
        updated_at=written.updated_at,
        **values,
    )


@dataclass(frozen=True)
class _Written:
    label_id: int
    version: int
    created_at: datetime
    updated_at: datetime
    changed: bool


def _write_label(
    session: Session, *, sentence_id: int, user_id: int, value: LabelValue | None, action: str = "save"
) -> _Written:
    """Make ``value`` the annotator's current label (None: take the label back), with its
    history row and gold re-opened, inside the caller's transaction. Equal values change nothing."""
    connection = session.connection()
    dialect = connection.dialect.name

    def run(name: str, params: tuple[Any, ...]) -> Any:
        return connection.exec_driver_sql(_driver_sql(dialect, name), params)

    now = utcnow()
    stamp = stored_time(dialect, now)
    current = run("current", (sentence_id, user_id)).first()
    if current is None:
        if run("sentence", (sentence_id,)).first() is None:
            raise NotFoundError(f"no sentence with id {sentence_id}")
        if value is None:
            return _Written(0, 0, now, now, changed=False)
        new_values = value.as_tuple()
        # A label taken back and given again goes on from its history's last version.
        version, created_at = run("last_version", (sentence_id, user_id)).scalar_one() + 1, now
        label_id = run("insert", (sentence_id, user_id, version, stamp, stamp, *new_values)).scalar_one()
    else:
        label_id, version = current[0], current[1] + 1
        created_at = _as_datetime(current[2])
        stored = _stored_value(current[4:])
        if value == stored:
            return _Written(label_id, current[1], created_at, _as_datetime(current[3]), changed=False)
        if value is None:
            # The history row keeps the values taken back, so nothing said is ever lost.
            new_values, action = stored.as_tuple(), "clear"
            run("delete", (label_id,))
        else:
            new_values = value.as_tuple()
            run("update", (version, stamp, *new_values, label_id))
    # Gold settled on this sentence goes back to review; it is never silently overwritten.
    run("reopen", (True, sentence_id, False))
    run("history", (label_id, sentence_id, user_id, version, action, stamp, *new_values))
    return _Written(label_id, version, created_at, now, changed=True)


def _stored_value(row: Sequence[Any]) -> LabelValue:
    is_claim, source, source_other, confidence, note, flagged = row
    # SQLite hands booleans back as integers.
    return LabelValue(bool(is_claim), source, source_other, confidence, note, bool(flagged))


@dataclass(frozen=True)
class Submission:
    """A label as the labelling panel sends it: typed on the sentence ``sentence_id`` as it
    read at ``revision``, under an id the browser made up (``client_id``)."""

    client_id: str
    sentence_id: int
    revision: str
    value: LabelValue | None  # None: take the label back (undoing a sentence's first label)
    action: str = "save"  # or "undo": how the history row records it


@dataclass(frozen=True)
class Receipt:
    """What became of one submission: ``saved``, ``unchanged`` (it was already so) or
    ``refused`` with a reason the annotator can act on."""

    client_id: str
    sentence_id: int
    outcome: str
    reason: str | None = None


def submit_labels(
    *, session: Session, user_id: int, submissions: Sequence[Submission], schema: LabelSchema
) -> list[Receipt]:
    """Apply the panel's labels in the order they were typed, each checked on its own.

    One transaction for the batch: a refused label is left out without holding back its
    neighbours, and nothing is acknowledged before the commit. A submission already received
    (a resend) is answered from its receipt and applied no second time.
    """
    if not submissions:
        return []

    def write() -> list[Receipt]:
        receipts = _apply_submissions(session, user_id, submissions, schema)
        session.commit()
        return receipts

    # Another tab of the same annotator may write the same first label or receipt at once.
    return run_write(session, write, again_on_conflict=True)


def _apply_submissions(
    session: Session, user_id: int, submissions: Sequence[Submission], schema: LabelSchema
) -> list[Receipt]:
    connection = session.connection()
    dialect = connection.dialect.name

    def rows(sql: str, params: Sequence[Any]) -> list[Any]:
        return list(connection.exec_driver_sql(driver_sql(dialect, sql), tuple(params)).all())

    active = rows('SELECT active FROM "user" WHERE id = ?', (user_id,))
    if not active or not active[0][0]:
        reason = "this account is no longer active; ask a lead to reactivate it, then reload"
        return [Receipt(s.client_id, s.sentence_id, "refused", reason) for s in submissions]
    client_ids = sorted({s.client_id for s in submissions})
    received = {
        client_id: Receipt(client_id, sentence_id, outcome)
        for client_id, sentence_id, outcome in rows(
            "SELECT client_id, sentence_id, outcome FROM submission_receipt WHERE user_id = ? "
            f"AND client_id IN ({', '.join('?' for _ in client_ids)})",
            (user_id, *client_ids),
        )
    }
    sentence_ids = sorted({s.sentence_id for s in submissions})
    spans = {
        sentence_id: (document_id, sentence_revision(start, end))
        for sentence_id, document_id, start, end in rows(
            "SELECT id, document_id, char_start, char_end FROM sentence "
            f"WHERE id IN ({', '.join('?' for _ in sentence_ids)})",
            sentence_ids,
        )
    }
    documents = sorted({document_id for document_id, _ in spans.values()})
    known: dict[str, set[str]] = {document_id: set() for document_id in documents}
    if documents:
        for document_id, key in rows(
            f"SELECT document_id, key FROM source WHERE document_id IN ({', '.join('?' for _ in documents)})",
            documents,
        ):
            known[document_id].add(key)
    receipts = []
    saved: list[tuple[int, int, LabelValue]] = []
    for submission in submissions:
        receipt = received.get(submission.client_id)
        if receipt is None:
            receipt = _apply_one(session, user_id, submission, spans, known, schema, saved)
            if receipt.outcome != "refused":
                received[submission.client_id] = receipt
                connection.exec_driver_sql(
                    driver_sql(dialect, _SQL["receipt"]),
                    (
                        user_id,
                        receipt.client_id,
                        receipt.sentence_id,
                        receipt.outcome,
                        stored_time(dialect, utcnow()),
                    ),
                )
        receipts.append(receipt)
    record_labels_against_suggestions(session=session, user_id=user_id, saved=saved)
    return receipts


def _apply_one(
    session: Session,
    user_id: int,
    submission: Submission,
    spans: dict[int, tuple[str, str]],
    known: dict[str, set[str]],
    schema: LabelSchema,
    saved: list[tuple[int, int, LabelValue]],
) -> Receipt:
    def refused(reason: str) -> Receipt:
        return Receipt(submission.client_id, submission.sentence_id, "refused", reason)

    span = spans.get(submission.sentence_id)
    if span is None:
        return refused(
            "this sentence no longer exists: an admin merged it into the one before, or deleted the article"
        )
    document_id, revision = span
    if submission.revision != revision:
        return refused(
            "an admin merged or split this sentence after you read it: read it again and label it anew"
        )
    value = submission.value
    if value is not None:
        try:
            check_submitted_label(schema, value, known[document_id])
        except InputError as error:
            return refused(str(error))
    written = _write_label(
        session, sentence_id=submission.sentence_id, user_id=user_id, value=value, action=submission.action
    )
    if written.changed and value is not None:
        saved.append((submission.sentence_id, written.version, value))
    return Receipt(submission.client_id, submission.sentence_id, "saved" if written.changed else "unchanged")


def check_submitted_label(schema: LabelSchema, value: LabelValue, article_sources: set[str]) -> None:
    """Everything a label typed in the app must satisfy, beyond the schema's own checks."""
    check_label_text(note=value.note, source_other=value.source_other)
    check_label(
        schema,
        is_claim=value.is_claim,
        source=value.source,
        confidence=value.confidence,
        source_other=value.source_other,
    )
    if value.source is not None and value.source not in schema.special_keys | article_sources:
        raise InputError(
            f"{value.source!r} is not a source of this article any more",
            field="source",
            hint="a lead removed or renamed it: pick another source",
        )
    if value.is_claim and value.confidence is None and schema.claim_confidence_required:
        raise InputError(
            "a claim needs a confidence",
            field="confidence",
            hint=f"type {schema.confidence_min}–{schema.confidence_max}",
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
