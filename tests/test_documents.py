"""Storing articles: all or nothing, importing twice is harmless, a clashing id is an error."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
from annotator.domain.errors import InputError
from annotator.io.articles import load_sample_article
from annotator.store import documents
from annotator.store.models import SourceOrigin


def test_sample_article_is_stored_with_offsets_and_sources(session: Session) -> None:
    draft = load_sample_article()
    assert documents.add_articles(session=session, drafts=[draft]) == [draft.id]
    stored = documents.require_document(session=session, document_id=draft.id)
    sentences = documents.list_sentences(session=session, document_id=draft.id)
    assert len(sentences) == 17
    assert all(stored.text[s.char_start : s.char_end] == s.text for s in sentences)
    sources = documents.list_sources(session=session, document_id=draft.id)
    assert {s.key for s in sources} >= {"intercepts", "us-official", "doj-spokeswoman", "trump-nyt"}
    assert {s.origin for s in sources} == {SourceOrigin.article}
    assert documents.add_articles(session=session, drafts=[draft]) == []  # twice: unchanged


def test_same_id_with_another_text_stores_nothing(session: Session) -> None:
    first = ArticleDraft(id="a", title="A", text="One. Two.", sentences=(SentenceSpan(0, 4, 0),))
    documents.add_articles(session=session, drafts=[first])
    other = ArticleDraft(id="b", title="B", text="Three.", sentences=(SentenceSpan(0, 6, 0),),
                         sources=(SourceSpec("x", "X"),))
    clash = ArticleDraft(id="a", title="A", text="Changed.", sentences=(SentenceSpan(0, 8, 0),))
    with pytest.raises(InputError, match="exists already with another text"):
        documents.add_articles(session=session, drafts=[other, clash])
    assert [d.id for d in documents.list_documents(session=session)] == ["a"]
