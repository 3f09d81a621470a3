"""Fixing a sentence split (merge two sentences, split one) without losing a label."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from annotator.domain.errors import InputError, NotFoundError
from annotator.store.engine import run_write
from annotator.store.labels import LabelChange, record_label_changes, reopen
from annotator.store.models import Document, Label, Sentence, utcnow


def merge_with_next(*, session: Session, document_id: str, index: int) -> Sentence:
    """Join sentence ``index`` and the one after it.

    Labels on the second sentence move to the merged one; where an annotator labelled both,
    the first label stays current and the second is closed with a final history row, so its
    values remain in the history.
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
        reopen(session, [first.id])
        session.delete(second)
        session.flush()
        _shift(session, document_id, after=index + 1, by=-1)
        session.add(first)
        session.commit()
        return first

    return run_write(session, write)


def split_sentence(*, session: Session, document_id: str, index: int, at: int) -> tuple[Sentence, Sentence]:
    """Split sentence ``index`` at character ``at`` of its text; labels stay on the first part.

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
    """A label stays on the first part of a split sentence; a cue or mention that now lies
    past that part's end no longer names words of it, so it is cleared (a new version, whose
    history row keeps the label as it was before the split visible in the one before)."""
    now = utcnow()
    changed = []
    for label in _labels(session, sentence_id):
        cue_past = label.cue_end is not None and label.cue_end > end
        mention_past = label.mention_end is not None and label.mention_end > end
        if not (cue_past or mention_past):
            continue
        if cue_past:
            label.cue_start = label.cue_end = None
        if mention_past:
            label.mention_start = label.mention_end = None
        label.version += 1
        label.updated_at = now
        session.add(label)
        changed.append(label)
    session.flush()
    record_label_changes(
        session, [LabelChange.of(label, "split", now) for label in changed], reopen_gold=False
    )


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
