"""Evidence on labels (#12): the words naming the source (``source_mention``), the cue, and the
chain of sources the source cites (``via``), through the panel's submissions, ``save_label``,
history, what the panel receives after a reload, and a merge of sentences."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.domain.errors import InputError
from annotator.domain.label import LabelValue, TextSpan
from annotator.store import documents, labels, resegment
from annotator.store.models import Label, LabelHistory
from tests.helpers import TEXT, add_small_article, add_user
from tests.ui_helpers import acks, act, app_as, app_engine, panel, send, typed

# TEXT = "Alpha said one thing. Beta said another. Gamma was silent."
ALPHA, ALPHA_SAID = (
    {"char_start": 0, "char_end": 5, "text": "Alpha"},
    {"char_start": 6, "char_end": 10, "text": "said"},
)
BETA, BETA_SAID = (
    {"char_start": 22, "char_end": 26, "text": "Beta"},
    {"char_start": 27, "char_end": 31, "text": "said"},
)


@pytest.fixture
def engine(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = app_engine(file_db_url, monkeypatch)
    add_small_article(engine)
    return engine


def _stored(engine: Engine, model: type[Label] | type[LabelHistory], user_id: int) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.exec(select(model).where(model.user_id == user_id).order_by(model.id)).all()
        return [(r.source, r.cue_start, r.cue_end, r.mention_start, r.mention_end, r.via) for r in rows]


def test_a_label_keeps_its_evidence_in_store_and_history_and_the_panel_gets_it_after_a_reload(
    engine: Engine,
) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    item = typed(
        at,
        1,
        source="beta",
        confidence=4,
        cue=BETA_SAID,
        source_mention=BETA,
        via=["alpha", "other:the wire"],
    )
    send(at, item)
    assert acks(at)[item["client_id"]][1:] == ["saved", None]
    expected = ("beta", 27, 31, 22, 26, ["alpha", "other:the wire"])
    assert _stored(engine, Label, alice) == [expected]
    assert _stored(engine, LabelHistory, alice) == [expected]
    shown = [True, "beta", None, 4, "", False, BETA_SAID, BETA, ["alpha", "other:the wire"]]
    assert panel(at)["labels"] == {str(item["sentence_id"]): shown}
    assert panel(app_as(alice))["labels"] == {str(item["sentence_id"]): shown}  # a reload


def test_an_identical_resend_changes_nothing_and_a_changed_span_is_a_change(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    value = {"source": "beta", "confidence": 4, "cue": BETA_SAID, "source_mention": BETA, "via": ["alpha"]}
    send(at, typed(at, 1, **value))
    again = typed(at, 1, **value)  # typed anew (another client id), the same values
    send(at, again)
    assert acks(at)[again["client_id"]][1] == "unchanged"
    assert len(_stored(engine, LabelHistory, alice)) == 1
    moved = typed(at, 1, **{**value, "source_mention": None, "via": []})
    send(at, moved)
    assert acks(at)[moved["client_id"]][1] == "saved"
    assert _stored(engine, Label, alice) == [("beta", 27, 31, None, None, None)]
    assert len(_stored(engine, LabelHistory, alice)) == 2


def test_a_carried_over_source_is_named_in_an_earlier_sentence(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    item = typed(at, 1, source="alpha", confidence=3, source_mention=ALPHA)
    send(at, item)
    assert acks(at)[item["client_id"]][1] == "saved"
    assert _stored(engine, Label, alice) == [("alpha", None, None, 0, 5, None)]


@pytest.mark.parametrize(
    ("evidence", "field"),
    [
        ({"cue": {**BETA_SAID, "text": "says"}}, "cue"),  # the text differs from the document's
        ({"cue": ALPHA_SAID}, "cue"),  # in the sentence before: a cue lies in its sentence
        ({"cue": {"char_start": 31, "char_end": 27, "text": ""}}, "cue"),  # reversed
        (
            {"source_mention": {"char_start": 41, "char_end": 46, "text": "Gamma"}},
            "source_mention",
        ),  # after it
        ({"source_mention": {"char_start": 50, "char_end": 99, "text": "x"}}, "source_mention"),  # outside
        ({"via": ["gamma"]}, "via"),  # not a source of the article
        ({"via": ["alpha", "alpha"]}, "via"),
        ({"via": ["other:"]}, "via"),
        ({"via": ["other:" + "x" * 201]}, "via"),
        ({"is_claim": False, "source": None, "confidence": None, "cue": BETA_SAID}, "is_claim"),
    ],
)
def test_evidence_that_does_not_fit_the_article_is_refused_naming_the_field(
    engine: Engine, evidence: dict[str, Any], field: str
) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    bad = typed(at, 1, **{"source": "beta", "confidence": 4, **evidence})
    fine = typed(at, 2, is_claim=False)
    send(at, bad, fine)
    answer = acks(at)
    assert answer[bad["client_id"]][1] == "refused"
    assert f"field '{field}'" in answer[bad["client_id"]][2]
    assert answer[fine["client_id"]][1] == "saved"  # its neighbour is not held back
    assert [row[0] for row in _stored(engine, Label, alice)] == [None]


_ITEM = {"client_id": "x", "sentence_id": 2, "revision": "22-40", "action": "save"}
_CLAIM = {"is_claim": True, "source": "beta", "confidence": 4}


@pytest.mark.parametrize(
    "value",
    [
        {**_CLAIM, "cue": "said"},
        {**_CLAIM, "cue": {"char_start": 27, "char_end": 31}},
        {**_CLAIM, "cue": {**BETA_SAID, "char_start": "27"}},
        {**_CLAIM, "cue": {**BETA_SAID, "char_start": True}},
        {**_CLAIM, "source_mention": {**BETA, "extra": 1}},
        {**_CLAIM, "via": "alpha"},
        {**_CLAIM, "via": [1]},
    ],
)
def test_evidence_of_the_wrong_shape_from_the_page_changes_nothing(
    engine: Engine, value: dict[str, Any]
) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    act(at, {"seq": 1, "labels": [{**_ITEM, "value": value}], "request": None})
    assert not at.exception
    assert _stored(engine, Label, alice) == []
    assert panel(at)["message"]["kind"] == "error"


def _sentence_id(session: Session, index: int) -> int:
    sentence = documents.get_sentence(session=session, document_id="doc", index=index)
    assert sentence is not None and sentence.id is not None
    return sentence.id


def test_save_label_checks_evidence_and_stores_it(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    said = TextSpan(27, 31, "said")
    with Session(engine) as session:
        second = _sentence_id(session, 1)
        with pytest.raises(InputError, match="field 'cue'"):
            labels.save_label(
                session=session,
                sentence_id=second,
                user_id=alice,
                value=LabelValue(True, "beta", confidence=4, cue=TextSpan(27, 31, "told")),
            )
        with pytest.raises(InputError, match="field 'via'"):
            labels.save_label(
                session=session,
                sentence_id=second,
                user_id=alice,
                value=LabelValue(True, "beta", confidence=4, via=("nobody",)),
            )
        saved = labels.save_label(
            session=session,
            sentence_id=second,
            user_id=alice,
            value=LabelValue(True, "beta", confidence=4, cue=said, via=("alpha",)),
        )
    assert (saved.cue_start, saved.cue_end, saved.via) == (27, 31, ["alpha"])
    assert _stored(engine, LabelHistory, alice) == [("beta", 27, 31, None, None, ["alpha"])]
    assert TEXT[27:31] == said.text


def test_a_merge_keeps_the_evidence_of_the_labels_it_moves(engine: Engine) -> None:
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    with Session(engine) as session:
        first, second = _sentence_id(session, 0), _sentence_id(session, 1)
        labels.save_label(
            session=session, sentence_id=first, user_id=alice, value=LabelValue(True, "alpha", confidence=5)
        )
        for user in (alice, bob):
            labels.save_label(
                session=session,
                sentence_id=second,
                user_id=user,
                value=LabelValue(
                    True, "beta", confidence=4, source_mention=TextSpan(22, 26, "Beta"), via=("alpha",)
                ),
            )
        resegment.merge_with_next(session=session, document_id="doc", index=0)
    # Bob's label moved with its evidence; Alice's second label was closed, its evidence kept in history.
    assert _stored(engine, Label, bob) == [("beta", None, None, 22, 26, ["alpha"])]
    assert _stored(engine, LabelHistory, bob)[-1] == ("beta", None, None, 22, 26, ["alpha"])
    assert _stored(engine, LabelHistory, alice)[-1] == ("beta", None, None, 22, 26, ["alpha"])
    with Session(engine) as session:
        actions = [h.action for h in session.exec(select(LabelHistory).order_by(LabelHistory.id)).all()]
    assert actions[-2:] == ["merged-away", "merged"]


def test_a_split_clears_evidence_left_past_the_first_part_and_keeps_it_in_history(engine: Engine) -> None:
    # "Beta said another." split after "Beta": the label stays on "Beta", so its cue "said",
    # now in the second part, is cleared; the mention "Beta" is kept.
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    said = TextSpan(27, 31, "said")
    with Session(engine) as session:
        second = _sentence_id(session, 1)
        with_cue = LabelValue(True, "beta", confidence=4, cue=said, source_mention=TextSpan(22, 26, "Beta"))
        labels.save_label(session=session, sentence_id=second, user_id=alice, value=with_cue)
        labels.save_label(
            session=session, sentence_id=second, user_id=bob, value=LabelValue(True, "beta", confidence=3)
        )
        resegment.split_sentence(session=session, document_id="doc", index=1, at=4)
        # The label as it stands is one the store accepts again on its new sentence.
        labels.save_label(
            session=session,
            sentence_id=second,
            user_id=alice,
            value=labels.label_values_of_sentence(session=session, sentence_id=second)[0][1],
        )
    assert TEXT[22:26] == "Beta"
    assert _stored(engine, Label, alice) == [("beta", None, None, 22, 26, None)]
    history = _stored(engine, LabelHistory, alice)
    assert history[0] == ("beta", 27, 31, 22, 26, None) and history[-1] == ("beta", None, None, 22, 26, None)
    assert _stored(engine, Label, bob) == [("beta", None, None, None, None, None)]
    with Session(engine) as session:
        actions = [h.action for h in session.exec(select(LabelHistory).where(LabelHistory.user_id == alice))]
    assert actions == ["save", "split"]
