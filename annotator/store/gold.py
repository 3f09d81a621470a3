"""Gold labels: automatic settling, adjudication, re-review, and the review queue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from annotator.domain.errors import NotFoundError
from annotator.domain.label_schema import LabelSchema, check_label
from annotator.domain.review import field_disagreement
from annotator.domain.settling import Policy, Settlement, Vote, disagreement_share, settle
from annotator.store.engine import driver_sql, run_write
from annotator.store.models import (
    GoldHistory,
    GoldLabel,
    Label,
    Provenance,
    Sentence,
    User,
    utcnow,
)


@dataclass(frozen=True)
class SettleReport:
    settled: int
    unanimous: int
    majority: int
    to_review: int
    """Sentences with enough labels whose labels did not settle."""
    waiting: int
    """Sentences with fewer labels than the minimum."""
    already_gold: int


_VOTE_COLUMNS = (
    col(User.name),
    col(Label.is_claim),
    col(Label.source),
    col(Label.source_other),
    col(Label.confidence),
)


def votes_by_sentence(*, session: Session, document_id: str | None = None) -> dict[int, list[Vote]]:
    """Every annotator's current label as a vote, grouped by sentence id."""
    query = (
        sa_select(col(Label.sentence_id), *_VOTE_COLUMNS)
        .join(User, col(User.id) == col(Label.user_id))
        .order_by(col(Label.sentence_id), col(User.name))
    )
    if document_id is not None:
        query = query.join(Sentence, col(Sentence.id) == col(Label.sentence_id)).where(
            col(Sentence.document_id) == document_id
        )
    grouped: dict[int, list[Vote]] = defaultdict(list)
    for sentence_id, name, is_claim, source, other, confidence in session.execute(query).all():
        grouped[sentence_id].append(Vote(name, bool(is_claim), source, other, confidence))
    return grouped


def settle_gold(
    *,
    session: Session,
    document_id: str | None = None,
    min_annotators: int = 2,
    policy: Policy = "majority",
    decided_by_id: int | None = None,
) -> SettleReport:
    """Give gold to every sentence whose labels settle; existing gold is never touched."""

    def write() -> SettleReport:
        try:
            votes = votes_by_sentence(session=session, document_id=document_id)
            existing = set(session.exec(select(GoldLabel.sentence_id)).all())
            counts = {"unanimous": 0, "majority": 0}
            to_review = waiting = already = 0
            for sentence_id, sentence_votes in votes.items():
                if sentence_id in existing:
                    already += 1
                    continue
                settlement = settle(sentence_votes, policy=policy, min_annotators=min_annotators)
                if settlement is None:
                    if len(sentence_votes) < min_annotators:
                        waiting += 1
                    else:
                        to_review += 1
                    continue
                _insert(session, sentence_id, settlement, decided_by_id)
                counts[settlement.provenance] += 1
            session.commit()
            return SettleReport(
                sum(counts.values()), counts["unanimous"], counts["majority"], to_review, waiting, already
            )
        except BaseException:
            session.rollback()
            raise

    return run_write(session, write)


def _insert(session: Session, sentence_id: int, settlement: Settlement, decided_by_id: int | None) -> None:
    now = utcnow()
    gold = GoldLabel(
        sentence_id=sentence_id,
        is_claim=settlement.is_claim,
        source=settlement.source,
        source_other=settlement.source_other,
        confidence=settlement.confidence,
        provenance=Provenance(settlement.provenance),
        votes=settlement.votes,
        agreement=settlement.agreement,
        decided_by_id=decided_by_id,
        created_at=now,
        updated_at=now,
    )
    session.add(gold)
    session.flush()
    session.add(_history(gold, "settle", now))


def _history(gold: GoldLabel, action: str, now: Any) -> GoldHistory:
    assert gold.id is not None
    return GoldHistory(
        gold_id=gold.id,
        sentence_id=gold.sentence_id,
        version=gold.version,
        action=action,
        changed_at=now,
        is_claim=gold.is_claim,
        source=gold.source,
        source_other=gold.source_other,
        confidence=gold.confidence,
        provenance=gold.provenance,
        votes=dict(gold.votes),
        agreement=gold.agreement,
        decided_by_id=gold.decided_by_id,
        rationale=gold.rationale,
    )


def adjudicate(
    *,
    session: Session,
    sentence_id: int,
    reviewer_id: int,
    is_claim: bool,
    source: str | None,
    confidence: int | None,
    source_other: str | None = None,
    rationale: str = "",
    schema: LabelSchema | None = None,
) -> GoldLabel:
    """A reviewer's decision becomes the gold label (provenance ``adjudicated``), kept in history."""
    if schema is not None:
        check_label(
            schema, is_claim=is_claim, source=source, confidence=confidence, source_other=source_other
        )
    if session.get(Sentence, sentence_id) is None:
        raise NotFoundError(f"no sentence with id {sentence_id}")

    def write() -> GoldLabel:
        try:
            votes = votes_by_sentence_id(session=session, sentence_id=sentence_id)
            decided = Vote("", is_claim, source, source_other, confidence)
            now = utcnow()
            gold = session.exec(
                select(GoldLabel).where(GoldLabel.sentence_id == sentence_id).with_for_update()
            ).first()
            if gold is None:
                gold = GoldLabel(
                    sentence_id=sentence_id,
                    is_claim=is_claim,
                    provenance=Provenance.adjudicated,
                    created_at=now,
                    updated_at=now,
                    version=0,
                )
            gold.is_claim, gold.source, gold.source_other = (
                is_claim,
                source if is_claim else None,
                source_other,
            )
            gold.confidence = confidence
            gold.provenance = Provenance.adjudicated
            gold.votes = {v.annotator: v.to_json() for v in votes}
            gold.agreement = sum(1 for v in votes if v.answer == decided.answer)
            gold.decided_by_id = reviewer_id
            gold.rationale = rationale
            gold.needs_review = False
            gold.version += 1
            gold.updated_at = now
            session.add(gold)
            session.flush()
            session.add(_history(gold, "adjudicate", now))
            session.commit()
            return gold
        except BaseException:
            session.rollback()
            raise

    return run_write(session, write)


def votes_by_sentence_id(*, session: Session, sentence_id: int) -> list[Vote]:
    rows = session.execute(
        sa_select(*_VOTE_COLUMNS)
        .join(User, col(User.id) == col(Label.user_id))
        .where(col(Label.sentence_id) == sentence_id)
        .order_by(col(User.name))
    ).all()
    return [Vote(name, bool(c), s, o, conf) for name, c, s, o, conf in rows]


def reopen(session: Session, sentence_ids: Sequence[int]) -> None:
    """Mark gold on these sentences for re-review (an annotator's label changed, or the split did).

    Gold itself is never silently overwritten; the reviewer decides again. A plain driver
    statement: it runs with every save, on the annotator's critical path.
    """
    if not sentence_ids:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if (
        len(sentence_ids) > 1
        and connection.exec_driver_sql("SELECT 1 FROM gold_label LIMIT 1").first() is None
    ):
        return  # a bulk import into a project without gold: nothing to re-open
    for start in range(0, len(sentence_ids), 900):  # under SQLite's bound-parameter limit
        chunk = list(sentence_ids[start : start + 900])
        marks = ", ".join("?" for _ in chunk)
        connection.exec_driver_sql(
            driver_sql(
                dialect,
                f"UPDATE gold_label SET needs_review = ? WHERE needs_review = ? AND sentence_id IN ({marks})",
            ),
            (True, False, *chunk),
        )


def get_gold(*, session: Session, sentence_id: int) -> GoldLabel | None:
    return session.exec(select(GoldLabel).where(GoldLabel.sentence_id == sentence_id)).first()


def gold_history(*, session: Session, sentence_id: int) -> list[GoldHistory]:
    return list(
        session.exec(
            select(GoldHistory)
            .where(GoldHistory.sentence_id == sentence_id)
            .order_by(col(GoldHistory.version))
        ).all()
    )


@dataclass(frozen=True)
class QueueItem:
    sentence_id: int
    document_id: str
    index: int
    disagreement: float
    """Share of label pairs whose answers (claim or not, and the source) differ."""
    labels: int
    flagged: bool
    notes: int
    reopened: bool
    differs: tuple[tuple[str, float], ...] = ()
    """Each field the labels differ on (is_claim, source, confidence), with its share of pairs."""


def review_queue(
    *, session: Session, document_id: str | None = None, include_single: bool = False
) -> list[QueueItem]:
    """Sentences that need a reviewer: labelled, without gold or with gold re-opened.

    A sentence only one annotator labelled is not a review item (there is nothing to compare)
    unless it is flagged or its gold was re-opened; ``include_single`` brings them all in.
    Most disagreement first (on the answer, then on the number of fields); then flagged
    sentences and those with notes, so that what annotators asked about surfaces; then
    article order.
    """
    votes = votes_by_sentence(session=session, document_id=document_id)
    gold = {g.sentence_id: g.needs_review for g in session.exec(select(GoldLabel)).all()}
    details: dict[int, tuple[str, int]] = {}
    flags: dict[int, tuple[bool, int]] = defaultdict(lambda: (False, 0))
    if votes:
        ids = list(votes)
        for sid, doc, index in session.exec(
            select(Sentence.id, Sentence.document_id, Sentence.index).where(col(Sentence.id).in_(ids))
        ).all():
            assert sid is not None
            details[sid] = (doc, index)
        for sid, flagged, note in session.exec(
            select(Label.sentence_id, Label.flagged, Label.note).where(col(Label.sentence_id).in_(ids))
        ).all():
            was_flagged, notes = flags[sid]
            flags[sid] = (was_flagged or bool(flagged), notes + (1 if note else 0))
    items = [
        QueueItem(
            sid,
            *details[sid],
            disagreement_share(v),
            len(v),
            *flags[sid],
            reopened=gold.get(sid, False),
            differs=tuple(field_disagreement(v).items()),
        )
        for sid, v in votes.items()
        if (sid not in gold or gold[sid]) and sid in details
    ]
    if not include_single:
        items = [q for q in items if q.labels > 1 or q.flagged or q.reopened]
    items.sort(
        key=lambda q: (
            not q.reopened,
            -q.disagreement,
            -len(q.differs),
            not q.flagged,
            -q.notes,
            q.document_id,
            q.index,
        )
    )
    return items


@dataclass(frozen=True)
class FlagOrNote:
    """An annotator's flag or note on a sentence, with the sentence."""

    sentence_id: int
    document_id: str
    index: int
    text: str
    annotator: str
    flagged: bool
    note: str


def flags_and_notes(
    *, session: Session, document_id: str | None = None, annotators: Sequence[str] | None = None
) -> list[FlagOrNote]:
    """Every current label that is flagged or has a note, in article order (reviewers only)."""
    query = (
        sa_select(
            col(Sentence.id),
            col(Sentence.document_id),
            col(Sentence.index),
            col(Sentence.text),
            col(User.name),
            col(Label.flagged),
            col(Label.note),
        )
        .join(Label, col(Label.sentence_id) == col(Sentence.id))
        .join(User, col(User.id) == col(Label.user_id))
        .where(col(Label.flagged) | (col(Label.note) != ""))
        .order_by(col(Sentence.document_id), col(Sentence.index), col(User.name))
    )
    if document_id is not None:
        query = query.where(col(Sentence.document_id) == document_id)
    if annotators:
        query = query.where(col(User.name).in_(list(annotators)))
    return [
        FlagOrNote(sid, doc, index, text, name, bool(flagged), note or "")
        for sid, doc, index, text, name, flagged, note in session.execute(query).all()
    ]


def annotator_names(*, session: Session) -> list[str]:
    """Everyone who has a current label, by name (the reviewers' annotator filter)."""
    query = (
        sa_select(col(User.name))
        .where(col(User.id).in_(sa_select(col(Label.user_id)).distinct()))
        .order_by(col(User.name))
    )
    return list(session.execute(query).scalars().all())


def review_progress(*, session: Session, document_id: str | None = None) -> tuple[int, int]:
    """(sentences with settled gold not waiting for re-review, labelled sentences)."""
    votes = votes_by_sentence(session=session, document_id=document_id)
    settled = {g.sentence_id for g in session.exec(select(GoldLabel)).all() if not g.needs_review}
    return len(settled & set(votes)), len(votes)


def gold_answers(*, session: Session, document_id: str | None = None) -> dict[int, tuple[bool, str | None]]:
    """Settled answers by sentence id (re-opened gold included: it stands until a reviewer decides)."""
    query = sa_select(col(GoldLabel.sentence_id), col(GoldLabel.is_claim), col(GoldLabel.source))
    if document_id is not None:
        query = query.join(Sentence, col(Sentence.id) == col(GoldLabel.sentence_id)).where(
            col(Sentence.document_id) == document_id
        )
    return {sid: (bool(claim), source) for sid, claim, source in session.execute(query).all()}
