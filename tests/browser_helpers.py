"""Real-browser testing: `annotator serve` on a free loopback port, Debian's Chromium via Playwright.

Waiting for Streamlit is the delicate part (see shared notes): we listen to the app's
websocket, decode Streamlit's own protobuf messages and wait for a finished script run
after each action, then for the page to report it is idle.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_PASSWORD = "admin-pass-for-tests"


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it with apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")


SAMPLE_LABELS = (
    Path(__file__).resolve().parents[1] / "annotator/data/sample/france24-sessions-kislyak.labels.jsonl"
)


def run_cli(db: str, workdir: Path, *args: str, stdin: str | None = None) -> str:
    """``annotator --db DB ARGS`` as a user runs it; its standard output."""
    return subprocess.run(
        [sys.executable, "-m", "annotator.cli", "--db", db, *args],
        cwd=workdir,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


REVIEWER, REVIEWER_PASSWORD = "rita", "rita-password"


def labelled_store(workdir: Path) -> str:
    """A SQLite store with the sample article, three annotators' labels and reviewer rita."""
    db = f"sqlite:///{workdir / 'annotator.db'}"
    run_cli(db, workdir, "init")
    run_cli(db, workdir, "import-labels", str(SAMPLE_LABELS))
    run_cli(
        db,
        workdir,
        "users",
        "add",
        REVIEWER,
        "--role",
        "reviewer",
        "--password-stdin",
        stdin=f"{REVIEWER_PASSWORD}\n",
    )
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_app(db_url: str, workdir: Path, *, port: int | None = None) -> Iterator[str]:
    """Run `annotator serve` as a user would; yield its base URL."""
    port = port or free_port()
    env = {**os.environ, "ANNOTATOR_ADMIN_PASSWORD": ADMIN_PASSWORD, "ANNOTATOR_DB_URL": db_url}
    log = (workdir / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / f"serve-{port}.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _parses(message: Any, payload: bytes) -> bool:
    try:
        message.ParseFromString(payload)
    except Exception:  # noqa: BLE001 - a frame that is not this message type
        return False
    return True


class StreamlitPage:
    """A Playwright page that knows when Streamlit has finished the rerun an action asked for.

    It counts the rerun requests the page sends and marks them done when a script run
    finishes (a run cut short by a newer request does not count).
    """

    def __init__(self, page: Any) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.page = page
        self.requested = 0
        self.done = 0
        self.dialogs: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        cut_short = ForwardMsg.FINISHED_EARLY_FOR_RERUN

        def on_sent(payload: bytes | str) -> None:
            message = BackMsg()
            if (
                isinstance(payload, bytes)
                and _parses(message, payload)
                and message.WhichOneof("type") == "rerun_script"
            ):
                self.requested += 1

        def on_received(payload: bytes | str) -> None:
            message = ForwardMsg()
            if (
                isinstance(payload, bytes)
                and _parses(message, payload)
                and message.WhichOneof("type") == "script_finished"
                and message.script_finished != cut_short
            ):
                self.done = self.requested

        def on_websocket(ws: Any) -> None:
            ws.on("framesent", on_sent)
            ws.on("framereceived", on_received)

        page.on("websocket", on_websocket)

    def act(self, action: Callable[[], object], *, timeout_s: float = 20) -> None:
        """Do something that triggers a rerun, and return once that rerun has been drawn."""
        before = self.requested
        action()
        self._wait(lambda: self.requested > before and self.done >= self.requested, timeout_s)

    def _wait(self, ready: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            if time.monotonic() > deadline:
                raise TimeoutError("no Streamlit rerun finished after the action")
            self.page.wait_for_timeout(10)
        self.idle()

    def idle(self) -> None:
        self.page.wait_for_selector(
            '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=20_000
        )
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def press(self, key: str) -> None:
        """A key that asks the server for something (a reviewer's accept): waits for the rerun."""
        self.act(lambda: self.page.keyboard.press(key))

    def keys(self, *keys: str, gap_ms: int = 0) -> None:
        """Keys for the labelling panel, which handles them in the browser: no wait for the
        server, ``gap_ms`` between presses (0: as fast as Playwright sends them)."""
        for key in keys:
            self.page.keyboard.press(key)
            if gap_ms:
                self.page.wait_for_timeout(gap_ms)
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def wait_saved(self, timeout_ms: int = 30_000) -> None:
        """Until the panel's outbox is empty: every label typed was acknowledged by the server."""
        self.page.locator('[data-testid="outbox"][data-waiting="0"]').wait_for(timeout=timeout_ms)
        self.idle()

    def current_index(self) -> int:
        """The 0-based index of the sentence the panel marks as current."""
        node = self.page.locator('[data-testid="reading-column"] [aria-current="true"]')
        return int(node.get_attribute("data-sentence-index") or "-1")

    def goto(self, url: str) -> None:
        self.act(lambda: self.page.goto(url), timeout_s=30)

    def reload(self) -> None:
        self.act(lambda: self.page.reload(), timeout_s=30)

    def focus_page(self) -> None:
        # Playwright deems Streamlit's <body> invisible; a heading takes the focus for key presses.
        self.page.locator("h1, h2, h3").first.click()

    def log_in(self, name: str, password: str) -> None:
        self.page.locator(".st-key-login_name input").fill(name)
        self.page.locator(".st-key-login_password input").fill(password)
        self.act(lambda: self.page.get_by_role("button", name="Log in").click())

    def open_article(self, document_id: str) -> None:
        """Open an article on the Annotate page through its dialog; return once it is shown.

        "Open article" reruns the app from inside the dialog (st.rerun), a rerun the page did
        not send itself, so the wait is for the panel to show the article.
        """
        self.act(lambda: self.page.locator('[data-key="choose_article"]').click())
        self.page.locator('[role="dialog"] [data-testid="stSelectbox"]').click()
        # Options read "Title · id": titles can repeat, ids cannot.
        self.page.get_by_role("option", name=re.compile(f" · {re.escape(document_id)}$")).click()
        self.page.get_by_role("button", name="Open article").click()
        self.page.locator(f'[data-testid="labeller"][data-document="{document_id}"]').wait_for(timeout=20_000)
        self.idle()

    def caption(self) -> str:
        """The labelling panel's position line, e.g. "Sentence 3 of 17 · labelled".

        The panel draws itself once its script has loaded, which can be a moment after the
        rerun has finished: wait (bounded) for the line to be filled in.
        """
        line = self.page.locator('[data-testid="ann-position"]')
        line.filter(has_text="Sentence").wait_for(timeout=10_000)
        return str(line.inner_text())

    def current_sentence(self) -> str:
        return str(self.page.locator('[aria-current="true"] .sent-text').inner_text())


@contextmanager
def chromium() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, **context: Any) -> StreamlitPage:
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, **context})
    return StreamlitPage(context.new_page())
