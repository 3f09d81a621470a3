"""Article assignments: a lead assigns articles; the annotator's queue (and J) serves them first."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.errors import NotFoundError
from annotator.store import assignments, queue
from tests.helpers import add_small_article, add_user, label


def _next(engine: Engine, user_id: int, document_id: str | None = None) -> tuple[str, int] | None:
    with Session(engine) as session:
        return queue.next_in_queue(session=session, user_id=user_id, document_id=document_id)


def _assign(engine: Engine, docs: list[str], names: list[str]) -> int:
    with Session(engine) as session:
        return assignments.assign_articles(session=session, document_ids=docs, annotators=names)


@pytest.mark.parametrize("per_sentence", [None, 2])
def test_assigned_articles_come_first_in_the_queue(engine: Engine, per_sentence: int | None) -> None:
    for doc in ("first", "second", "third"):
        add_small_article(engine, doc)
    ana, ben = add_user(engine, "ana"), add_user(engine, "ben")
    with Session(engine) as session:
        queue.set_annotators_per_sentence(session=session, value=per_sentence)
    assert _assign(engine, ["third"], ["ana"]) == 1
    assert _next(engine, ana) == ("third", 0)
    assert _next(engine, ana, document_id="second") == ("third", 0)  # J from another article
    assert _next(engine, ben) == ("first", 0)  # ben has no assignment
    for index in range(3):
        label(engine, ana, index, doc_id="third", is_claim=False)
    assert _next(engine, ana, document_id="second") == ("second", 0)  # done: back to the open one


def test_assigning_is_all_or_nothing_and_idempotent(engine: Engine) -> None:
    add_small_article(engine, "doc")
    add_small_article(engine, "more")
    ana = add_user(engine, "ana")
    add_user(engine, "ben")
    with pytest.raises(NotFoundError, match="no user 'zoe'"):
        _assign(engine, ["doc"], ["ana", "zoe"])
    with pytest.raises(NotFoundError, match="no article 'nope'"):
        _assign(engine, ["doc", "nope"], ["ana"])
    assert _assign(engine, ["doc", "more"], ["ana", "ben"]) == 4
    assert _assign(engine, ["doc"], ["ana"]) == 0
    label(engine, ana, 0, doc_id="doc", is_claim=False)
    with Session(engine) as session:
        rows = assignments.assignment_progress(session=session)
        assert [(r.document_id, r.annotator, r.labelled, r.sentences) for r in rows] == [
            ("doc", "ana", 1, 3),
            ("doc", "ben", 0, 3),
            ("more", "ana", 0, 3),
            ("more", "ben", 0, 3),
        ]
        assert assignments.unassign_article(session=session, document_id="more", annotator="ben")
        assert not assignments.unassign_article(session=session, document_id="more", annotator="ben")
        assert len(assignments.assignment_progress(session=session)) == 3
