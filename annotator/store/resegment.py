"""Fixing a sentence split (merge two sentences, split one) without losing a label or gold."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from annotator.domain.errors import InputError, NotFoundError
from annotator.store.engine import run_write
from annotator.store.gold import get_gold, record_gold
from annotator.store.labels import LabelChange, record_label_changes, reopen
from annotator.store.models import Document, GoldLabel, Label, Sentence, utcnow


def merge_with_next(*, session: Session, document_id: str, index: int) -> Sentence:
    """Join sentence ``index`` and the one after it.

    Labels on the second sentence move to the merged one; where an annotator labelled both,
    the first label stays current and the second is closed with a final history row, so its
    values remain in the history. Gold follows the same rule: the second sentence's gold moves
    to the merged sentence when the first has none (history row ``merged``), otherwise it is
    closed with a final ``merged-away`` history row; either way the merged sentence's gold is
    re-opened for review. Evidence needs no change: the merged sentence holds both.
    """

    def write() -> Sentence:
        first, second = _sentence(session, document_id, index), _sentence(session, document_id, index + 1)
        document = _document(session, document_id)
        assert first.id is not None and second.id is not None
        first.char_end = second.char_end
        first.text = document.text[first.char_start : first.char_end]
        keep = {label.user_id for label in _labels(session, first.id)}
        now = utcnow()
        moved = _labels(session, second.id)
        record_label_changes(
            session,
            [
                LabelChange.of(
                    label, "merged-away" if label.user_id in keep else "merged", now, sentence_id=first.id
                )
                for label in moved
            ],
        )
        for label in moved:
            if label.user_id in keep:
                session.delete(label)
            else:
                label.sentence_id = first.id
                session.add(label)
        session.flush()
        _merge_gold(session, into=first.id, merged=second.id, now=now)
        reopen(session, [first.id])
        session.delete(second)
        session.flush()
        _shift(session, document_id, after=index + 1, by=-1)
        session.add(first)
        session.commit()
        return first

    return run_write(session, write)


def split_sentence(*, session: Session, document_id: str, index: int, at: int) -> tuple[Sentence, Sentence]:
    """Split sentence ``index`` at character ``at`` of its text; labels and gold stay on the
    first part, which has none of their evidence past its end (``_drop_evidence_past``), and
    its gold is re-opened for review.

    The whitespace at the cut belongs to neither part, so both stay exact slices of the text.
    """

    def write() -> tuple[Sentence, Sentence]:
        sentence = _sentence(session, document_id, index)
        document = _document(session, document_id)
        cut = sentence.char_start + at
        head_end = cut
        while head_end > sentence.char_start and document.text[head_end - 1].isspace():
            head_end -= 1
        tail_start = cut
        while tail_start < sentence.char_end and document.text[tail_start].isspace():
            tail_start += 1
        if head_end <= sentence.char_start or tail_start >= sentence.char_end:
            raise InputError(
                f"cannot split sentence {index} at character {at}: one part would be empty",
                field="at",
                hint=f"choose a position between 1 and {len(sentence.text) - 1}",
            )
        _shift(session, document_id, after=index, by=1)
        tail = Sentence(
            document_id=document_id,
            index=index + 1,
            char_start=tail_start,
            char_end=sentence.char_end,
            text=document.text[tail_start : sentence.char_end],
            paragraph=sentence.paragraph,
        )
        sentence.char_end = head_end
        sentence.text = document.text[sentence.char_start : head_end]
        session.add(sentence)
        session.add(tail)
        assert sentence.id is not None
        _drop_evidence_past(session, sentence.id, head_end)
        reopen(session, [sentence.id])
        session.commit()
        return sentence, tail

    return run_write(session, write)


def _drop_evidence_past(session: Session, sentence_id: int, end: int) -> None:
    """Labels and gold stay on the first part of a split sentence; a cue or mention that now
    lies past that part's end no longer names words of it, so it is cleared (a new version,
    whose ``split`` history row follows the one that keeps the value from before the split).

    Only offsets past the end are wrong: a mention may lie in an earlier sentence."""
    now = utcnow()
    changed = []
    for label in _labels(session, sentence_id):
        if not _clear_spans_past(label, end):
            continue
        label.version += 1
        label.updated_at = now
        session.add(label)
        changed.append(label)
    session.flush()
    record_label_changes(
        session, [LabelChange.of(label, "split", now) for label in changed], reopen_gold=False
    )
    settled = get_gold(session=session, sentence_id=sentence_id)
    if settled is not None and _clear_spans_past(settled, end):
        _record_gold_change(session, settled, "split", now)


def _clear_spans_past(row: Label | GoldLabel, end: int) -> bool:
    """Clear the cue and the mention of ``row`` that end past ``end``; whether any did."""
    cue_past = row.cue_end is not None and row.cue_end > end
    mention_past = row.mention_end is not None and row.mention_end > end
    if cue_past:
        row.cue_start = row.cue_end = None
    if mention_past:
        row.mention_start = row.mention_end = None
    return cue_past or mention_past


def _merge_gold(session: Session, *, into: int, merged: int, now: datetime) -> None:
    """Gold of sentence ``merged`` before its sentence is deleted (which would take it along,
    unrecorded): moved to sentence ``into`` if that has no gold, otherwise closed with a final
    history row that keeps its values."""
    closing = get_gold(session=session, sentence_id=merged)
    if closing is None:
        return
    if get_gold(session=session, sentence_id=into) is None:
        closing.sentence_id = into
        _record_gold_change(session, closing, "merged", now)
    else:
        _record_gold_change(session, closing, "merged-away", now)
        session.delete(closing)
        session.flush()


def _record_gold_change(session: Session, settled: GoldLabel, action: str, now: datetime) -> None:
    """A resegmentation changed gold: a new version, re-opened for review (a reviewer decides
    on the new sentence), with its history row."""
    settled.version += 1
    settled.updated_at = now
    settled.needs_review = True
    record_gold(session, settled, action, now)


def _sentence(session: Session, document_id: str, index: int) -> Sentence:
    sentence = session.exec(
        select(Sentence).where(Sentence.document_id == document_id, Sentence.index == index)
    ).first()
    if sentence is None:
        raise NotFoundError(f"document {document_id!r} has no sentence {index}")
    return sentence


def _document(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"no document {document_id!r}")
    return document


def _labels(session: Session, sentence_id: int) -> list[Label]:
    return list(session.exec(select(Label).where(Label.sentence_id == sentence_id)).all())


def _shift(session: Session, document_id: str, *, after: int, by: int) -> None:
    """Move the positions of sentences past ``after`` by ``by``.

    Two steps through negative numbers, so that no row ever collides with the unique
    (document, position) constraint half-way through, on SQLite or PostgreSQL.
    """
    in_document = col(Sentence.document_id) == document_id
    session.execute(
        update(Sentence)
        .where(in_document, col(Sentence.index) > after)
        .values(index=-col(Sentence.index) - 1)
    )
    session.execute(
        update(Sentence)
        .where(in_document, col(Sentence.index) < 0)
        .values(index=-col(Sentence.index) - 1 + by)
    )
    session.flush()
