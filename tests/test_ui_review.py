"""The Review page through AppTest: settle, accept from the queue, a clean form per item,
hidden names, what is a review item, flags and notes, roles."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from annotator.exchange.import_labels import import_labels_file
from annotator.store import gold
from annotator.store.models import GoldLabel, Provenance, Role, Sentence
from tests.helpers import add_small_article, add_user, label
from tests.test_gold import SAMPLE_LABELS
from tests.ui_helpers import app_as, app_engine

ANNOTATORS = ("ana", "ben", "chloe")


@pytest.fixture
def engine(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = app_engine(file_db_url, monkeypatch)
    import_labels_file(engine, SAMPLE_LABELS)
    return engine


def _by_label(widgets: Any, label: str) -> Any:
    """A widget found by what the reviewer reads, not by its key (keys change per item)."""
    return next(w for w in widgets if w.label == label)


def _item_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Item "))


def _settle_unanimous(at: AppTest) -> None:
    at.radio(key="rev_policy").set_value("unanimous")
    at.button(key="rev_settle").click().run()


def test_settle_then_accept_from_the_queue(engine: Engine) -> None:
    reviewer = add_user(engine, "rita", Role.reviewer)
    at = app_as(reviewer, "app_pages/review.py")
    assert not at.exception
    _settle_unanimous(at)
    assert "Settled 9: 9 unanimous" in at.success[0].value
    assert _item_caption(at).startswith("Item 1 of 8")
    _by_label(at.text_input, "Rationale (optional)").input("two of three and the note agree")
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
    assert _item_caption(at).startswith("Item 1 of 7")


def test_the_decision_form_starts_empty_on_every_item(engine: Engine) -> None:
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/review.py")
    _by_label(at.selectbox, "Source").set_value("kislyak")
    _by_label(at.selectbox, "Confidence").set_value(2)
    _by_label(at.text_input, "Other source's name").input("typed on item 1")
    _by_label(at.text_input, "Rationale (optional)").input("why item 1")
    at.button(key="rev_own").click().run()
    assert not at.exception
    assert _item_caption(at).startswith("Item 1 of 16")  # item 1 decided, the next one shown
    for widget in (_by_label(at.selectbox, "Source"), _by_label(at.selectbox, "Confidence")):
        assert widget.value is None
    assert _by_label(at.text_input, "Other source's name").value == ""
    assert _by_label(at.text_input, "Rationale (optional)").value == ""
    # Moving on without deciding leaves nothing behind either.
    _by_label(at.selectbox, "Source").set_value("kislyak")
    at.button(key="rev_next").click().run()
    at.button(key="rev_prev").click().run()
    assert _by_label(at.selectbox, "Source").value is None
    with Session(engine) as session:
        decided = session.exec(select(GoldLabel)).all()
    assert [(g.source, g.confidence, g.rationale) for g in decided] == [("kislyak", 2, "why item 1")]


def _names_on_page(at: AppTest) -> set[str]:
    """Annotator names anywhere on the page: texts, buttons, tables, captions, the sentence."""
    kinds = ("markdown", "caption", "info", "success", "subheader")
    texts = [e.value for kind in kinds for e in getattr(at, kind)]
    texts += [b.label for b in at.button] + [w.label for w in at.multiselect]
    texts += [str(cell) for d in at.dataframe for row in d.value.itertuples() for cell in row]
    texts += [str(c) for d in at.dataframe for c in d.value.columns]
    texts += [h.proto.body for h in at.get("html")]
    found = set()
    for text in texts:
        found |= {name for name in ANNOTATORS if re.search(rf"\b{name}\b", text)}
    return found


def test_hidden_names_are_hidden_everywhere_and_shuffled_per_sentence(engine: Engine) -> None:
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/review.py")
    _settle_unanimous(at)  # gold exists: the "Annotators against gold" table has rows
    assert _names_on_page(at) == set(ANNOTATORS)
    at.toggle(key="rev_hide").set_value(True).run()
    assert _names_on_page(at) == set()
    labels = [b.label for b in at.button if b.key and b.key.startswith("accept_")]
    assert labels == ["Accept annotator 1", "Accept annotator 2", "Accept annotator 3"]
    assert list(at.dataframe[0].value["annotator"]) == ["annotator 1", "annotator 2", "annotator 3"]
    at.tabs[1].run()
    assert _names_on_page(at) == set()

    first_shown = at.dataframe[0].value.copy()
    at.run()
    assert at.dataframe[0].value.equals(first_shown)  # the order holds across reruns
    assert not [i for i in at.info if " was " in i.value]  # nothing revealed before deciding

    seen_first: list[str] = []
    for _ in range(6):
        at.button(key="accept_1").click().run()
        reveal = next(i.value for i in at.info if " was " in i.value)
        match = re.search(r"sentence (\d+) of .*?: annotator 1 was (\w+)", reveal.replace("\\", ""))
        assert match is not None, reveal
        index, first = int(match.group(1)) - 1, match.group(2)
        seen_first.append(first)
        with Session(engine) as session:
            decided = gold.get_gold(session=session, sentence_id=_sentence_id(session, index))
        assert decided is not None and decided.provenance == Provenance.adjudicated
        assert (decided.votes[first]["is_claim"], decided.votes[first]["source"]) == (
            decided.is_claim,
            decided.source,
        )
    assert len(set(seen_first)) > 1, "annotator 1 was the same person on every sentence"


def _sentence_id(session: Session, index: int) -> int:
    sentence = session.exec(select(Sentence).where(Sentence.index == index)).one()
    assert sentence.id is not None
    return sentence.id


def test_tables_show_source_names_and_words_not_keys_or_none(engine: Engine) -> None:
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/review.py")
    sources, confidences = set(), set()
    for _ in range(17):
        table = at.dataframe[0].value
        sources |= set(table["source"])
        confidences |= set(table["confidence"])
        at.button(key="rev_next").click().run()
    assert "author" not in sources and "No attribution / author's own" in sources
    assert "— (not a claim)" in confidences and "5 · Certain" in confidences
    assert all(isinstance(c, str) and c != "None" for c in sources | confidences)
    against_gold = next(d.value for d in at.dataframe if "kappa vs gold" in d.value.columns)
    assert all(k.startswith("undefined: because") for k in against_gold["kappa vs gold"])  # no gold yet


def test_one_annotators_sentences_are_review_items_only_when_flagged_or_shown(
    file_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = app_engine(file_db_url, monkeypatch)
    add_small_article(engine)
    a, b = add_user(engine, "a"), add_user(engine, "b")
    label(engine, a, 0, is_claim=True, source="alpha", confidence=5)
    label(engine, b, 0, is_claim=True, source="alpha", confidence=2)
    label(engine, a, 1, is_claim=True, source="beta", confidence=4)
    label(engine, a, 2, is_claim=False, flagged=True)
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/review.py")
    assert _item_caption(at) == "Item 1 of 2 · label pairs differing on confidence 100%"
    at.button(key="rev_next").click().run()
    assert _item_caption(at) == "Item 2 of 2 · one annotator only · flagged"
    at.toggle(key="rev_single").set_value(True).run()
    assert _item_caption(at).startswith("Item 2 of 3")


def test_flags_and_notes_by_annotator_with_the_sentence_in_context(engine: Engine) -> None:
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/review.py")
    table = next(d.value for d in at.dataframe if "note" in d.value.columns and "text" in d.value.columns)
    assert [(r.sentence, r.annotator, r.flagged) for r in table.itertuples()] == [
        (1, "chloe", True),
        (8, "ben", False),
    ]
    at.multiselect(key="rev_flag_annotators").set_value(["ben"]).run()
    table = next(d.value for d in at.dataframe if "note" in d.value.columns and "text" in d.value.columns)
    assert list(table["annotator"]) == ["ben"] and table["note"][0].startswith("Reads as the outlet")
    context = [h.proto.body for h in at.get("html") if "current-sentence" in h.proto.body]
    assert len(context) == 2  # the review item's and the opened note's
    assert "recusal has incensed Trump" in context[-1]


def test_annotators_cannot_open_review(engine: Engine) -> None:
    annotator = add_user(engine, "alice")
    at = app_as(annotator)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/review.py")
