"""The server side of the labelling panel through AppTest: the article it is given, and the
batches of labels it sends (order, one check per label, receipts, refusals)."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.store import documents, labels, resegment, users
from tests.helpers import add_small_article, add_user, label
from tests.ui_helpers import acks, act, app_as, app_engine, panel, save, send, typed


@pytest.fixture
def engine(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = app_engine(file_db_url, monkeypatch)
    add_small_article(engine)
    return engine


def _own_labels(engine: Engine, user_id: int) -> dict[int, tuple[bool, str | None, int | None]]:
    with Session(engine) as session:
        mine = labels.labels_by_index(session=session, document_id="doc", user_id=user_id)
        return {i: (lab.is_claim, lab.source, lab.confidence) for i, lab in mine.items()}


def _history(engine: Engine, user_id: int, index: int) -> list[tuple[str, str | None, int | None]]:
    with Session(engine) as session:
        sentence = documents.get_sentence(session=session, document_id="doc", index=index)
        assert sentence is not None and sentence.id is not None
        rows = labels.label_history(session=session, sentence_id=sentence.id, user_id=user_id)
        return [(h.action, h.source, h.confidence) for h in rows]


def test_the_panel_gets_the_whole_article_with_revisions_and_starts_on_the_first_unlabelled(
    engine: Engine,
) -> None:
    alice = add_user(engine, "alice")
    label(engine, alice, 0, is_claim=False)
    shown = panel(app_as(alice))
    article = shown["article"]
    assert [(text, revision) for _, _, revision, text in article["sentences"]] == [
        ("Alpha said one thing.", "0-21"),
        ("Beta said another.", "22-40"),
        ("Gamma was silent.", "41-58"),
    ]
    assert {"key": "alpha", "label": "Alpha", "shortcut": "1"} in article["sources"]
    assert article["confidence_required"] is True
    assert shown["start"] == 1 and list(shown["labels"].values()) == [
        [False, None, None, None, "", False, None, None, []]
    ]


def test_a_batch_is_applied_in_typing_order_and_each_label_acknowledged(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    first = typed(at, 0, source="alpha", confidence=5)
    second = typed(at, 1, is_claim=False)
    again = typed(at, 0, source="beta", confidence=3, note="on second thought")
    send(at, first, second, again)
    assert not at.exception
    assert acks(at) == {
        first["client_id"]: [first["sentence_id"], "saved", None],
        second["client_id"]: [second["sentence_id"], "saved", None],
        again["client_id"]: [again["sentence_id"], "saved", None],
    }
    assert _own_labels(engine, alice) == {0: (True, "beta", 3), 1: (False, None, None)}
    assert _history(engine, alice, 0) == [("save", "alpha", 5), ("save", "beta", 3)]
    # The panel's next data carries the stored labels: nobody has to ask for them.
    assert len(panel(at)["labels"]) == 2


def test_a_bad_label_in_the_middle_is_refused_without_losing_its_neighbours(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    before = typed(at, 0, source="alpha", confidence=5)
    bad = typed(at, 1, source="alpha", confidence=9)
    after = typed(at, 2, source="beta", confidence=4)
    send(at, before, bad, after)
    answer = acks(at)
    assert [answer[item["client_id"]][1] for item in (before, bad, after)] == ["saved", "refused", "saved"]
    assert "confidence 9 is outside the scale" in answer[bad["client_id"]][2]
    assert _own_labels(engine, alice) == {0: (True, "alpha", 5), 2: (True, "beta", 4)}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"source": "not-in-this-article", "confidence": 3}, "not a source of this article"),
        ({"source": "alpha", "confidence": None}, "a claim needs a confidence"),
        ({"source": "other", "confidence": 3}, "needs the source's name"),
    ],
)
def test_the_store_refuses_what_the_schema_or_the_article_does_not_allow(
    engine: Engine, value: dict[str, object], reason: str
) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    item = typed(at, 0, **value)
    send(at, item)
    assert acks(at)[item["client_id"]][1] == "refused" and reason in acks(at)[item["client_id"]][2]
    assert _own_labels(engine, alice) == {}


def test_other_with_a_name_is_saved(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    save(at, 0, source="other", source_other="  A neighbour ", confidence=3)
    with Session(engine) as session:
        stored = labels.labels_by_index(session=session, document_id="doc", user_id=alice)[0]
    assert (stored.source, stored.source_other, stored.confidence) == ("other", "A neighbour", 3)


def test_a_resend_changes_nothing_even_after_later_labels(engine: Engine) -> None:
    """The outbox resends what it has not seen acknowledged (reload, lost connection): a label
    already applied is answered from its receipt, never applied over a later one."""
    alice = add_user(engine, "alice")
    at = app_as(alice)
    first = typed(at, 0, source="alpha", confidence=5)
    later = typed(at, 0, source="beta", confidence=3)
    send(at, first, later)
    fresh = app_as(alice)  # a reload: a new session, the same browser storage
    send(fresh, first, later)
    assert [acks(fresh)[item["client_id"]][1] for item in (first, later)] == ["saved", "saved"]
    assert _own_labels(engine, alice) == {0: (True, "beta", 3)}
    assert _history(engine, alice, 0) == [("save", "alpha", 5), ("save", "beta", 3)]


def test_an_unchanged_label_adds_no_history_row(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    save(at, 0, source="alpha", confidence=5)
    item = typed(at, 0, source="alpha", confidence=5)
    send(at, item)
    assert acks(at)[item["client_id"]][1] == "unchanged"
    assert _history(engine, alice, 0) == [("save", "alpha", 5)]


def test_undo_brings_the_previous_label_back_and_history_keeps_both(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    save(at, 0, source="alpha", confidence=5)
    save(at, 0, source="beta", confidence=2)
    send(at, typed(at, 0, action="undo", source="alpha", confidence=5))
    assert _own_labels(engine, alice) == {0: (True, "alpha", 5)}
    # Undoing a sentence's first label takes it back; its values stay in history.
    save(at, 1, is_claim=False)
    send(at, typed(at, 1, action="undo", cleared=True))
    assert _own_labels(engine, alice) == {0: (True, "alpha", 5)}
    assert _history(engine, alice, 0) == [("save", "alpha", 5), ("save", "beta", 2), ("undo", "alpha", 5)]
    assert _history(engine, alice, 1) == [("save", None, None), ("clear", None, None)]


def test_a_label_typed_before_an_admin_merged_the_sentence_is_refused_with_a_reason(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    on_first, on_second = typed(at, 0, is_claim=False), typed(at, 1, source="alpha", confidence=5)
    with Session(engine) as session:
        resegment.merge_with_next(session=session, document_id="doc", index=0)
    send(at, on_first, on_second)
    answer = acks(at)
    assert "merged or split this sentence after you read it" in answer[on_first["client_id"]][2]
    assert "no longer exists" in answer[on_second["client_id"]][2]
    assert _own_labels(engine, alice) == {}
    # The same exchange brings the article as it is now.
    assert len(panel(at)["article"]["sentences"]) == 2


_ITEM = {
    "client_id": "x",
    "sentence_id": 1,
    "revision": "0-21",
    "value": {"is_claim": False},
    "action": "save",
}


@pytest.mark.parametrize(
    "item",
    [
        {**_ITEM, "sentence_id": "1"},
        {**_ITEM, "value": {"is_claim": "yes"}},
        {**_ITEM, "value": {"is_claim": True, "confidence": "5"}},
        {**_ITEM, "value": {"is_claim": False, "confidence": 5}},
        {**_ITEM, "value": {"is_claim": True, "note": "x" * 10_001}},
        {**_ITEM, "client_id": ""},
        {**_ITEM, "client_id": "x" * 65},
        {**_ITEM, "value": None},  # only an undo may take a label back
        {**_ITEM, "action": "delete"},
        {key: value for key, value in _ITEM.items() if key != "revision"},
        "drop tables",
    ],
)
def test_a_malformed_label_from_the_page_changes_nothing(engine: Engine, item: object) -> None:
    """The outbox comes from the browser: each field is checked before anything is saved."""
    alice = add_user(engine, "alice")
    at = app_as(alice)
    act(at, {"seq": 1, "labels": [item], "request": None})
    assert not at.exception
    assert _own_labels(engine, alice) == {}
    assert panel(at)["message"]["kind"] == "error"


def test_a_deactivated_annotators_outbox_saves_nothing(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    item = typed(at, 0, is_claim=False)
    with Session(engine) as session:
        users.set_active(session=session, user_id=alice, active=False)
    send(at, item)
    assert _own_labels(engine, alice) == {}


def test_annotator_never_sees_another_annotators_labels(engine: Engine) -> None:
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=True, source="beta", confidence=5, note="alice's secret note")
    shown = panel(app_as(bob))
    assert shown["labels"] == {} and shown["start"] == 0
    assert "alice's secret note" not in str(shown)


def test_the_panel_opens_dialogs_and_the_next_article(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    add_small_article(engine, doc_id="doc2")
    at = app_as(alice)
    send(at, request="guidelines")
    assert any("Who says so?" in m.value for m in at.markdown)
    at = app_as(alice)
    for index in range(3):
        save(at, index, is_claim=False)
    opened = panel(at)["opened"]
    send(at, request="next_needed")
    assert panel(at)["article"]["id"] == "doc2" and panel(at)["opened"] != opened


def test_a_proposed_source_reaches_the_panel_and_can_be_used(engine: Engine) -> None:
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    at = app_as(alice)
    send(at, request="propose_source")
    at.text_input[0].input("White House press office")
    [add_button] = [b for b in at.button if b.label == "Add source"]
    add_button.click().run()
    assert not at.exception
    [proposed] = [s for s in panel(at)["article"]["sources"] if s["label"] == "White House press office"]
    assert proposed["shortcut"] == "3" and proposed["key"].startswith("white-house")  # made from the name
    assert panel(at)["message"]["kind"] == "success"
    assert proposed in panel(app_as(bob))["article"]["sources"]
    save(at, 0, source=proposed["key"], confidence=4)
    assert _own_labels(engine, alice) == {0: (True, proposed["key"], 4)}


def test_choose_article_opens_it_on_its_first_unlabelled_sentence(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    add_small_article(engine, doc_id="doc2")
    label(engine, alice, 0, doc_id="doc2", is_claim=False)
    at = app_as(alice)
    send(at, request="choose_article")
    at.selectbox[0].select("doc2")
    [open_button] = [b for b in at.button if b.label == "Open article"]
    open_button.click().run()
    assert panel(at)["article"]["id"] == "doc2" and panel(at)["start"] == 1


def test_a_renamed_source_reaches_an_open_panel_at_its_next_exchange(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    with Session(engine) as session:
        [alpha] = [s for s in documents.list_sources(session=session, document_id="doc") if s.key == "alpha"]
        assert alpha.id is not None
        documents.update_source(session=session, source_id=alpha.id, label="Alpha Centauri", aliases=[])
    save(at, 0, is_claim=False)
    assert {"key": "alpha", "label": "Alpha Centauri", "shortcut": "1"} in panel(at)["article"]["sources"]


def test_a_label_made_in_another_tab_reaches_the_panel_at_its_next_exchange(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    label(engine, alice, 2, is_claim=True, source="beta", confidence=4)  # another tab of alice's
    save(at, 0, is_claim=False)
    assert sorted(row[0] for row in panel(at)["labels"].values()) == [False, True]
    assert [True, "beta", None, 4, "", False, None, None, []] in panel(at)["labels"].values()


def test_a_label_given_again_after_an_undo_goes_on_with_its_history_versions(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    save(at, 0, source="alpha", confidence=5)
    send(at, typed(at, 0, action="undo", cleared=True))
    save(at, 0, source="beta", confidence=4)
    with Session(engine) as session:
        sentence = documents.get_sentence(session=session, document_id="doc", index=0)
        assert sentence is not None and sentence.id is not None
        history = labels.label_history(session=session, sentence_id=sentence.id, user_id=alice)
    assert [(h.version, h.action, h.source) for h in history] == [
        (1, "save", "alpha"),
        (2, "clear", "alpha"),
        (3, "save", "beta"),
    ]


def _suggest(engine: Engine, share: float) -> None:
    from annotator.exchange.suggest import suggest_documents
    from annotator.store import suggestions

    with Session(engine) as session:
        suggestions.set_audit_share(session=session, share=share)
    suggest_documents(engine, document_ids=["doc"])


def test_suggestions_reach_the_panel_with_their_evidence_except_those_the_audit_hides(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    _suggest(engine, share=0.0)
    shown = panel(app_as(alice))["suggestions"]
    assert sorted(shown) == ["0", "1", "2"]
    is_claim, source, _, cue, mention, reason, model, confidence = shown["0"]
    assert (is_claim, source, confidence) == (True, "alpha", 5)  # "Alpha said one thing."
    assert "Alpha said one thing."[cue[0] : cue[1]] == "said"
    assert "Alpha said one thing."[mention[0] : mention[1]] == "Alpha"
    assert reason and model
    _suggest(engine, share=1.0)  # every sentence in the audit: nothing of them reaches the browser
    assert panel(app_as(alice))["suggestions"] == {}


def test_each_saved_label_records_whether_its_suggestion_was_shown_and_agreed(engine: Engine) -> None:
    from annotator.store.models import SuggestionShown

    alice = add_user(engine, "alice")
    _suggest(engine, share=0.0)
    at = app_as(alice)
    send(at, typed(at, 0, source="alpha", confidence=5), typed(at, 1, source="alpha", confidence=3))
    with Session(engine) as session:
        rows = session.exec(select(SuggestionShown).order_by(SuggestionShown.sentence_id)).all()
    assert [(row.user_id, row.label_version, row.shown, row.agrees) for row in rows] == [
        (alice, 1, True, True),
        (alice, 1, True, False),  # "Beta said another." was suggested as beta
    ]


def test_a_tab_whose_login_ended_saves_nothing(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    item = typed(at, 0, is_claim=False)
    with Session(engine) as session:
        users.set_password(session=session, user_id=alice, password="a-new-password-1")  # ends her logins
    act(at, {"seq": 1, "labels": [item], "request": None})
    assert _own_labels(engine, alice) == {}  # her account is active: only the ended login stops it


def _sent_article(at: object) -> dict[str, object] | None:
    """The article as this run sent it (None: only its id and signature)."""
    from tests.ui_helpers import _labeller

    return orjson.loads(_labeller(at).proto.bytes)["article"]  # type: ignore[arg-type]


def test_the_article_is_sent_whole_only_when_the_panel_lacks_it_as_it_is(engine: Engine) -> None:
    """Each exchange used to carry the whole article; now its signature, unless the article
    changed, the session has not sent it, or the panel asks for it (a page drawn afresh)."""
    alice = add_user(engine, "alice")
    at = app_as(alice)
    first = _sent_article(at)
    assert first is not None and len(first["sentences"]) == 3  # type: ignore[arg-type]
    save(at, 0, is_claim=False)
    assert _sent_article(at) is None
    assert (panel(at)["document"], panel(at)["signature"]) == ("doc", first["signature"])
    with Session(engine) as session:
        [alpha] = [s for s in documents.list_sources(session=session, document_id="doc") if s.key == "alpha"]
        assert alpha.id is not None
        documents.update_source(session=session, source_id=alpha.id, label="Alpha Centauri", aliases=[])
    save(at, 1, is_claim=False)
    changed = _sent_article(at)
    assert changed is not None and changed["signature"] != first["signature"]
    send(at)
    assert _sent_article(at) is None
    send(at, request="article")
    assert _sent_article(at) == changed
    # A new session (a reload) gets it whole.
    assert _sent_article(app_as(alice)) == changed
