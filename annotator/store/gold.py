"""Gold labels: automatic settling, adjudication, re-review, and the review queue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from annotator.domain.errors import NotFoundError
from annotator.domain.label import STORED_FIELDS, LabelValue, stored_label
from annotator.domain.label_schema import LabelSchema
from annotator.domain.review import field_disagreement
from annotator.domain.settling import Policy, Vote, disagreement_share, evidence_split, settle
from annotator.store import driver
from annotator.store.engine import run_write
from annotator.store.labels import check_label_value, default_label_schema, label_places
from annotator.store.models import (
    Document,
    GoldBase,
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
    evidence_split: int = 0
    """Of those to review, the sentences whose labels agree but whose evidence does not settle."""


def _span_text(start: Any, end: Any) -> Any:
    """A span's words, read from the document in the query (only for labels that have the span)."""
    return case((start.is_(None), None), else_=func.substr(col(Document.text), start + 1, end - start))


# A label as a vote: its stored columns, and its spans' words read from the document in the
# query (a review queue over every article must not hold every article's text).
_VOTE_COLUMNS = (
    col(User.name),
    *(col(getattr(Label, name)) for name in STORED_FIELDS),
    _span_text(col(Label.cue_start), col(Label.cue_end)),
    _span_text(col(Label.mention_start), col(Label.mention_end)),
)


def _vote(row: Sequence[Any]) -> Vote:
    name, *stored, cue_text, mention_text = row
    cue_at, mention_at = STORED_FIELDS.index("cue_start"), STORED_FIELDS.index("mention_start")
    words = {
        (stored[cue_at], stored[cue_at + 1]): cue_text,
        (stored[mention_at], stored[mention_at + 1]): mention_text,
    }
    return Vote(name, stored_label(stored, lambda start, end: words[start, end]))


def _votes_query(*columns: Any) -> Any:
    return (
        sa_select(*columns, *_VOTE_COLUMNS)
        .join(User, col(User.id) == col(Label.user_id))
        .join(Sentence, col(Sentence.id) == col(Label.sentence_id))
        .join(Document, col(Document.id) == col(Sentence.document_id))
    )


def votes_by_sentence(*, session: Session, document_id: str | None = None) -> dict[int, list[Vote]]:
    """Every annotator's current label as a vote, grouped by sentence id."""
    query = _votes_query(col(Label.sentence_id)).order_by(col(Label.sentence_id), col(User.name))
    if document_id is not None:
        query = query.where(col(Sentence.document_id) == document_id)
    grouped: dict[int, list[Vote]] = defaultdict(list)
    for sentence_id, *row in session.execute(query).all():
        grouped[sentence_id].append(_vote(row))
    return grouped


def votes_by_sentence_id(*, session: Session, sentence_id: int) -> list[Vote]:
    query = _votes_query().where(col(Label.sentence_id) == sentence_id).order_by(col(User.name))
    return [_vote(row) for row in session.execute(query).all()]


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
        votes = votes_by_sentence(session=session, document_id=document_id)
        existing = set(session.exec(select(GoldLabel.sentence_id)).all())
        counts = {"unanimous": 0, "majority": 0}
        to_review = waiting = already = split = 0
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
                    split += bool(evidence_split(sentence_votes))
                continue
            now = utcnow()
            gold = GoldLabel(
                sentence_id=sentence_id,
                **_gold_values(settlement.value),
                provenance=Provenance(settlement.provenance),
                votes=settlement.votes,
                agreement=settlement.agreement,
                decided_by_id=decided_by_id,
                created_at=now,
                updated_at=now,
            )
            record_gold(session, gold, "settle", now)
            counts[settlement.provenance] += 1
        session.commit()
        return SettleReport(
            sum(counts.values()), counts["unanimous"], counts["majority"], to_review, waiting, already, split
        )

    return run_write(session, write)


GOLD_VALUE_FIELDS = (*driver.GOLD_VALUE_COLUMNS, *driver.GOLD_EVIDENCE_COLUMNS)
"""A gold label's own columns: the ``STORED_FIELDS`` its table has (not an annotator's note and flag)."""


def _gold_values(value: LabelValue) -> dict[str, Any]:
    row = dict(zip(STORED_FIELDS, value.as_row(), strict=True))
    return {name: row[name] for name in GOLD_VALUE_FIELDS}


def record_gold(session: Session, gold: GoldLabel, action: str, now: datetime) -> None:
    """Write gold and its history row (gold history is never updated or deleted)."""
    session.add(gold)
    session.flush()
    assert gold.id is not None
    session.add(
        GoldHistory(
            gold_id=gold.id,
            sentence_id=gold.sentence_id,
            version=gold.version,
            action=action,
            changed_at=now,
            **gold.model_dump(include=set(GoldBase.model_fields)),
        )
    )


def decide(
    *,
    session: Session,
    sentence_id: int,
    reviewer_id: int,
    value: LabelValue,
    rationale: str = "",
    schema: LabelSchema | None = None,
) -> GoldLabel:
    """A reviewer's decision, evidence and all, becomes the gold label (provenance
    ``adjudicated``), kept in history. Held to the store's rules on labels
    (``check_label_value``; the shipped label schema when ``schema`` is None); a reviewer's
    note and flag are not part of gold."""
    rules = schema or default_label_schema()

    def write() -> GoldLabel:
        place = label_places(session.connection(), [sentence_id], needs_text=True).get(sentence_id)
        if place is None:
            raise NotFoundError(f"no sentence with id {sentence_id}")
        check_label_value(rules, value, place)
        votes = votes_by_sentence_id(session=session, sentence_id=sentence_id)
        decided = Vote("", value)
        now = utcnow()
        gold = session.exec(
            select(GoldLabel).where(GoldLabel.sentence_id == sentence_id).with_for_update()
        ).first()
        if gold is None:
            gold = GoldLabel(
                sentence_id=sentence_id,
                is_claim=value.is_claim,
                provenance=Provenance.adjudicated,
                created_at=now,
                updated_at=now,
                version=0,
            )
        for name, stored in _gold_values(value).items():
            setattr(gold, name, stored)
        gold.provenance = Provenance.adjudicated
        gold.votes = {v.annotator: v.to_json() for v in votes}
        gold.agreement = sum(1 for v in votes if v.answer == decided.answer)
        gold.decided_by_id = reviewer_id
        gold.rationale = rationale
        gold.needs_review = False
        gold.version += 1
        gold.updated_at = now
        record_gold(session, gold, "adjudicate", now)
        session.commit()
        return gold

    return run_write(session, write)


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
    evidence_split: tuple[str, ...] = ()
    """The evidence (cue, source_mention, via) that kept labels agreeing on the answer from
    settling: those who marked it marked different words (or chains), none by a majority."""


def review_queue(
    *, session: Session, document_id: str | None = None, include_single: bool = False
) -> list[QueueItem]:
    """Sentences that need a reviewer: labelled, without gold or with gold re-opened.

    A sentence only one annotator labelled is not a review item (there is nothing to compare)
    unless it is flagged or its gold was re-opened; ``include_single`` brings them all in.
    Most disagreement first (on the answer, then on the number of fields, evidence included);
    then flagged sentences and those with notes, so that what annotators asked about surfaces;
    then article order.
    """
    votes = votes_by_sentence(session=session, document_id=document_id)
    gold = {g.sentence_id: g.needs_review for g in session.exec(select(GoldLabel)).all()}
    details: dict[int, tuple[str, int]] = {}
    if votes:
        for sid, doc, index in session.exec(
            select(Sentence.id, Sentence.document_id, Sentence.index).where(col(Sentence.id).in_(list(votes)))
        ).all():
            assert sid is not None
            details[sid] = (doc, index)
    items = [
        QueueItem(
            sid,
            *details[sid],
            disagreement_share(v),
            len(v),
            flagged=any(vote.value.flagged for vote in v),
            notes=sum(1 for vote in v if vote.value.note),
            reopened=gold.get(sid, False),
            differs=tuple(field_disagreement(v).items()),
            evidence_split=evidence_split(v),
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
            -len(q.differs) - len(q.evidence_split),
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
