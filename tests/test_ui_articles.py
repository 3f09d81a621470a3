"""The Articles page through AppTest: the table of articles, rename, delete with its safeguard."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.store import documents, labels, queue, sources
from annotator.store.models import Role, SourceOrigin
from tests.helpers import add_small_article, add_user, label
from tests.ui_helpers import app_as, app_engine

PAGE = "app_pages/articles.py"


@pytest.fixture
def engine(file_db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Engine:
    monkeypatch.setenv("ANNOTATOR_EXPORTS_DIR", str(tmp_path / "exports"))
    engine = app_engine(file_db_url, monkeypatch)
    add_small_article(engine, "doc")
    add_small_article(engine, "spare")
    return engine


def test_the_articles_tab_lists_every_article_with_its_counts(engine: Engine) -> None:
    admin = add_user(engine, "root", Role.admin)
    label(engine, add_user(engine, "alice"), 0, is_claim=False)
    at = app_as(admin, PAGE)
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "title", "id", "sentences", "sources", "proposed", "labels", "annotators", "gold", "imported (UTC)"
    ]  # fmt: skip
    assert table[["id", "sentences", "sources", "labels", "annotators"]].values.tolist() == [
        ["doc", 3, 2, 1, 1],
        ["spare", 3, 2, 0, 0],
    ]


def test_rename_an_article(engine: Engine) -> None:
    admin = add_user(engine, "root", Role.admin)
    at = app_as(admin, PAGE)
    at.selectbox(key="manage_doc").select("spare").run()
    at.text_input(key="rename_spare").input("Harbour fire, day two").run()
    at.button(key="rename").click().run()
    assert not at.exception
    assert "Harbour fire, day two" in at.success[0].value
    assert at.dataframe[0].value["title"].tolist() == ["Doc", "Harbour fire, day two"]


def test_delete_is_refused_while_the_article_has_labels_unless_confirmed(
    engine: Engine, tmp_path: Path
) -> None:
    admin = add_user(engine, "root", Role.admin)
    label(engine, add_user(engine, "alice"), 1, is_claim=False)
    at = app_as(admin, PAGE)
    at.button(key="delete_doc").click().run()
    assert "has 1 label(s)" in at.error[0].value
    with Session(engine) as session:
        assert documents.get_document(session=session, document_id="doc") is not None
    label(engine, add_user(engine, "bob"), 0, doc_id="spare", is_claim=False)
    at.checkbox(key="delete_confirmed_doc").check().run()
    at.selectbox(key="manage_doc").select("spare").run()
    at.button(key="delete_doc").click().run()  # the tick was for 'doc', not for 'spare'
    assert "has 1 label(s)" in at.error[0].value
    at.selectbox(key="manage_doc").select("doc").run()
    at.checkbox(key="delete_confirmed_doc").check().run()
    at.button(key="delete_doc").click().run()
    assert not at.exception
    assert "Deleted article 'doc'" in at.success[0].value
    saved = list((tmp_path / "exports").glob("labels-doc-*.jsonl"))
    assert len(saved) == 1 and len(saved[0].read_bytes().splitlines()) == 1
    assert at.dataframe[0].value["id"].tolist() == ["spare"]
    with Session(engine) as session:
        assert documents.count_labels(session=session, document_id="spare") == 1


def test_a_lead_adds_a_source_by_name_and_settles_proposed_ones(engine: Engine) -> None:
    admin = add_user(engine, "root", Role.admin)
    ana = add_user(engine, "ana")
    with Session(engine) as session:
        for name in ("Port authority", "Alpha's office"):
            sources.add_named_source(
                session=session,
                document_id="doc",
                name=name,
                origin=SourceOrigin.proposed,
                proposed_by_id=ana,
            )
    label(engine, ana, 0, is_claim=True, source="port-authority", confidence=3)
    label(engine, ana, 1, is_claim=True, source="alpha-s-office", confidence=4)
    at = app_as(admin, PAGE)
    assert at.dataframe[0].value["proposed"].tolist() == [2, 0]
    at.selectbox(key="admin_doc").select("doc").run()
    assert at.dataframe[1].value["status"].tolist() == ["decided", "decided", "proposed", "proposed"]
    at.text_input(key="src_label").input("Harbour Master").run()
    at.button(key="add_src").click().run()
    assert "key harbour-master" in at.success[0].value
    at.selectbox(key="proposal").select("port-authority").run()
    at.button(key="reject_src").click().run()
    at.selectbox(key="proposal").select("alpha-s-office").run()
    at.selectbox(key="merge_into").select("alpha").run()
    at.button(key="merge_src").click().run()
    assert not at.exception and "1 label(s) moved" in at.success[0].value
    assert at.dataframe[1].value["key"].tolist() == ["alpha", "beta", "harbour-master"]
    assert at.dataframe[0].value["proposed"].tolist() == [0, 0]
    with Session(engine) as session:
        mine = labels.labels_by_index(session=session, document_id="doc", user_id=ana)
    assert [(i, lab.source, lab.source_other) for i, lab in sorted(mine.items())] == [
        (0, "other", "Port authority"),
        (1, "alpha", None),
    ]


def test_editing_a_source_to_a_name_the_store_refuses_says_why_and_keeps_it(engine: Engine) -> None:
    """The store refuses an empty source name (``check_source_spec``); the page says so
    instead of replacing itself with a traceback, and the source keeps its name."""
    at = app_as(add_user(engine, "root", Role.admin), PAGE)
    at.selectbox(key="admin_doc").select("doc").run()
    at.selectbox(key="edit_src").select("beta").run()
    at.text_input(key="edit_src_label").input("   ").run()
    at.button(key="save_src").click().run()
    assert not at.exception
    assert "no name" in at.error[0].value
    with Session(engine) as session:
        stored = documents.list_sources(session=session, document_id="doc")
    assert [s.label for s in stored] == ["Alpha", "Beta"]


def test_a_lead_assigns_articles_and_sees_the_progress_per_assignment(engine: Engine) -> None:
    admin = add_user(engine, "root", Role.admin)
    ana = add_user(engine, "ana")
    add_user(engine, "ben")
    label(engine, ana, 0, doc_id="spare", is_claim=False)
    at = app_as(admin, PAGE)
    at.multiselect(key="assign_docs").select("spare").run()
    at.multiselect(key="assign_names").select("ana").select("ben").run()
    at.button(key="assign").click().run()
    assert not at.exception and "2 new assignment(s)" in at.success[0].value
    table = next(frame.value for frame in at.dataframe if "annotator" in frame.value.columns)
    assert table[["id", "annotator", "labelled"]].values.tolist() == [
        ["spare", "ana", "1 of 3"],
        ["spare", "ben", "0 of 3"],
    ]
    with Session(engine) as session:
        assert queue.next_in_queue(session=session, user_id=ana, document_id="doc") == ("spare", 1)
