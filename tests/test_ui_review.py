"""The Review page through AppTest: settle, accept from the queue, hidden names, roles."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.io.import_labels import import_labels_file
from annotator.store import gold
from annotator.store.models import GoldLabel, Provenance, Role
from tests.helpers import add_user
from tests.test_gold import SAMPLE_LABELS
from tests.ui_helpers import app_as, app_engine


@pytest.fixture
def engine(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = app_engine(file_db_url, monkeypatch)
    import_labels_file(engine, SAMPLE_LABELS)
    return engine


def test_settle_then_accept_from_the_queue(engine: Engine) -> None:
    reviewer = add_user(engine, "rita", Role.reviewer)
    at = app_as(reviewer, "app_pages/review.py")
    assert not at.exception
    at.radio(key="rev_policy").set_value("unanimous")
    at.button(key="rev_settle").click().run()
    assert "Settled 9: 9 unanimous" in at.success[0].value
    assert "Item 1 of 8" in " ".join(c.value for c in at.caption)
    at.text_input(key="rev_rationale").input("two of three and the note agree")
    at.button(key="accept_1").click().run()  # ana's label
    assert not at.exception
    with Session(engine) as session:
        assert gold.review_progress(session=session) == (10, 17)
        decided = session.exec(select(GoldLabel).where(GoldLabel.provenance == Provenance.adjudicated)).one()
    assert (decided.rationale, decided.votes["ana"]["source"], decided.source) == (
        "two of three and the note agree",
        decided.source,
        decided.source,
    )
    assert "Item 1 of 7" in " ".join(c.value for c in at.caption)


def test_hidden_names_and_own_decision(engine: Engine) -> None:
    reviewer = add_user(engine, "rita", Role.reviewer)
    at = app_as(reviewer, "app_pages/review.py")
    at.toggle(key="rev_hide").set_value(True).run()
    labels = [b.label for b in at.button if b.key and b.key.startswith("accept_")]
    assert labels == ["Accept annotator 1", "Accept annotator 2", "Accept annotator 3"]
    table = at.dataframe[0].value
    assert list(table["annotator"]) == ["annotator 1", "annotator 2", "annotator 3"]
    at.selectbox(key="rev_source").set_value("kislyak")
    at.selectbox(key="rev_confidence").set_value(2)
    at.button(key="rev_own").click().run()
    assert not at.exception
    with Session(engine) as session:
        adjudicated = session.exec(select(GoldLabel)).all()
    assert [(g.source, g.confidence, g.provenance) for g in adjudicated] == [
        ("kislyak", 2, Provenance.adjudicated)
    ]


def test_annotators_cannot_open_review(engine: Engine) -> None:
    annotator = add_user(engine, "alice")
    at = app_as(annotator)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/review.py")
