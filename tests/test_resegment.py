"""Merging and splitting sentences keeps offsets exact and never loses a label."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.domain.errors import InputError
from annotator.store import documents, labels
from annotator.store.models import LabelHistory
from annotator.store.resegment import merge_with_next, split_sentence
from tests.helpers import add_small_article, add_user, label


def _texts(session: Session) -> list[tuple[int, str]]:
    doc = documents.require_document(session=session, document_id="doc")
    rows = documents.list_sentences(session=session, document_id="doc")
    for s in rows:
        assert doc.text[s.char_start : s.char_end] == s.text
    return [(s.index, s.text) for s in rows]


def test_merge_moves_labels_and_keeps_conflicting_ones_in_history(engine: Engine) -> None:
    add_small_article(engine)
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=True, source="alpha", confidence=5)
    label(engine, alice, 1, is_claim=True, source="beta", confidence=4)
    label(engine, bob, 1, is_claim=True, source="beta", confidence=3)
    label(engine, bob, 2, is_claim=False)
    with Session(engine) as session:
        merge_with_next(session=session, document_id="doc", index=0)
        assert _texts(session) == [(0, "Alpha said one thing. Beta said another."), (1, "Gamma was silent.")]
        merged = documents.list_sentences(session=session, document_id="doc")[0]
        assert merged.id is not None
        assert labels.get_label(session=session, sentence_id=merged.id, user_id=alice).source == "alpha"  # type: ignore[union-attr]
        assert labels.get_label(session=session, sentence_id=merged.id, user_id=bob).confidence == 3  # type: ignore[union-attr]
        closed = session.exec(select(LabelHistory).where(LabelHistory.action == "merged-away")).all()
        assert [(h.user_id, h.source, h.confidence) for h in closed] == [(alice, "beta", 4)]
        assert labels.labels_by_index(session=session, document_id="doc", user_id=bob)[1].is_claim is False


def test_split_keeps_labels_on_the_first_part(engine: Engine) -> None:
    add_small_article(engine)
    alice = add_user(engine, "alice")
    label(engine, alice, 0, is_claim=True, source="alpha", confidence=5)
    label(engine, alice, 1, is_claim=True, source="beta", confidence=2)
    with Session(engine) as session:
        split_sentence(session=session, document_id="doc", index=0, at=len("Alpha said"))
        assert _texts(session) == [
            (0, "Alpha said"),
            (1, "one thing."),
            (2, "Beta said another."),
            (3, "Gamma was silent."),
        ]
        mine = labels.labels_by_index(session=session, document_id="doc", user_id=alice)
        assert (mine[0].source, mine[2].source) == ("alpha", "beta") and 1 not in mine


def test_split_that_leaves_an_empty_part_is_refused(engine: Engine) -> None:
    add_small_article(engine)
    with Session(engine) as session, pytest.raises(InputError, match="empty"):
        split_sentence(session=session, document_id="doc", index=0, at=0)
    with Session(engine) as session:
        assert len(_texts(session)) == 3
