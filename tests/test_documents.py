"""Storing articles: all or nothing, importing twice is harmless, a clashing id is an error."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
from annotator.domain.errors import InputError, NotFoundError
from annotator.exchange.articles import load_sample_article
from annotator.exchange.export import DeletedArticle, delete_article
from annotator.store import documents, gold
from annotator.store.models import SourceOrigin
from tests.helpers import add_small_article, add_user, label

SAMPLE_ID = "france24-sessions-kislyak"


def add_articles(session: Session) -> None:
    documents.add_articles(session=session, drafts=[load_sample_article()])


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
    other = ArticleDraft(
        id="b", title="B", text="Three.", sentences=(SentenceSpan(0, 6, 0),), sources=(SourceSpec("x", "X"),)
    )
    clash = ArticleDraft(id="a", title="A", text="Changed.", sentences=(SentenceSpan(0, 8, 0),))
    with pytest.raises(InputError, match="exists already with another text"):
        documents.add_articles(session=session, drafts=[other, clash])
    assert [d.id for d in documents.list_documents(session=session)] == ["a"]


def test_article_overview_counts_each_article(engine: Engine) -> None:
    add_small_article(engine, "doc")
    add_small_article(engine, "quiet")
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=False)
    label(engine, alice, 1, is_claim=False)
    label(engine, bob, 0, is_claim=False)
    with Session(engine) as session:
        gold.settle_gold(session=session, document_id="doc", min_annotators=2)
        rows = {row.document_id: row for row in documents.article_overview(session=session)}
        titles = documents.document_titles(session=session)
    assert titles == [("doc", "Doc"), ("quiet", "Doc")]
    doc, quiet = rows["doc"], rows["quiet"]
    assert (doc.sentences, doc.sources, doc.labels, doc.annotators, doc.gold) == (3, 2, 3, 2, 1)
    assert doc.gold_fraction == pytest.approx(1 / 3)
    assert (quiet.labels, quiet.annotators, quiet.gold, quiet.gold_fraction) == (0, 0, 0, 0.0)
    assert doc.imported_at.tzinfo is not None


def test_rename_keeps_the_id_and_refuses_an_empty_title(session: Session) -> None:
    add_articles(session)
    documents.rename_document(session=session, document_id=SAMPLE_ID, title="  Sessions  and Kislyak ")
    assert documents.require_document(session=session, document_id=SAMPLE_ID).title == "Sessions and Kislyak"
    with pytest.raises(InputError, match="title is empty"):
        documents.rename_document(session=session, document_id=SAMPLE_ID, title="   ")


def test_an_article_with_labels_is_deleted_only_when_confirmed_and_after_its_labels_are_exported(
    engine: Engine, tmp_path: Path
) -> None:
    add_small_article(engine, "doc")
    add_small_article(engine, "keep")
    alice = add_user(engine, "alice")
    label(engine, alice, 0, is_claim=False)
    label(engine, alice, 2, is_claim=True, source="beta", confidence=4)
    label(engine, alice, 1, doc_id="keep", is_claim=False)
    with pytest.raises(documents.ArticleHasLabelsError, match="2 label"):
        delete_article(engine, document_id="doc", exports_dir=tmp_path, confirmed=False)
    with Session(engine) as session, pytest.raises(documents.ArticleHasLabelsError):
        documents.delete_document(session=session, document_id="doc", labels_saved_to=None)
    assert list(tmp_path.iterdir()) == []
    deleted = delete_article(engine, document_id="doc", exports_dir=tmp_path, confirmed=True)
    assert deleted.labels == 2 and deleted.labels_export is not None
    assert deleted.labels_export.name.startswith("labels-doc-")
    saved = [orjson.loads(line) for line in deleted.labels_export.read_bytes().splitlines()]
    assert [(r["document_id"], r["sentence_index"], r["source"]) for r in saved] == [
        ("doc", 0, None),
        ("doc", 2, "beta"),
    ]
    with Session(engine) as session:
        assert documents.get_document(session=session, document_id="doc") is None
        assert documents.count_sentences(session=session, document_id="doc") == 0
        assert [row.document_id for row in documents.article_overview(session=session)] == ["keep"]
        assert documents.count_labels(session=session, document_id="keep") == 1


def test_an_article_without_labels_is_deleted_without_an_export(engine: Engine, tmp_path: Path) -> None:
    add_small_article(engine, "doc")
    deleted = delete_article(engine, document_id="doc", exports_dir=tmp_path, confirmed=False)
    assert deleted == DeletedArticle(labels=0, labels_export=None) and list(tmp_path.iterdir()) == []
    with pytest.raises(NotFoundError):
        delete_article(engine, document_id="doc", exports_dir=tmp_path, confirmed=True)
