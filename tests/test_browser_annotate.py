"""The annotate experience in a real browser: `annotator serve` + Debian's Chromium via Playwright."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from playwright.sync_api import expect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain.article import ArticleDraft, SentenceSpan
from annotator.store import documents, labels, users
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import Role, UserCreate
from tests.browser_helpers import ADMIN_PASSWORD, StreamlitPage, chromium, new_page, served_app

pytestmark = pytest.mark.browser

SAMPLE = "france24-sessions-kislyak"
HOSTILE_TEXT = (
    "He wrote <script>alert(1)</script> and **bold** [link](http://x) <img src=x onerror=alert(2)>."
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine, Path]]:
    workdir = tmp_path_factory.mktemp("serve")
    db_url = f"sqlite:///{workdir / 'annotator.db'}"
    with served_app(db_url, workdir) as base:
        engine = make_engine(db_url)
        create_tables(engine)
        with Session(engine) as session:
            text = "A hostile page.\n\n" + HOSTILE_TEXT
            start = text.index(HOSTILE_TEXT)
            documents.add_articles(
                session=session,
                drafts=[
                    ArticleDraft(
                        id="zz-hostile",
                        title="<script>alert(3)</script> **Hostile**",
                        text=text,
                        sentences=(SentenceSpan(0, 15, 0), SentenceSpan(start, len(text), 1)),
                    )
                ],
            )
            users.create_user(
                session=session, user_in=UserCreate(name="bob", role=Role.annotator, password="bob-password")
            )
        yield base, engine, workdir
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def _mine(engine: Engine, name: str) -> dict[int, tuple[bool, str | None, int | None]]:
    with Session(engine) as session:
        user = users.get_user_by_name(session=session, name=name)
        assert user is not None and user.id is not None
        found = labels.labels_by_index(session=session, document_id=SAMPLE, user_id=user.id)
        return {i: (lab.is_claim, lab.source, lab.confidence) for i, lab in found.items()}


def test_admin_adds_an_annotator_who_labels_from_the_keyboard(
    app: tuple[str, Engine, Path], browser: Any
) -> None:
    base, engine, workdir = app
    admin = new_page(browser)
    admin.goto(base)
    admin.log_in("admin", ADMIN_PASSWORD)
    admin.act(lambda: admin.page.get_by_role("link", name="Users").click())
    admin.page.locator(".st-key-new_user_name input").fill("alice")
    admin.act(lambda: admin.page.get_by_role("button", name="Add user").click())
    shown = admin.page.get_by_text("Password (shown once)").inner_text()
    password = re.search(r"shown once\): (\S+)", shown).group(1)  # type: ignore[union-attr]

    alice = new_page(browser)
    alice.goto(base)
    alice.log_in("alice", password)
    assert alice.caption().startswith("Sentence 1 of 17")
    alice.focus_page()
    # Source then confidence (2 keys), N (1 key), source then confidence: no waiting in between.
    alice.keys("1")
    assert alice.page.locator('[data-key="src_intercepts"]').get_attribute("class") == "ann-btn primary src-0"
    alice.keys("5", "N", "8", "4")
    assert alice.caption().startswith("Sentence 4 of 17")
    # Back one and change it: the stored label is shown, and the change appends history.
    alice.keys("ArrowLeft")
    assert alice.caption().startswith("Sentence 3 of 17 · ")
    assert "primary" in (alice.page.locator('[data-key="src_us-officials"]').get_attribute("class") or "")
    alice.keys("2", "3")
    alice.wait_saved()
    assert _mine(engine, "alice") == {
        0: (True, "intercepts", 5),
        1: (False, None, None),
        2: (True, "us-official", 3),
    }
    # Every sentence shows its state in the article, in words too (not colour alone).
    states = alice.page.locator("[data-sentence-index]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.state)"
    )
    assert states[:4] == ["saved", "not-claim", "saved", "none"]
    assert (
        "saved: Unnamed US official, confidence 3"
        in alice.page.locator('[data-sentence-index="2"]').inner_text()
    )
    # A reload returns to the first sentence not labelled yet, still logged in.
    alice.reload()
    assert alice.caption().startswith("Sentence 4 of 17")

    with Session(engine) as session:
        sentence = documents.get_sentence(session=session, document_id=SAMPLE, index=2)
        user = users.get_user_by_name(session=session, name="alice")
        assert sentence is not None and sentence.id and user is not None and user.id
        history = labels.label_history(session=session, sentence_id=sentence.id, user_id=user.id)
    assert [(h.source, h.confidence) for h in history] == [("us-officials", 4), ("us-official", 3)]

    exported = subprocess.run(
        [
            sys.executable,
            "-m",
            "annotator.cli",
            "--db",
            str(engine.url),
            "export",
            "--what",
            "labels",
            "-o",
            "-",
        ],
        cwd=workdir,
        capture_output=True,
        check=True,
    ).stdout
    records = [orjson.loads(line) for line in exported.splitlines()]
    assert [(r["annotator"], r["sentence_index"], r["source"], r["confidence"]) for r in records] == [
        ("alice", 0, "intercepts", 5),
        ("alice", 1, None, None),
        ("alice", 2, "us-official", 3),
    ]


def test_annotator_does_not_see_others_and_cannot_open_admin_pages(
    app: tuple[str, Engine, Path], browser: Any
) -> None:
    base, engine, _ = app
    bob = new_page(browser)
    bob.goto(base)
    bob.log_in("bob", "bob-password")
    assert bob.caption() == "Sentence 1 of 17 · not labelled"
    # The letter O on its key reads as a letter: not set in a monospace face, where it looked like 0.
    other_key = bob.page.locator('[data-key="src_other"] kbd')
    assert other_key.inner_text() == "O"
    assert "mono" not in other_key.evaluate("node => getComputedStyle(node).fontFamily").lower()
    expect(bob.page.locator('[data-testid="labeller"]')).to_contain_text("This article: 0 of 17")
    assert bob.page.locator('[data-testid="reading-column"] [data-state="none"]').count() == 17
    links = bob.page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert [link.split("\n")[-1] for link in links] == ["Annotate", "My progress", "My account"]
    for path in ("users", "articles", "exports"):
        bob.goto(f"{base}/{path}")
        assert not bob.page.get_by_role("button", name="Add user").count()
        assert not bob.page.get_by_role("button", name="Prepare labels").count()
        assert not bob.page.get_by_text("Articles & sources").count()


def test_article_text_is_shown_as_text_and_never_runs(app: tuple[str, Engine, Path], browser: Any) -> None:
    base, _, _ = app
    bob = new_page(browser)
    bob.goto(base)
    bob.log_in("bob", "bob-password")
    bob.open_article("zz-hostile")
    bob.focus_page()
    bob.keys("ArrowRight")
    assert bob.current_sentence() == HOSTILE_TEXT
    assert "<script>alert(3)</script> **Hostile**" in bob.page.locator("h3").first.inner_text()
    assert (
        bob.page.locator('[data-testid="reading-column"] script, [data-testid="reading-column"] img').count()
        == 0
    )
    bob.page.wait_for_timeout(300)
    assert bob.dialogs == []


def test_a_dismissed_dialog_stays_closed(app: tuple[str, Engine, Path], browser: Any) -> None:
    base, _, _ = app
    bob = new_page(browser)
    bob.goto(base)
    bob.log_in("bob", "bob-password")
    bob.act(lambda: bob.page.locator('[data-key="guidelines"]').click())
    dialog = bob.page.locator('[role="dialog"]')
    expect(dialog).to_contain_text("Who says so?")
    bob.keys("1")  # the panel behind does not take keys while a dialog is open
    assert bob.page.locator(".ann-btn.primary").filter(has_text="intercepts").count() == 0
    bob.act(lambda: bob.page.keyboard.press("Escape"))  # dismissing reruns the page
    expect(dialog).to_have_count(0)
    bob.focus_page()
    bob.keys("ArrowRight")
    assert bob.caption().startswith("Sentence 2 of 17")
    expect(dialog).to_have_count(0)


def _add_annotator(engine: Engine, name: str) -> None:
    with Session(engine) as session:
        users.create_user(
            session=session, user_in=UserCreate(name=name, role=Role.annotator, password=f"{name}-pass-1")
        )


def _annotator(engine: Engine, base: str, browser: Any, name: str, **context: Any) -> StreamlitPage:
    """A new annotator, logged in on a page of their own, on their first sentence."""
    _add_annotator(engine, name)
    page = new_page(browser, **context)
    page.goto(base)
    page.log_in(name, f"{name}-pass-1")
    page.caption()
    page.focus_page()
    return page


def _source_picked(page: StreamlitPage) -> bool:
    return page.page.locator('[data-testid="source-buttons"] .ann-btn.primary').count() > 0


def test_a_new_login_in_the_same_tab_starts_from_an_empty_form(
    app: tuple[str, Engine, Path], browser: Any
) -> None:
    base, engine, _ = app
    carol = _annotator(engine, base, browser, "carol")
    carol.keys("1")
    carol.page.locator(".ann-note textarea").fill("carol's private note")
    carol.page.locator(".ann-flag input").check()
    carol.act(lambda: carol.page.locator(".st-key-logout button").click())
    _add_annotator(engine, "dave")
    carol.log_in("dave", "dave-pass-1")
    assert carol.caption().startswith("Sentence 1 of 17")
    assert carol.page.locator(".ann-note textarea").input_value() == ""
    assert not carol.page.locator(".ann-flag input").is_checked() and not _source_picked(carol)


def test_enter_on_a_focused_button_does_what_the_button_says(
    app: tuple[str, Engine, Path], browser: Any
) -> None:
    base, engine, _ = app
    erin = _annotator(engine, base, browser, "erin")
    erin.keys("N", "1")
    erin.page.locator('[data-key="prev"]').focus()
    erin.keys("Enter")
    assert erin.caption().startswith("Sentence 1 of 17")
    erin.wait_saved()
    assert _mine(engine, "erin") == {0: (False, None, None)}  # sentence 2 was not saved


def test_flag_note_undo_jump_and_other_from_the_keyboard(app: tuple[str, Engine, Path], browser: Any) -> None:
    base, engine, _ = app
    finn = _annotator(engine, base, browser, "finn")
    finn.page.locator(".ann-flag input").check()  # a ticked box leaves the keys to the panel
    finn.keys("1", "5")  # sentence 1: flagged
    finn.keys("/")
    finn.page.keyboard.type("unsure who")
    finn.keys("Escape", "F", "2", "4")  # sentence 2: a note, and the flag toggled on with F
    finn.keys("O")
    finn.page.keyboard.type("A neighbour")
    finn.keys("Enter", "3")  # sentence 3: other, named inline
    finn.keys("A", "5", "U")  # sentence 4 saved, then undone: the label is taken back
    assert finn.current_index() == 3
    finn.keys("G", "1", "0", "Enter")
    assert finn.current_index() == 9
    finn.page.locator('[data-sentence-index="6"]').click()
    assert finn.current_index() == 6
    finn.keys("J")  # the first sentence after this one that needs me
    assert finn.current_index() == 7
    finn.wait_saved()
    with Session(engine) as session:
        user = users.get_user_by_name(session=session, name="finn")
        assert user is not None and user.id is not None
        mine = labels.labels_by_index(session=session, document_id=SAMPLE, user_id=user.id)
    assert sorted(mine) == [0, 1, 2]
    assert (mine[0].flagged, mine[1].flagged, mine[1].note) == (True, True, "unsure who")
    assert (mine[2].source, mine[2].source_other, mine[2].confidence) == ("other", "A neighbour", 3)
    with Session(engine) as session:
        sentence = documents.get_sentence(session=session, document_id=SAMPLE, index=3)
        assert sentence is not None and sentence.id is not None and user.id is not None
        history = labels.label_history(session=session, sentence_id=sentence.id, user_id=user.id)
    assert [(h.action, h.source) for h in history] == [("save", "author"), ("clear", "author")]


def test_enter_without_a_confidence_warns_instead_of_saving(
    app: tuple[str, Engine, Path], browser: Any
) -> None:
    base, engine, _ = app
    gail = _annotator(engine, base, browser, "gail")
    gail.keys("1", "Enter")
    expect(gail.page.locator(".ann-message")).to_contain_text("Type a confidence")
    assert gail.current_index() == 0
    gail.keys("4")
    gail.wait_saved()
    assert _mine(engine, "gail") == {0: (True, "intercepts", 4)}


def test_the_current_sentence_and_its_buttons_fit_a_small_window(
    app: tuple[str, Engine, Path], browser: Any
) -> None:
    base, engine, _ = app
    hal = _annotator(engine, base, browser, "hal", viewport={"width": 1280, "height": 720})
    hal.keys("G", "1", "4", "Enter")
    for selector in (
        '[data-testid="reading-column"] [aria-current="true"]',
        '[data-testid="source-buttons"]',
        '[data-testid="confidence-buttons"]',
    ):
        box = hal.page.locator(selector).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 720, (selector, box)
    assert hal.page.evaluate("() => window.scrollY") == 0


def test_a_suggestion_is_preselected_with_its_evidence_and_enter_accepts_it(
    app: tuple[str, Engine, Path], browser: Any
) -> None:
    from annotator.exchange.suggest import suggest_documents
    from annotator.store import suggestions

    base, engine, _ = app
    with Session(engine) as session:
        suggestions.set_audit_share(session=session, share=0.0)
    suggest_documents(engine, document_ids=[SAMPLE])
    with Session(engine) as session:
        first = suggestions.suggestions_of(session=session, document_id=SAMPLE)[0][1]
    ivy = _annotator(engine, base, browser, "ivy")
    expect(ivy.page.locator(".ann-prompt")).to_contain_text("Suggested:")
    current = ivy.page.locator('[data-testid="reading-column"] [aria-current="true"]')
    assert current.locator("mark.suggested-cue").count() == 1
    ivy.keys("Enter")  # one key: the suggestion as it is
    assert ivy.current_index() == 1
    ivy.keys("N")  # any other key overrides the suggestion
    ivy.wait_saved()
    stored = _mine(engine, "ivy")
    assert stored[0][:2] == (first.is_claim, first.source) and stored[0][2] is not None
    assert stored[1] == (False, None, None)


def test_the_panel_labels_on_after_another_page_of_the_same_session(
    app: tuple[str, Engine, Path], browser: Any
) -> None:
    """Back on Annotate from another page, the server sends the panel the article's signature,
    not the article (it sent it earlier in this session): the panel draws from the copy it kept,
    or asks for the article when it has none; either way it is drawn and labels on."""
    base, engine, _ = app
    fay = _annotator(engine, base, browser, "fay")
    fay.keys("N")
    fay.wait_saved()
    nav = fay.page.locator('[data-testid="stSidebarNavLink"]')
    fay.act(lambda: nav.filter(has_text="My progress").click())
    fay.act(lambda: nav.filter(has_text="Annotate").click())
    assert fay.caption().startswith("Sentence 2 of 17")
    fay.focus_page()
    fay.keys("N")
    fay.wait_saved()
    assert _mine(engine, "fay") == {0: (False, None, None), 1: (False, None, None)}


def test_a_label_sent_after_the_login_ended_shows_the_login_form_and_saves_nothing(
    app: tuple[str, Engine, Path], browser: Any
) -> None:
    """The panel reruns as a fragment, which skips the entry file's login check: the callback
    refuses the label, and the fragment then reruns the whole app, which shows the login form."""
    base, engine, _ = app
    gina = _annotator(engine, base, browser, "gina")
    gina.keys("N")
    gina.wait_saved()
    assert _mine(engine, "gina") == {0: (False, None, None)}  # control: saving works
    with Session(engine) as session:
        user = users.get_user_by_name(session=session, name="gina")
        assert user is not None and user.id is not None
        users.set_password(session=session, user_id=user.id, password="gina-pass-2")
    gina.keys("N")
    expect(gina.page.locator(".st-key-login_name input")).to_be_visible(timeout=20_000)
    assert _mine(engine, "gina") == {0: (False, None, None)}  # the second label was not saved
    gina.log_in("gina", "gina-pass-2")
    gina.caption()
    gina.wait_saved()  # it waited in the browser's outbox, and goes after the new login
    assert _mine(engine, "gina") == {0: (False, None, None), 1: (False, None, None)}
