"""The Streamlit app through AppTest: pages by role, the annotate flow, blind labelling, admin pages."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.store import documents, labels, queue, resegment, users
from annotator.store.models import Role
from tests.helpers import add_small_article, add_user, label
from tests.ui_helpers import act, app_as, app_engine, has_panel, panel, save


@pytest.fixture
def engine(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    engine = app_engine(file_db_url, monkeypatch)
    add_small_article(engine)
    return engine


def _own_labels(engine: Engine, user_id: int) -> dict[int, tuple[bool, str | None, int | None]]:
    with Session(engine) as session:
        mine = labels.labels_by_index(session=session, document_id="doc", user_id=user_id)
        return {i: (lab.is_claim, lab.source, lab.confidence) for i, lab in mine.items()}


def test_logged_out_sees_only_the_login_form(engine: Engine) -> None:
    at = app_as(None)
    assert not at.exception
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert not has_panel(at)


def test_login_with_password_and_wrong_password(engine: Engine) -> None:
    add_user(engine, "alice")
    at = app_as(None)
    at.text_input(key="login_name").input("alice")
    at.text_input(key="login_password").input("wrong-password")
    at.button[0].click().run()
    assert "wrong user name or password" in at.error[0].value
    at.text_input(key="login_password").input("password-1")
    at.button[0].click().run()
    assert at.session_state["user_id"] is not None
    at.switch_page("app_pages/annotate.py")
    at.run()
    assert not at.exception
    assert {"key": "alpha", "label": "Alpha", "shortcut": "1"} in panel(at)["sources"]


def test_saves_move_on_and_the_panel_shows_the_next_sentence(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    shown = panel(at)
    assert (shown["index"], shown["position"]) == (0, "Sentence 1 of 3 · not labelled yet")
    assert [s["current"] for s in shown["context"]] == [True, False, False]
    save(at, source="alpha", confidence=5)  # source key, then confidence digit
    assert panel(at)["index"] == 1 and [t.value for t in at.toast] == ["Saved sentence 1."]
    save(at, is_claim=False)  # N
    assert panel(at)["index"] == 2
    assert panel(at)["progress"] == {"article": [2, 3], "overall": [2, 3]}
    assert _own_labels(engine, alice) == {0: (True, "alpha", 5), 1: (False, None, None)}


def test_going_back_shows_the_saved_label_and_editing_appends_history(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    label(engine, alice, 0, is_claim=True, source="beta", confidence=2, note="first thought")
    at = app_as(alice)
    assert at.session_state["ann_index"] == 1  # first sentence not labelled yet
    act(at, kind="go", step=-1)
    form = panel(at)["form"]
    assert (form["source"], form["confidence"], form["note"]) == ("beta", 2, "first thought")
    assert panel(at)["position"] == "Sentence 1 of 3 · labelled"
    save(at, source="alpha", confidence=4, note="first thought")
    with Session(engine) as session:
        sentence = documents.get_sentence(session=session, document_id="doc", index=0)
        assert sentence is not None and sentence.id is not None
        history = labels.label_history(session=session, sentence_id=sentence.id, user_id=alice)
    assert [(h.source, h.confidence) for h in history] == [("beta", 2), ("alpha", 4)]


def test_other_needs_a_name(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    save(at, source="other", confidence=3)  # the panel asks for the name first; a forged save is refused
    assert panel(at)["index"] == 0 and "other" in panel(at)["message"]["text"].lower()
    assert _own_labels(engine, alice) == {}
    save(at, source="other", confidence=3, other="A neighbour")
    assert _own_labels(engine, alice)[0] == (True, "other", 3)


def test_a_key_pressed_before_the_next_sentence_was_shown_is_not_applied(engine: Engine) -> None:
    """Two quick presses of N: the second was meant for a sentence not yet on screen."""
    alice = add_user(engine, "alice")
    at = app_as(alice)
    stale = panel(at)["revision"]
    save(at, is_claim=False)
    save(at, is_claim=False, revision=stale)
    assert _own_labels(engine, alice) == {0: (False, None, None)}
    assert panel(at)["index"] == 1


@pytest.mark.parametrize(
    "action",
    [
        {"kind": "save", "is_claim": "yes"},
        {"kind": "save", "is_claim": True, "source": "alpha", "confidence": "5"},
        {"kind": "save", "is_claim": True, "source": "alpha", "confidence": 9},
        {"kind": "save", "is_claim": True, "source": "not-in-this-article", "confidence": 3},
        {"kind": "save", "is_claim": False, "confidence": 5},
        {"kind": "save", "is_claim": True, "source": "alpha", "note": "x" * 10_001},
        {"kind": "save", "is_claim": True, "source": "alpha", "sentence_id": "1"},
        {"kind": "go", "step": 5},
        {"kind": "drop tables"},
    ],
)
def test_a_malformed_action_from_the_page_changes_nothing(engine: Engine, action: dict[str, object]) -> None:
    """The panel's messages come from the browser: each field is checked before anything is saved."""
    alice = add_user(engine, "alice")
    at = app_as(alice)
    act(at, **action)
    assert not at.exception
    assert _own_labels(engine, alice) == {} and at.session_state["ann_index"] == 0
    assert panel(at)["message"]["kind"] == "error"


def test_annotator_never_sees_another_annotators_labels(engine: Engine) -> None:
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    label(engine, alice, 0, is_claim=True, source="beta", confidence=5, note="alice's secret note")
    at = app_as(bob)
    assert at.session_state["ann_index"] == 0
    shown = panel(at)
    assert shown["form"]["source"] is None and shown["form"]["note"] == "" and not shown["saved"]
    assert "alice's secret note" not in str(shown)
    assert shown["progress"]["article"] == [0, 3]  # alice's label does not count for bob


def test_annotator_cannot_open_admin_or_export_pages(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    for page in ("app_pages/users.py", "app_pages/articles.py", "app_pages/exports.py"):
        # Pages outside the role's navigation are not registered for this session at all.
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_deactivated_user_is_logged_out_at_next_click(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    with Session(engine) as session:
        users.set_active(session=session, user_id=alice, active=False)
    at.run()
    assert "user_id" not in at.session_state
    assert not has_panel(at)
    at.switch_page("app_pages/login.py")
    at.run()
    assert [t.label for t in at.text_input] == ["User name", "Password"]


def test_work_queue_skips_sentences_with_enough_annotators(engine: Engine) -> None:
    alice, bob, carol = add_user(engine, "alice"), add_user(engine, "bob"), add_user(engine, "carol")
    with Session(engine) as session:
        queue.set_annotators_per_sentence(session=session, value=2)
    label(engine, alice, 0, is_claim=False)
    label(engine, bob, 0, is_claim=False)
    label(engine, alice, 1, is_claim=False)
    at = app_as(carol)
    assert at.session_state["ann_index"] == 1  # sentence 0 has its two annotators


def test_admin_pages_render(engine: Engine) -> None:
    admin = add_user(engine, "root", Role.admin)
    for page in (
        "app_pages/users.py",
        "app_pages/articles.py",
        "app_pages/exports.py",
        "app_pages/progress.py",
    ):
        at = app_as(admin, page)
        assert not at.exception, page


def test_admin_adds_a_user_and_sees_the_password_once(engine: Engine) -> None:
    admin = add_user(engine, "root", Role.admin)
    at = app_as(admin, "app_pages/users.py")
    at.text_input(key="new_user_name").input("dora")
    at.selectbox(key="new_user_role").select("reviewer")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.exception
    shown = at.success[0].value
    assert "Password (shown once)" in shown
    password = shown.rsplit(": ", 1)[1].strip("` ")  # shown as code: copied exactly
    with Session(engine) as session:
        dora = users.authenticate(session=session, name="dora", password=password)
    assert dora.role == Role.reviewer


def test_admin_sets_the_work_queue_and_fixes_a_split(engine: Engine) -> None:
    admin = add_user(engine, "root", Role.admin)
    at = app_as(admin, "app_pages/articles.py")
    at.number_input(key="per_sentence").set_value(3)
    at.button(key="save_queue").click().run()
    at.button(key="merge").click().run()
    assert not at.exception
    with Session(engine) as session:
        assert queue.get_annotators_per_sentence(session=session) == 3
        assert [s.text for s in documents.list_sentences(session=session, document_id="doc")] == [
            "Alpha said one thing. Beta said another.",
            "Gamma was silent.",
        ]


def test_agreement_page_for_reviewers_only(engine: Engine) -> None:
    from annotator.io.import_labels import import_labels_file
    from tests.test_agreement_report import SAMPLE_LABELS

    import_labels_file(engine, SAMPLE_LABELS)
    reviewer, annotator = add_user(engine, "rita", Role.reviewer), add_user(engine, "alice")
    at = app_as(reviewer, "app_pages/agreement.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Who says so? (source): α (nominal)"] == "0.646"
    assert "unreliable" in " ".join(c.value for c in at.caption)
    at = app_as(annotator)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/agreement.py")


def test_panel_opens_the_guidelines_and_proposes_a_source_for_everyone(engine: Engine) -> None:
    alice, bob = add_user(engine, "alice"), add_user(engine, "bob")
    at = app_as(alice)
    act(at, kind="open", dialog="guidelines")
    assert any("Who says so?" in m.value for m in at.markdown)
    act(at, kind="open", dialog="propose_source")
    at.text_input[0].input("White House press office")
    at.text_input[1].input("white-house")
    [add_button] = [b for b in at.button if b.label == "Add source"]
    revision = panel(at)["revision"]
    add_button.click().run()
    assert not at.exception
    assert panel(at)["revision"] == revision  # what the annotator typed in the panel stays
    proposed = {"key": "white-house", "label": "White House press office", "shortcut": "3"}
    assert proposed in panel(at)["sources"]
    assert panel(at)["message"]["kind"] == "success"
    assert "white-house" in [s["key"] for s in panel(app_as(bob))["sources"]]
    save(at, source="white-house", confidence=4)
    assert _own_labels(engine, alice) == {0: (True, "white-house", 4)}


def test_panel_opens_another_article(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    add_small_article(engine, doc_id="doc2")
    at = app_as(alice)
    act(at, kind="open", dialog="choose_article")
    assert at.selectbox[0].options == ["doc", "doc2"]
    at.selectbox[0].select("doc2")
    [open_button] = [b for b in at.button if b.label == "Open article"]
    open_button.click().run()
    assert panel(at)["document_id"] == "doc2" and panel(at)["index"] == 0


def test_a_save_goes_to_the_sentence_the_panel_showed(engine: Engine) -> None:
    """Streamlit may stop a callback midway; session state may then name another sentence
    than the one on screen. The action names the sentence, and the save goes there."""
    alice = add_user(engine, "alice")
    at = app_as(alice)
    shown = panel(at)["sentence_id"]
    at.session_state["ann_index"] = 2  # as a half-finished earlier callback could leave it
    save(at, source="beta", confidence=2)
    assert _own_labels(engine, alice) == {0: (True, "beta", 2)}
    assert panel(at)["index"] == 1 and panel(at)["sentence_id"] != shown


def test_a_sentence_merged_away_while_shown_is_not_labelled(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    act(at, kind="go", step=1)  # sentence 1 on screen
    with Session(engine) as session:
        resegment.merge_with_next(session=session, document_id="doc", index=0)
    save(at, source="alpha", confidence=5)
    assert _own_labels(engine, alice) == {}
    assert "no longer exists" in panel(at)["message"]["text"]


def test_after_the_last_needed_save_the_form_shows_the_stored_label(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    label(engine, alice, 0, is_claim=False)
    label(engine, alice, 1, is_claim=False)
    at = app_as(alice)
    assert panel(at)["index"] == 2
    before = panel(at)["revision"]
    save(at, source="alpha", confidence=3)
    shown = panel(at)
    assert shown["message"]["kind"] == "success"  # all done
    assert shown["revision"] != before  # the panel drops the confidence step it was in
    assert (shown["index"], shown["form"]["source"], shown["form"]["confidence"]) == (2, "alpha", 3)


def test_a_deactivated_annotators_key_press_saves_nothing(engine: Engine) -> None:
    alice = add_user(engine, "alice")
    at = app_as(alice)
    with Session(engine) as session:
        users.set_active(session=session, user_id=alice, active=False)
    save(at, source="alpha", confidence=3)
    assert _own_labels(engine, alice) == {}
