"""The Streamlit app through AppTest: pages by role, the annotate flow, blind labelling, admin pages."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.store import documents, labels, queue, users
from annotator.store.models import Role
from tests.helpers import add_small_article, add_user, label
from tests.ui_helpers import app_as, app_engine, has_panel, panel


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
    panel(at)  # the panel drawn at login keeps the article it was sent, as in a browser
    at.switch_page("app_pages/annotate.py")
    at.run()
    assert not at.exception
    assert {"key": "alpha", "label": "Alpha", "shortcut": "1"} in panel(at)["article"]["sources"]


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
    assert panel(at)["start"] == 1  # sentence 0 has its two annotators


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
    from annotator.exchange.import_labels import import_labels_file
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
