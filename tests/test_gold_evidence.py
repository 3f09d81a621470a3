"""Evidence in gold and in the JSONL records (#12): settling carries the cue, the mention and
``via`` by exact majority (no majority: review, and the queue says why), adjudication sets them,
and the labels and gold records hold them with their words read from the document."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue, TextSpan
from annotator.store import documents, gold, labels
from annotator.store.exports import iter_gold_records, iter_label_records
from annotator.store.models import GoldHistory, Role
from annotator.ui.review_actions import item_caption
from tests.helpers import add_user, record_validator
from tests.ui_helpers import app_as, app_engine

# Characters beyond ASCII: the words of a span are read by character offsets on both backends.
TEXT = "Zoë said it. Éric told them, 北京 said."
ZOE, ZOE_SAID = TextSpan(0, 3, "Zoë"), TextSpan(4, 8, "said")
ERIC, ERIC_TOLD = TextSpan(13, 17, "Éric"), TextSpan(18, 22, "told")
BEIJING, BEIJING_SAID = TextSpan(29, 31, "北京"), TextSpan(32, 36, "said")


def _add_article(engine: Engine) -> Engine:
    draft = ArticleDraft(
        id="doc",
        title="Doc",
        text=TEXT,
        sentences=(SentenceSpan(0, 12, 0), SentenceSpan(13, 37, 0)),
        sources=(SourceSpec("zoe", "Zoë"), SourceSpec("eric", "Éric"), SourceSpec("beijing", "Beijing")),
    )
    with Session(engine) as session:
        documents.add_articles(session=session, drafts=[draft])
    return engine


@pytest.fixture
def article(engine: Engine) -> Engine:
    return _add_article(engine)


def _sentence_id(engine: Engine, index: int) -> int:
    with Session(engine) as session:
        sentence = documents.get_sentence(session=session, document_id="doc", index=index)
        assert sentence is not None and sentence.id is not None
        return sentence.id


def _label(engine: Engine, user: int, index: int, value: LabelValue) -> None:
    with Session(engine) as session:
        labels.save_label(session=session, sentence_id=_sentence_id(engine, index), user_id=user, value=value)


def _evidence(row: Any) -> tuple[Any, ...]:
    return (row.cue_start, row.cue_end, row.mention_start, row.mention_end, row.via)


def test_settled_gold_carries_the_majority_evidence_into_gold_and_its_history(article: Engine) -> None:
    a, b, c = (add_user(article, name) for name in "abc")
    _label(
        article,
        a,
        1,
        LabelValue(True, "eric", confidence=5, cue=ERIC_TOLD, source_mention=ERIC, via=("beijing",)),
    )
    _label(article, b, 1, LabelValue(True, "eric", confidence=4, cue=ERIC_TOLD, via=("beijing",)))
    _label(article, c, 1, LabelValue(True, "eric", confidence=3, cue=BEIJING_SAID))
    with Session(article) as session:
        report = gold.settle_gold(session=session, policy="majority")
        assert (report.unanimous, report.to_review) == (1, 0)
        settled = gold.get_gold(session=session, sentence_id=_sentence_id(article, 1))
        assert settled is not None and _evidence(settled) == (18, 22, 13, 17, ["beijing"])
        history = session.exec(select(GoldHistory)).one()
        assert _evidence(history) == (18, 22, 13, 17, ["beijing"])
        assert settled.votes["c"]["cue"] == {"char_start": 32, "char_end": 36, "text": "said"}


def test_evidence_without_a_majority_goes_to_review_and_the_queue_says_why(article: Engine) -> None:
    a, b = add_user(article, "a"), add_user(article, "b")
    _label(article, a, 1, LabelValue(True, "eric", confidence=5, source_mention=ERIC))
    _label(article, b, 1, LabelValue(True, "eric", confidence=5, source_mention=BEIJING))
    with Session(article) as session:
        report = gold.settle_gold(session=session, policy="majority")
        assert (report.settled, report.to_review, report.evidence_split) == (0, 1, 1)
        [item] = gold.review_queue(session=session)
    assert item.differs == () and item.evidence_split == ("source_mention",)
    assert "the labels agree but no majority marked the same source mention" in item_caption(item, 1, 1)


def test_adjudication_sets_the_evidence_and_the_store_checks_it(article: Engine) -> None:
    reviewer = add_user(article, "rita")
    sentence_id = _sentence_id(article, 1)
    with Session(article) as session:
        with pytest.raises(InputError, match="field 'cue'"):  # the cue's words differ from the document's
            gold.decide(
                session=session,
                sentence_id=sentence_id,
                reviewer_id=reviewer,
                value=LabelValue(is_claim=True, source="beijing", confidence=4, cue=TextSpan(32, 36, "says")),
            )
        with pytest.raises(InputError, match="field 'confidence'"):  # no schema passed: the shipped one
            gold.decide(
                session=session,
                sentence_id=sentence_id,
                reviewer_id=reviewer,
                value=LabelValue(is_claim=True, source="beijing", confidence=9),
            )
        assert gold.get_gold(session=session, sentence_id=sentence_id) is None
        decided = gold.decide(
            session=session,
            sentence_id=sentence_id,
            reviewer_id=reviewer,
            value=LabelValue(
                is_claim=True,
                source="eric",
                confidence=4,
                cue=ERIC_TOLD,
                source_mention=ERIC,
                via=("beijing", "other:state media"),
            ),
        )
        assert _evidence(decided) == (18, 22, 13, 17, ["beijing", "other:state media"])
        # A later decision without evidence clears it: the reviewer's decision is the whole label.
        again = gold.decide(
            session=session,
            sentence_id=sentence_id,
            reviewer_id=reviewer,
            value=LabelValue(True, "eric", confidence=4),
        )
        assert _evidence(again) == (None, None, None, None, None)
        assert [_evidence(h)[0] for h in gold.gold_history(session=session, sentence_id=sentence_id)] == [
            18,
            None,
        ]


def test_labels_and_gold_records_hold_the_evidence_with_its_words(article: Engine) -> None:
    a, b = add_user(article, "a"), add_user(article, "b")
    for user in (a, b):
        _label(article, user, 0, LabelValue(True, "zoe", confidence=5, cue=ZOE_SAID, source_mention=ZOE))
    _label(
        article,
        a,
        1,
        # Zoë carried over from the sentence before: the mention's words come from the document.
        LabelValue(
            True, "zoe", confidence=4, cue=ERIC_TOLD, source_mention=ZOE, via=("beijing", "other:state media")
        ),
    )
    _label(article, b, 1, LabelValue(False))
    with Session(article) as session:
        gold.settle_gold(session=session, policy="majority", min_annotators=1)  # sentence 0 settles
    with article.connect() as connection:
        records = [r for batch in iter_label_records(connection, schema_version=1) for r in batch]
        golds = [r for batch in iter_gold_records(connection) for r in batch]
    validator = record_validator("labels")
    assert all(list(validator.iter_errors(record)) == [] for record in records)
    by_key = {(r["sentence_index"], r["annotator"]): r for r in records}
    assert by_key[0, "a"]["cue"] == {"char_start": 4, "char_end": 8, "text": "said"}
    assert by_key[0, "a"]["source_mention"] == {"char_start": 0, "char_end": 3, "text": "Zoë"}
    assert by_key[1, "a"]["via"] == ["beijing", "other:state media"]
    assert by_key[1, "a"]["cue"]["text"] == "told"
    assert by_key[1, "a"]["source_mention"] == {"char_start": 0, "char_end": 3, "text": "Zoë"}
    assert (by_key[1, "b"]["cue"], by_key[1, "b"]["source_mention"], by_key[1, "b"]["via"]) == (
        None,
        None,
        [],
    )
    assert by_key[1, "a"]["schema_version"] == 1 and by_key[1, "a"]["annotator"] == "a"
    [settled] = golds
    assert list(record_validator("gold").iter_errors(settled)) == []
    assert (settled["cue"]["text"], settled["source_mention"]["text"], settled["via"]) == ("said", "Zoë", [])
    assert settled["votes"]["b"]["source_mention"] == {"char_start": 0, "char_end": 3, "text": "Zoë"}


def test_the_record_schemas_refuse_a_malformed_span_or_chain() -> None:
    record = {
        "document_id": "doc",
        "sentence_index": 0,
        "text": "Zoë said it.",
        "char_start": 0,
        "char_end": 12,
        "annotator": "a",
        "is_claim": True,
        "source": "zoe",
        "confidence": 5,
        "note": "",
        "created_at": "2026-11-30T12:00:00Z",
        "updated_at": "2026-11-30T12:00:00Z",
    }
    validator = record_validator("labels")
    assert list(validator.iter_errors(record)) == []  # a file from before evidence
    for bad in (
        {"cue": {"char_start": 4, "char_end": 8}},
        {"source_mention": "Zoë"},
        {"via": "beijing"},
        {"via": ["Not A Key"]},
        {"via": ["other:"]},
        {"via": ["zoe", "zoe"]},
    ):
        assert list(validator.iter_errors({**record, **bad})) != [], bad


def test_accepting_an_annotators_label_on_the_review_page_takes_its_evidence(
    file_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _add_article(app_engine(file_db_url, monkeypatch))
    a, b = add_user(engine, "a"), add_user(engine, "b")
    _label(
        engine,
        a,
        1,
        LabelValue(True, "eric", confidence=5, cue=ERIC_TOLD, source_mention=ERIC, via=("beijing",)),
    )
    _label(engine, b, 1, LabelValue(True, "beijing", confidence=4, cue=BEIJING_SAID, source_mention=BEIJING))
    at = app_as(add_user(engine, "rita", Role.reviewer), "app_pages/review.py")
    at.button(key="accept_1").click().run()  # a's label: names are shown, in name order
    assert not at.exception
    with Session(engine) as session:
        decided = gold.get_gold(session=session, sentence_id=_sentence_id(engine, 1))
    assert decided is not None and decided.source == "eric"
    assert _evidence(decided) == (18, 22, 13, 17, ["beijing"])
