"""The Exports page through AppTest: one download button per file, named after the chosen scope."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import Engine

from annotator.store.models import Role
from tests.helpers import add_small_article, add_user, label
from tests.ui_helpers import app_as, app_engine

PAGE = "app_pages/exports.py"


@pytest.fixture
def engine(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = app_engine(file_db_url, monkeypatch)
    add_small_article(engine, "doc")
    add_small_article(engine, "harbour")
    return engine


def _download_labels(at: object) -> list[str]:
    """The labels of the download buttons on the page (AppTest has no file names or bytes)."""
    return [
        node.proto.label
        for node in at.main  # type: ignore[attr-defined]
        if getattr(node, "type", None) == "download_button"
    ]


def test_each_file_is_one_button_named_after_the_article_annotators_and_time(engine: Engine) -> None:
    reviewer = add_user(engine, "rita", Role.reviewer)
    ana, ben = add_user(engine, "ana"), add_user(engine, "ben")
    label(engine, ana, 0, doc_id="doc", is_claim=False)
    label(engine, ben, 0, doc_id="harbour", is_claim=False)
    at = app_as(reviewer, PAGE)
    assert not at.exception
    assert not [b for b in at.button if "Prepare" in b.label]
    at.selectbox(key="export_scope").select("harbour").run()
    assert at.multiselect(key="export_annotators").options == ["ben"]
    at.multiselect(key="export_annotators").select("ben").run()
    stamp = r"-\d{8}T\d{6}Z\.jsonl"
    assert [re.sub(stamp, "", label) for label in _download_labels(at)] == [
        "Download labels-harbour-ben",
        "Download sentences-harbour",
        "Download documents-harbour",
        "Download gold-harbour",
        "Download suggestions-harbour",
    ]
    at.selectbox(key="export_scope").select("doc").run()  # ben has no labels there
    assert not at.exception
    assert at.multiselect(key="export_annotators").options == ["ana"]
