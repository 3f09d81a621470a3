"""A lead's decisions on sources annotators proposed: accept, rename, merge or reject.

A proposed source is on the article's list at once (annotators can pick it) but marked
*proposed* until a lead decides. Merging moves its labels (and gold) to the other source;
rejecting moves them to ``other`` with the proposed name, so no label points to a source
that is gone (nor names it in its ``via`` chain). Every moved label gets a new version and a
history row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from annotator.domain.article import SourceSpec
from annotator.domain.errors import InputError, NotFoundError
from annotator.domain.label import VIA_OTHER_PREFIX
from annotator.domain.source_keys import RESERVED_KEYS, source_key_for
from annotator.store.documents import (
    add_source,
    awaits_decision,
    check_source_name,
    list_sources,
)
from annotator.store.engine import run_write
from annotator.store.gold import record_gold
from annotator.store.labels import LabelChange, record_label_changes
from annotator.store.models import (
    GoldLabel,
    Label,
    Sentence,
    Source,
    SourceOrigin,
    utcnow,
)

OTHER = "other"


def add_named_source(
    *,
    session: Session,
    document_id: str,
    name: str,
    aliases: Sequence[str] = (),
    origin: SourceOrigin = SourceOrigin.article,
    proposed_by_id: int | None = None,
) -> Source:
    """Add a source by its name; its key is made from the name, new in this article."""
    cleaned = " ".join(name.split())
    check_source_name(cleaned)
    taken = {s.key for s in list_sources(session=session, document_id=document_id)}
    key = source_key_for(cleaned, taken=taken, reserved=RESERVED_KEYS)
    spec = SourceSpec(key, cleaned, tuple(a.strip() for a in aliases if a.strip()))
    return add_source(
        session=session, document_id=document_id, spec=spec, origin=origin, proposed_by_id=proposed_by_id
    )


def _pending(session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id}")
    if not awaits_decision(source):
        raise InputError(
            f"source {source.key!r} is not waiting for a decision (it is {source.origin.value})",
            field="origin",
        )
    return source


def accept_source(*, session: Session, source_id: int, name: str | None = None) -> Source:
    """Take a proposed source onto the article's list, renamed if ``name`` is given; its key stays."""
    source = _pending(session, source_id)
    if name is not None:
        cleaned = " ".join(name.split())
        check_source_name(cleaned)
        source.label = cleaned
    source.origin = SourceOrigin.article
    session.add(source)
    session.commit()
    session.refresh(source)
    return source


def merge_source(*, session: Session, source_id: int, into_source_id: int) -> int:
    """Merge a proposed source into another source of the same article; return the labels moved."""
    source = _pending(session, source_id)
    into = session.get(Source, into_source_id)
    if into is None or into.document_id != source.document_id or into.id == source.id:
        raise InputError(
            "a source merges into another source of the same article",
            field="into",
            hint="pick one of the article's other sources",
        )
    return _move_and_delete(
        session, source, new_source=into.key, new_other=None, new_via=into.key, action="source-merge"
    )


def reject_source(*, session: Session, source_id: int) -> int:
    """Remove a proposed source; its labels become ``other`` with the proposed name (in a ``via``
    chain: ``other:NAME``). Return the labels whose source it was."""
    source = _pending(session, source_id)
    return _move_and_delete(
        session,
        source,
        new_source=OTHER,
        new_other=source.label,
        new_via=VIA_OTHER_PREFIX + source.label,
        action="source-reject",
    )


def _move_and_delete(
    session: Session, source: Source, *, new_source: str, new_other: str | None, new_via: str, action: str
) -> int:
    document_id, key = source.document_id, source.key
    source_id = source.id

    def write() -> int:
        now = utcnow()
        in_article = sa_select(col(Sentence.id)).where(col(Sentence.document_id) == document_id)
        moved = 0
        changes = []
        for label in session.exec(select(Label).where(col(Label.sentence_id).in_(in_article))).all():
            assert label.id is not None
            via = _moved_via(label.via, key, new_via)
            if label.source != key and via == label.via:
                continue
            if label.source == key:
                label.source, label.source_other = new_source, new_other
                moved += 1
            label.via = via
            label.version += 1
            label.updated_at = now
            session.add(label)
            changes.append(LabelChange.of(label, action, now))
        # Gold moves with its labels below: the same decision, so nothing to review again.
        record_label_changes(session, changes, reopen_gold=False)
        for gold in session.exec(select(GoldLabel).where(col(GoldLabel.sentence_id).in_(in_article))).all():
            if _move_gold(gold, key, new_source, new_other, new_via):
                gold.version += 1
                gold.updated_at = now
                record_gold(session, gold, action, now)
        stale = session.get(Source, source_id)
        if stale is not None:
            session.delete(stale)
        session.commit()
        return moved

    return run_write(session, write)


def _moved_via(via: list[str] | None, key: str, new_via: str) -> list[str] | None:
    """A ``via`` chain with ``key`` replaced by ``new_via`` (once: a chain names a source once)."""
    if not via or key not in via:
        return via
    moved: list[str] = []
    for entry in via:
        renamed = new_via if entry == key else entry
        if renamed not in moved:
            moved.append(renamed)
    return moved


def _move_gold(gold: GoldLabel, key: str, new_source: str, new_other: str | None, new_via: str) -> bool:
    """Point a gold label and the votes it was settled from at the new source; whether anything changed."""
    before = (gold.source, gold.source_other, gold.via, gold.votes)
    if gold.source == key:
        gold.source, gold.source_other = new_source, new_other
    gold.via = _moved_via(gold.via, key, new_via)
    votes = {}
    for name, vote in gold.votes.items():
        if vote.get("source") == key:
            vote = {**vote, "source": new_source, "source_other": new_other}
        if vote.get("via"):
            vote = {**vote, "via": _moved_via(vote["via"], key, new_via) or []}
        votes[name] = vote
    gold.votes = votes
    return (gold.source, gold.source_other, gold.via, gold.votes) != before
