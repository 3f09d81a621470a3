"""The review queue's items and the flags-and-notes list, on both databases."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.store import gold
from tests.helpers import add_small_article, add_user, label


def test_single_annotator_sentences_are_review_items_only_when_flagged_or_asked_for(engine: Engine) -> None:
    add_small_article(engine)
    a, b = add_user(engine, "a"), add_user(engine, "b")
    label(engine, a, 0, is_claim=True, source="alpha", confidence=5)
    label(engine, b, 0, is_claim=True, source="beta", confidence=5)
    label(engine, a, 1, is_claim=True, source="alpha", confidence=4)  # alone, not flagged
    label(engine, a, 2, is_claim=False, flagged=True, note="is this a quote?")  # alone, flagged
    with Session(engine) as session:
        queue = gold.review_queue(session=session)
        everything = gold.review_queue(session=session, include_single=True)
    assert [(q.index, q.labels, q.flagged) for q in queue] == [(0, 2, False), (2, 1, True)]
    assert sorted(q.index for q in everything) == [0, 1, 2]


def test_queue_items_say_which_fields_differ(engine: Engine) -> None:
    add_small_article(engine)
    a, b = add_user(engine, "a"), add_user(engine, "b")
    label(engine, a, 0, is_claim=True, source="alpha", confidence=5)
    label(engine, b, 0, is_claim=True, source="alpha", confidence=2)  # same answer, confidence differs
    label(engine, a, 1, is_claim=True, source="alpha", confidence=3)
    label(engine, b, 1, is_claim=False)
    with Session(engine) as session:
        items = {q.index: q for q in gold.review_queue(session=session)}
    assert items[0].disagreement == 0.0 and items[0].differs == (("confidence", 1.0),)
    assert items[1].differs == (("is_claim", 1.0),)


def test_flags_and_notes_by_article_and_annotator(engine: Engine) -> None:
    add_small_article(engine)
    add_small_article(engine, "other")
    a, b = add_user(engine, "a"), add_user(engine, "b")
    label(engine, a, 0, is_claim=True, source="alpha", note="Alpha or A.?")
    label(engine, b, 0, is_claim=True, source="alpha")  # neither flag nor note: not listed
    label(engine, b, 2, is_claim=False, flagged=True)
    label(engine, a, 1, doc_id="other", is_claim=False, flagged=True, note="garbled")
    with Session(engine) as session:
        every = gold.flags_and_notes(session=session)
        only_doc = gold.flags_and_notes(session=session, document_id="doc")
        only_b = gold.flags_and_notes(session=session, annotators=["b"])
    assert [(f.document_id, f.index, f.annotator, f.flagged, f.note) for f in every] == [
        ("doc", 0, "a", False, "Alpha or A.?"),
        ("doc", 2, "b", True, ""),
        ("other", 1, "a", True, "garbled"),
    ]
    assert [f.document_id for f in only_doc] == ["doc", "doc"]
    assert [(f.annotator, f.text) for f in only_b] == [("b", "Gamma was silent.")]
