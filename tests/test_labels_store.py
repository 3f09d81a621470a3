"""Saving labels: one current label per sentence and annotator, every change in history."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
from annotator.domain.errors import InputError, NotFoundError
from annotator.domain.label import LabelValue
from annotator.exchange.schemas import load_label_schema
from annotator.store import documents, labels, users
from annotator.store.models import Role, UserCreate

TEXT = "Alpha said one thing. Beta said another. Gamma was silent."


@pytest.fixture
def doc(session: Session) -> str:
    spans = (SentenceSpan(0, 21, 0), SentenceSpan(22, 40, 0), SentenceSpan(41, 58, 0))
    draft = ArticleDraft(
        id="doc",
        title="Doc",
        text=TEXT,
        sentences=spans,
        sources=(SourceSpec("alpha", "Alpha"), SourceSpec("beta", "Beta")),
    )
    documents.add_articles(session=session, drafts=[draft])
    return "doc"


def _user(session: Session, name: str) -> int:
    user = users.create_user(
        session=session, user_in=UserCreate(name=name, role=Role.annotator, password="password-1")
    )
    assert user.id is not None
    return user.id


def _sentence_ids(session: Session) -> list[int]:
    return [s.id for s in documents.list_sentences(session=session, document_id="doc") if s.id]


def test_save_creates_label_and_history(session: Session, doc: str) -> None:
    alice = _user(session, "alice")
    first = _sentence_ids(session)[0]
    labels.save_label(
        session=session,
        sentence_id=first,
        user_id=alice,
        value=LabelValue(is_claim=True, source="alpha", confidence=5),
    )
    stored = labels.get_label(session=session, sentence_id=first, user_id=alice)
    assert stored is not None and stored.source == "alpha" and stored.confidence == 5 and stored.version == 1
    history = labels.label_history(session=session, sentence_id=first, user_id=alice)
    assert [(h.version, h.source, h.confidence) for h in history] == [(1, "alpha", 5)]


def test_edit_appends_history_and_keeps_old_values(session: Session, doc: str) -> None:
    alice = _user(session, "alice")
    first = _sentence_ids(session)[0]
    for confidence in (3, 4, 4, 2):  # the repeated 4 changes nothing
        labels.save_label(
            session=session,
            sentence_id=first,
            user_id=alice,
            value=LabelValue(is_claim=True, source="alpha", confidence=confidence),
        )
    history = labels.label_history(session=session, sentence_id=first, user_id=alice)
    assert [(h.version, h.confidence) for h in history] == [(1, 3), (2, 4), (3, 2)]
    current = labels.get_label(session=session, sentence_id=first, user_id=alice)
    assert current is not None and current.version == 3 and current.confidence == 2


def test_annotators_have_separate_labels(session: Session, doc: str) -> None:
    alice, bob = _user(session, "alice"), _user(session, "bob")
    first = _sentence_ids(session)[0]
    labels.save_label(
        session=session,
        sentence_id=first,
        user_id=alice,
        value=LabelValue(is_claim=True, source="alpha", confidence=5),
    )
    labels.save_label(session=session, sentence_id=first, user_id=bob, value=LabelValue(is_claim=False))
    assert labels.labels_by_index(session=session, document_id="doc", user_id=alice)[0].source == "alpha"
    assert labels.labels_by_index(session=session, document_id="doc", user_id=bob)[0].is_claim is False


def test_progress_and_first_unlabelled(session: Session, doc: str) -> None:
    alice = _user(session, "alice")
    ids = _sentence_ids(session)
    assert labels.first_unlabelled_index(session=session, document_id="doc", user_id=alice) == 0
    labels.save_label(session=session, sentence_id=ids[0], user_id=alice, value=LabelValue(is_claim=False))
    labels.save_label(session=session, sentence_id=ids[2], user_id=alice, value=LabelValue(is_claim=False))
    assert labels.first_unlabelled_index(session=session, document_id="doc", user_id=alice) == 1
    progress = labels.overall_progress(session=session, user_id=alice)
    assert (progress.done, progress.total) == (2, 3)
    labels.save_label(session=session, sentence_id=ids[1], user_id=alice, value=LabelValue(is_claim=False))
    assert labels.first_unlabelled_index(session=session, document_id="doc", user_id=alice) is None


def test_schema_is_enforced(session: Session, doc: str) -> None:
    alice = _user(session, "alice")
    first = _sentence_ids(session)[0]
    schema = load_label_schema()
    with pytest.raises(InputError, match="confidence"):
        labels.save_label(
            session=session,
            sentence_id=first,
            user_id=alice,
            schema=schema,
            value=LabelValue(is_claim=True, source="alpha", confidence=9),
        )
    with pytest.raises(InputError, match="source_other"):
        labels.save_label(
            session=session,
            sentence_id=first,
            user_id=alice,
            schema=schema,
            value=LabelValue(is_claim=True, source="other"),
        )
    with pytest.raises(InputError, match="not a claim"):
        labels.save_label(
            session=session,
            sentence_id=first,
            user_id=alice,
            schema=schema,
            value=LabelValue(is_claim=False, source="alpha"),
        )
    assert labels.get_label(session=session, sentence_id=first, user_id=alice) is None


def test_unknown_sentence_is_refused(session: Session, doc: str) -> None:
    alice = _user(session, "alice")
    with pytest.raises(NotFoundError):
        labels.save_label(session=session, sentence_id=999, user_id=alice, value=LabelValue(is_claim=False))


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (LabelValue(is_claim=True, source="alpha", confidence=99), "confidence"),
        (LabelValue(is_claim=True, source="Not A Key", confidence=3), "source"),
        (LabelValue(is_claim=True, source="gamma", confidence=3), "source"),  # not this article's
    ],
)
def test_the_store_holds_every_save_to_its_rules_without_a_schema_passed(
    session: Session, doc: str, value: LabelValue, field: str
) -> None:
    alice = _user(session, "alice")
    first = _sentence_ids(session)[0]
    with pytest.raises(InputError, match=f"field '{field}'"):
        labels.save_label(session=session, sentence_id=first, user_id=alice, value=value)
    assert labels.get_label(session=session, sentence_id=first, user_id=alice) is None
    # The article's own sources and the special ones are fine.
    for source in ("alpha", "author"):
        labels.save_label(
            session=session,
            sentence_id=first,
            user_id=alice,
            value=LabelValue(is_claim=True, source=source, confidence=3),
        )
