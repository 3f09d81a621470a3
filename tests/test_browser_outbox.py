"""The labelling panel's promises in a real browser: every key lands on the sentence it was
typed for at expert speed, the outbox survives a server restart, and a label typed against a
sentence an admin has since merged is refused visibly, never saved elsewhere."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
from annotator.store import documents, labels, resegment, users
from annotator.store.engine import create_tables, make_engine
from annotator.store.models import LabelHistory, Role, UserCreate
from tests.browser_helpers import StreamlitPage, chromium, free_port, new_page, served_app

pytestmark = pytest.mark.browser

ARTICLE = "long-article"
SOURCES = ("mayor", "police", "union")  # keys 1, 2, 3 on the panel
SENTENCES = 45

Expected = tuple[bool, str | None, int | None]


def add_long_article(engine: Engine) -> None:
    parts = [f"Sentence number {i} says something about the harbour." for i in range(SENTENCES)]
    text, spans, at = "", [], 0
    for i, part in enumerate(parts):
        spans.append(SentenceSpan(at, at + len(part), i // 5))
        text += part + ("\n\n" if i % 5 == 4 else " ")
        at = len(text)
    draft = ArticleDraft(
        id=ARTICLE,
        title="A long article",
        text=text,
        sentences=tuple(spans),
        sources=tuple(SourceSpec(key, key.title()) for key in SOURCES),
    )
    with Session(engine) as session:
        documents.add_articles(session=session, drafts=[draft])


def key_sequence(count: int, seed: int) -> tuple[list[str], dict[int, Expected]]:
    """Keys for ``count`` labels, one after the other, and what each sentence must end up with."""
    rng = random.Random(seed)
    keys: list[str] = []
    expected: dict[int, Expected] = {}
    for index in range(count):
        kind = rng.choice(["source", "source", "not", "author", "same"])
        confidence = rng.randint(1, 5)
        previous = expected.get(index - 1)
        if kind == "same" and previous is not None and previous[0]:
            keys += ["S", str(confidence)]
            expected[index] = (True, previous[1], confidence)
        elif kind == "not":
            keys += ["N"]
            expected[index] = (False, None, None)
        elif kind == "author":
            keys += ["A", str(confidence)]
            expected[index] = (True, "author", confidence)
        else:
            number = rng.randint(1, len(SOURCES))
            keys += [str(number), str(confidence)]
            expected[index] = (True, SOURCES[number - 1], confidence)
    return keys, expected


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine, Path]]:
    workdir = tmp_path_factory.mktemp("outbox")
    db_url = f"sqlite:///{workdir / 'annotator.db'}"
    engine = make_engine(db_url)
    create_tables(engine)
    add_long_article(engine)
    yield db_url, engine, workdir
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def _annotator(engine: Engine, name: str) -> int:
    with Session(engine) as session:
        user = users.create_user(
            session=session, user_in=UserCreate(name=name, role=Role.annotator, password=f"{name}-pass-1")
        )
        assert user.id is not None
        return user.id


def _logged_in(browser: Any, base: str, name: str) -> StreamlitPage:
    page = new_page(browser)
    page.goto(base)
    page.log_in(name, f"{name}-pass-1")
    page.open_article(ARTICLE)
    page.focus_page()
    return page


def _stored(engine: Engine, user_id: int) -> dict[int, Expected]:
    with Session(engine) as session:
        mine = labels.labels_by_index(session=session, document_id=ARTICLE, user_id=user_id)
        return {i: (lab.is_claim, lab.source, lab.confidence) for i, lab in mine.items()}


def _history_rows(engine: Engine, user_id: int) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(LabelHistory).where(LabelHistory.user_id == user_id)
        ).one()


@pytest.mark.parametrize("gap_ms", [0, 30])
def test_forty_labels_typed_at_expert_speed_each_land_on_their_sentence(
    store: tuple[str, Engine, Path], browser: Any, gap_ms: int
) -> None:
    db_url, engine, workdir = store
    name = f"fast{gap_ms}"
    user_id = _annotator(engine, name)
    keys, expected = key_sequence(40, seed=gap_ms + 7)
    with served_app(db_url, workdir) as base:
        page = _logged_in(browser, base, name)
        assert page.current_index() == 0
        page.keys(*keys, gap_ms=gap_ms)
        assert page.current_index() == 40  # every label moved on, none was dropped
        page.wait_saved()
    assert _stored(engine, user_id) == expected
    assert _history_rows(engine, user_id) == 40


def test_labels_typed_while_the_server_is_down_arrive_once_after_a_restart_and_reload(
    store: tuple[str, Engine, Path], browser: Any
) -> None:
    db_url, engine, workdir = store
    user_id = _annotator(engine, "patient")
    port = free_port()
    with served_app(db_url, workdir, port=port) as base:
        page = _logged_in(browser, base, "patient")
        page.keys("1", "5")
        page.wait_saved()
    # The server is gone: these go to the outbox, which the browser keeps.
    page.keys("2", "4", "N", "A", "3", "3", "3")
    outbox = page.page.locator('[data-testid="outbox"]')
    expect(outbox).to_have_attribute("data-waiting", "4")
    expect(outbox).to_contain_text("not acknowledged yet", timeout=10_000)
    with served_app(db_url, workdir, port=port):
        page.reload()
        page.wait_saved()
    assert _stored(engine, user_id) == {
        0: (True, "mayor", 5),
        1: (True, "police", 4),
        2: (False, None, None),
        3: (True, "author", 3),
        4: (True, "union", 3),
    }
    assert _history_rows(engine, user_id) == 5  # each label once, however often it was sent


def test_a_label_for_a_sentence_merged_meanwhile_is_refused_visibly(
    store: tuple[str, Engine, Path], browser: Any
) -> None:
    db_url, engine, workdir = store
    user_id = _annotator(engine, "late")
    with served_app(db_url, workdir) as base:
        page = _logged_in(browser, base, "late")
        page.keys("G", "4", "1", "Enter")  # sentence 41 (index 40)
        assert page.current_index() == 40
        with Session(engine) as session:  # an admin joins sentences 41 and 42 meanwhile
            resegment.merge_with_next(session=session, document_id=ARTICLE, index=40)
        page.keys("1", "5")
        refused = page.page.locator('[data-testid="refused"] li')
        expect(refused).to_contain_text("Sentence 41 was not saved")
        expect(refused).to_contain_text("merged or split this sentence after you read it")
        assert page.page.locator('[data-sentence-index="40"]').get_attribute("data-state") == "refused"
        assert _stored(engine, user_id) == {}
        # The way to fix it: go there, read the merged sentence, label it again.
        page.page.get_by_role("button", name="Go there and label it again").click()
        assert page.current_index() == 40
        page.keys("2", "4")
        page.wait_saved()
        expect(refused).to_have_count(0)
    assert _stored(engine, user_id) == {40: (True, "police", 4)}
