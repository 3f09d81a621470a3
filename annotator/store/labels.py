"""Labels: one current label per (sentence, annotator), every change appended to history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Boolean, func
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from annotator.domain.errors import InputError, NotFoundError
from annotator.domain.label import (
    STORED_FIELDS,
    LabelValue,
    evidence_problems,
    sentence_revision,
    stored_label,
    stored_via,
)
from annotator.domain.label_schema import LabelSchema, check_label, check_label_text, schema_from_dict
from annotator.store import driver
from annotator.store.driver import bound_values, stored_time
from annotator.store.engine import run_write
from annotator.store.models import Document, Label, LabelHistory, Sentence, User, as_utc, utcnow
from annotator.store.suggestions import record_labels_against_suggestions


def save_label(
    *,
    session: Session,
    sentence_id: int,
    user_id: int,
    value: LabelValue,
    schema: LabelSchema | None = None,
) -> Label:
    """Save the annotator's label for a sentence and append its history row, committed at once.

    The store's own rules hold whoever calls: the label schema (the shipped one when ``schema``
    is None), the source belonging to the sentence's article, and evidence that fits the text.
    Saving the same values again changes nothing. Retries while the database is busy, so
    "database is locked" never reaches the annotator (bounded, see ``run_write``).
    """
    rules = schema or default_label_schema()

    def write() -> Label:
        connection = session.connection()
        found = label_places(connection, [sentence_id], needs_text=_has_spans(value))
        if sentence_id not in found:
            raise NotFoundError(f"no sentence with id {sentence_id}")
        check_label_value(rules, value, found[sentence_id])
        written = _write_label(session, sentence_id=sentence_id, user_id=user_id, value=value)
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
            **dict(zip(STORED_FIELDS, value.as_row(), strict=True)),
        )

    # Two tabs of the same annotator may insert the first label at once: again, it exists then.
    return run_write(session, write, again_on_conflict=True)


@cache
def default_label_schema() -> LabelSchema:
    """The label schema the tool ships (``schemas/label-schema.json``): what the store holds a
    label to when its caller names none, so that no path lets ``confidence=99`` through."""
    checkout = Path(__file__).resolve().parents[2] / "schemas" / "label-schema.json"
    shipped = (
        checkout if checkout.is_file() else resources.files("annotator") / "_schemas" / "label-schema.json"
    )
    return schema_from_dict(orjson.loads(shipped.read_bytes()))


@dataclass(frozen=True)
class LabelPlace:
    """Where a label goes, as its checks need it: the sentence's span of its document, the
    article's source keys, and the document's text (read only for a label with spans)."""

    document_id: str
    sentence_start: int
    sentence_end: int
    source_keys: frozenset[str]
    document_text: str = ""

    @property
    def revision(self) -> str:
        return sentence_revision(self.sentence_start, self.sentence_end)


def check_label_value(schema: LabelSchema, value: LabelValue, place: LabelPlace) -> None:
    """Every rule of the store on a label, whichever path brings it; InputError naming the field.

    The schema (confidence on its scale, source key syntax, no source on a non-claim), bounded
    printable free text, a source of the sentence's article or a special one, and evidence
    (cue, mention, via) that fits the document's text (``evidence_problems``).
    """
    check_label_text(note=value.note, source_other=value.source_other)
    check_label(
        schema,
        is_claim=value.is_claim,
        source=value.source,
        confidence=value.confidence,
        source_other=value.source_other,
    )
    if value.source is not None and value.source not in schema.special_keys | place.source_keys:
        raise InputError(
            f"{value.source!r} is not a source of this article",
            field="source",
            hint="pick one of the article's sources or a special one; a lead may have removed or renamed it",
        )
    problems = evidence_problems(
        value,
        document_text=place.document_text,
        sentence_start=place.sentence_start,
        sentence_end=place.sentence_end,
        source_keys=place.source_keys,
    )
    if problems:
        first, *rest = problems
        more = f" (and {len(rest)} more: {'; '.join(f'{p.field} {p.message}' for p in rest)})" if rest else ""
        raise InputError(first.message + more, field=first.field, hint=_EVIDENCE_HINTS[first.field])


_EVIDENCE_HINTS = {
    "cue": "mark the words that signal the attribution again, in this sentence",
    "source_mention": "mark the words naming the source again, in this sentence or one before",
    "via": "use keys of the article's source list or other:NAME, each once",
    "is_claim": "remove the cue, mention and via, or mark the sentence a claim",
}


def _has_spans(value: LabelValue | None) -> bool:
    return value is not None and (value.cue is not None or value.source_mention is not None)


def label_places(
    connection: Connection, sentence_ids: Sequence[int], *, needs_text: bool
) -> dict[int, LabelPlace]:
    """The place of each of these sentences that exists, with the document's text if asked."""
    if not sentence_ids:
        return {}

    def rows(sql: str, params: Sequence[Any]) -> list[Any]:
        return list(driver.run(connection, sql, tuple(params)).all())

    ids = sorted(set(sentence_ids))
    sentences = rows(driver.sentence_spans(len(ids)), ids)
    documents = sorted({document_id for _, document_id, _, _ in sentences})
    keys: dict[str, set[str]] = {document_id: set() for document_id in documents}
    texts: dict[str, str] = {}
    if documents:
        for document_id, key in rows(driver.source_keys_of_documents(len(documents)), documents):
            keys[document_id].add(key)
        if needs_text:
            texts = dict(rows(driver.texts_of_documents(len(documents)), documents))
    return {
        sentence_id: LabelPlace(
            document_id, start, end, frozenset(keys[document_id]), texts.get(document_id, "")
        )
        for sentence_id, document_id, start, end in sentences
    }


@dataclass(frozen=True)
class LabelChange:
    """One change of an annotator's label, as its history row records it. ``values`` are the
    label's columns after the change (for a label taken back: before it), in ``STORED_FIELDS``
    order (``LabelValue.as_row``)."""

    label_id: int
    sentence_id: int
    user_id: int
    version: int
    action: str
    changed_at: datetime
    values: tuple[Any, ...]

    @classmethod
    def of(cls, label: Label, action: str, at: datetime, *, sentence_id: int | None = None) -> LabelChange:
        """The change a writer made to ``label`` (an ORM row, as it is now): on its own
        sentence, or on ``sentence_id`` when the label moves there (a merge of sentences)."""
        assert label.id is not None
        values = tuple(getattr(label, name) for name in STORED_FIELDS)
        return cls(
            label.id, sentence_id or label.sentence_id, label.user_id, label.version, action, at, values
        )


def record_label_changes(
    session: Session, changes: Sequence[LabelChange], *, reopen_gold: bool = True
) -> None:
    """The one place a label change is recorded, inside the caller's transaction: its history
    row (so nothing said is ever lost) and gold on its sentence re-opened for review (gold is
    never silently overwritten). Every writer of labels calls this: a save, an import, a merge.

    ``reopen_gold=False`` only for a change that moves gold with it in the same transaction
    (a lead merging or rejecting a proposed source): there is nothing new to review."""
    if not changes:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    rows = [
        (
            change.label_id,
            change.sentence_id,
            change.user_id,
            change.version,
            change.action,
            stored_time(dialect, change.changed_at),
            *bound_values(change.values),
        )
        for change in changes
    ]
    driver.run(connection, driver.INSERT_HISTORY, rows[0] if len(rows) == 1 else rows)
    if reopen_gold:
        reopen(session, sorted({change.sentence_id for change in changes}))


def reopen(session: Session, sentence_ids: Sequence[int]) -> None:
    """Mark gold on these sentences for re-review (an annotator's label changed, or the split did).

    Gold itself is never silently overwritten; the reviewer decides again. A plain driver
    statement: it runs with every save, on the annotator's critical path.
    """
    if not sentence_ids:
        return
    connection = session.connection()
    if len(sentence_ids) > 1 and driver.run(connection, driver.ANY_GOLD).first() is None:
        return  # a bulk import into a project without gold: nothing to re-open
    for start in range(0, len(sentence_ids), 900):  # under SQLite's bound-parameter limit
        chunk = list(sentence_ids[start : start + 900])
        driver.run(connection, driver.reopen_gold(len(chunk)), (True, False, *chunk))


_LABEL_TABLE = Label.__table__  # type: ignore[attr-defined]
_BOOLEAN_AT = frozenset(
    i for i, name in enumerate(driver.LABEL_VALUE_COLUMNS) if isinstance(_LABEL_TABLE.c[name].type, Boolean)
)


def _comparable(row: Sequence[Any]) -> tuple[Any, ...]:
    """Stored ``STORED_FIELDS`` columns in ``LabelValue.as_row``'s form: drivers hand booleans back
    as integers (SQLite) and ``via`` as JSON text (SQLite) or a list (PostgreSQL)."""
    *columns, via = row
    return (
        *(bool(value) if i in _BOOLEAN_AT else value for i, value in enumerate(columns)),
        list(stored_via(via)) or None,
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
    history row and gold re-opened, inside the caller's transaction. Equal values change nothing.

    Plain driver statements, not ORM objects: a save is on the annotator's critical path
    (≤ 1 ms), and SQLAlchemy's statement building alone cost twice that."""
    connection = session.connection()
    dialect = connection.dialect.name

    def run(sql: str, params: tuple[Any, ...]) -> Any:
        return driver.run(connection, sql, params)

    now = utcnow()
    stamp = stored_time(dialect, now)
    current = run(driver.current_label(dialect), (sentence_id, user_id)).first()
    if current is None:
        if run(driver.SENTENCE_EXISTS, (sentence_id,)).first() is None:
            raise NotFoundError(f"no sentence with id {sentence_id}")
        if value is None:
            return _Written(0, 0, now, now, changed=False)
        new_values = value.as_row()
        # A label taken back and given again goes on from its history's last version.
        version, created_at = run(driver.LAST_HISTORY_VERSION, (sentence_id, user_id)).scalar_one() + 1, now
        label_id = run(
            driver.INSERT_LABEL, (sentence_id, user_id, version, stamp, stamp, *bound_values(new_values))
        ).scalar_one()
    else:
        label_id, version = current[0], current[1] + 1
        created_at = _as_datetime(current[2])
        stored = _comparable(current[4:])
        if value is not None and value.as_row() == stored:
            return _Written(label_id, current[1], created_at, _as_datetime(current[3]), changed=False)
        if value is None:
            # The history row keeps the values taken back, so nothing said is ever lost.
            new_values, action = stored, "clear"
            run(driver.DELETE_LABEL, (label_id,))
        else:
            new_values = value.as_row()
            run(driver.UPDATE_LABEL, (version, stamp, *bound_values(new_values), label_id))
    record_label_changes(
        session, [LabelChange(label_id, sentence_id, user_id, version, action, now, new_values)]
    )
    return _Written(label_id, version, created_at, now, changed=True)


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
        return list(driver.run(connection, sql, tuple(params)).all())

    active = rows(driver.USER_ACTIVE, (user_id,))
    if not active or not active[0][0]:
        reason = "this account is no longer active; ask a lead to reactivate it, then reload"
        return [Receipt(s.client_id, s.sentence_id, "refused", reason) for s in submissions]
    client_ids = sorted({s.client_id for s in submissions})
    received = {
        client_id: Receipt(client_id, sentence_id, outcome)
        for client_id, sentence_id, outcome in rows(
            driver.receipts_of(len(client_ids)), (user_id, *client_ids)
        )
    }
    places = label_places(
        connection,
        [s.sentence_id for s in submissions],
        needs_text=any(_has_spans(s.value) for s in submissions),
    )
    receipts = []
    saved: list[tuple[int, int, LabelValue]] = []
    for submission in submissions:
        receipt = received.get(submission.client_id)
        if receipt is None:
            receipt = _apply_one(
                session, user_id, submission, places.get(submission.sentence_id), schema, saved
            )
            if receipt.outcome != "refused":
                received[submission.client_id] = receipt
                driver.run(
                    connection,
                    driver.INSERT_RECEIPT,
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
    place: LabelPlace | None,
    schema: LabelSchema,
    saved: list[tuple[int, int, LabelValue]],
) -> Receipt:
    def refused(reason: str) -> Receipt:
        return Receipt(submission.client_id, submission.sentence_id, "refused", reason)

    if place is None:
        return refused(
            "this sentence no longer exists: an admin merged it into the one before, or deleted the article"
        )
    if submission.revision != place.revision:
        return refused(
            "an admin merged or split this sentence after you read it: read it again and label it anew"
        )
    value = submission.value
    if value is not None:
        try:
            check_label_value(schema, value, place)
            _check_typed(schema, value)
        except InputError as error:
            return refused(str(error))
    written = _write_label(
        session, sentence_id=submission.sentence_id, user_id=user_id, value=value, action=submission.action
    )
    if written.changed and value is not None:
        saved.append((submission.sentence_id, written.version, value))
    return Receipt(submission.client_id, submission.sentence_id, "saved" if written.changed else "unchanged")


def _check_typed(schema: LabelSchema, value: LabelValue) -> None:
    """What a label typed in the app must satisfy beyond the store's rules: labels imported from
    other tools may lack a confidence, an annotator's may not (when the schema says so)."""
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


def label_values_of_sentence(*, session: Session, sentence_id: int) -> list[tuple[str, LabelValue]]:
    """Every annotator's current label on one sentence as a value with its evidence's words,
    by annotator name (for reviewers only)."""
    rows = labels_of_sentence(session=session, sentence_id=sentence_id)
    text = ""
    if any(label.cue_start is not None or label.mention_start is not None for _, label in rows):
        sentence = session.get(Sentence, sentence_id)
        document = sentence.document_id if sentence is not None else None
        text = session.exec(select(Document.text).where(Document.id == document)).one()
    return [
        (name, stored_label([getattr(label, f) for f in STORED_FIELDS], lambda start, end: text[start:end]))
        for name, label in rows
    ]


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
