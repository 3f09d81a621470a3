"""Key press → next sentence on screen, in a real browser (Debian's Chromium via Playwright).

Timed inside the page: ``performance.now()`` in a capture-phase keydown listener (installed
before the key is pressed) to the first DOM mutation after which the position caption shows
the next sentence number (a MutationObserver). Floor, same run, rounds interleaved with ours:
a trivial Streamlit page whose button (shortcut "N") bumps a counter shown in a caption.
Target: median ≤ 150 ms.

The article is a generated one, long enough that every press lands on a sentence not
labelled yet (the sample article has only 17 sentences; N on its last one jumps to "the next
sentence that needs you", which does not show a next number). Every wait is bounded, so a
broken page fails the bench with an error instead of hanging it.

    python tests/bench/bench_browser_keypress.py [--quick]
"""

from __future__ import annotations

import random
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from _common import bench_dir, log, main, python_env, row, sample_sentences, varied  # noqa: E402

from tests.browser_helpers import (  # noqa: E402
    ADMIN_PASSWORD,
    StreamlitPage,
    chromium,
    free_port,
    served_app,
)

ARTICLE_ID = "bench-keys-long"
# Ours: the labelling panel's position line; the floor page: its caption.
CAPTION = '[data-testid="ann-position"], [data-testid="stMain"] [data-testid="stCaptionContainer"]'
TIMEOUT_MS = 15_000  # any single Playwright wait
RERUN_TIMEOUT_S = 15.0  # a key press's rerun
BUDGET_S = 150.0  # no new round starts after this much pressing

TRIVIAL = """
import streamlit as st
st.session_state.setdefault("n", 0)
def bump():
    st.session_state.n += 1
st.title("floor")
st.button("Next", shortcut="N", on_click=bump)
st.caption(f"Sentence {st.session_state.n + 1}")
"""

# Installed (synchronously: this returns at once) before each key press. The keydown
# listener is on window in the capture phase, so it runs before Streamlit's shortcut
# handling; the observer records the first mutation after which the caption reads
# "Sentence <expected>". Python then polls window.__kp with a bounded wait_for_function.
INSTALL = """
([selector, expected]) => {
  const state = {start: null, delay: null, text: null};
  window.__kp = state;
  const number = () => {
    const caption = document.querySelector(selector);
    const match = caption && /^\\s*Sentence (\\d+)/.exec(caption.textContent);
    return match ? Number(match[1]) : null;
  };
  const observer = new MutationObserver(() => {
    if (state.start !== null && state.delay === null && number() === expected) {
      state.delay = performance.now() - state.start;
      state.text = document.querySelector(selector).textContent;
      observer.disconnect();
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  window.addEventListener('keydown', () => {
    if (state.start === null) state.start = performance.now();
  }, {capture: true, once: true});
  return number();
}
"""

DONE = "() => window.__kp !== undefined && window.__kp.delay !== null"


def _number(page: StreamlitPage) -> int:
    text = page.page.locator(CAPTION).first.inner_text(timeout=TIMEOUT_MS)
    match = re.match(r"\s*Sentence (\d+)", text)
    if match is None:
        raise RuntimeError(f"the caption does not show a sentence number: {text!r}")
    return int(match.group(1))


def _press(page: StreamlitPage, key: str) -> float:
    """Press ``key`` once; ms from keydown to the caption showing the next sentence number."""
    current = _number(page)
    shown = page.page.evaluate(INSTALL, [CAPTION, current + 1])
    if shown != current:
        raise RuntimeError(f"caption moved before the press: {shown} != {current}")
    # Wait (bounded) for the rerun the press asks for to be drawn, so that presses don't overlap.
    page.act(lambda: page.page.keyboard.press(key), timeout_s=RERUN_TIMEOUT_S)
    try:
        page.page.wait_for_function(DONE, timeout=TIMEOUT_MS)
    except Exception as error:  # noqa: BLE001 - say what the page showed
        state = page.page.evaluate("() => window.__kp")
        raise RuntimeError(
            f"after {key!r} the caption did not show sentence {current + 1} "
            f"(page state {state}, caption {page.page.locator(CAPTION).first.inner_text()!r})"
        ) from error
    return float(page.page.evaluate("() => window.__kp.delay"))


def _round(page: StreamlitPage, count: int) -> list[float]:
    page.focus_page()
    return [_press(page, "N") for _ in range(count)]


def _article_file(folder: Path, sentences: int) -> Path:
    """One JSONL record of ``sentences`` realistic sentences, three to a paragraph."""
    rng = random.Random(11)
    pool = sample_sentences()
    picked = [varied(pool[i % len(pool)], rng) for i in range(sentences)]
    text = "\n".join(" ".join(picked[i : i + 3]) for i in range(0, sentences, 3))
    record = {
        "id": ARTICLE_ID,
        "title": "Key press bench: a long article",
        "text": text,
        "sources": [
            {"key": "protagonist", "label": "The protagonist"},
            {"key": "kislyak", "label": "Sergey Kislyak"},
            {"key": "washington-post", "label": "The Washington Post"},
        ],
    }
    path = folder / f"{ARTICLE_ID}.jsonl"
    path.write_bytes(orjson.dumps(record) + b"\n")
    return path


def _prepare_db(db: str, folder: Path, sentences: int) -> None:
    """The store as `annotator serve` makes it (sample + admin), plus the long article."""
    env = {**python_env(), "ANNOTATOR_ADMIN_PASSWORD": ADMIN_PASSWORD}
    for args in (["init"], ["import-articles", str(_article_file(folder, sentences))]):
        done = subprocess.run(
            [sys.executable, "-m", "annotator.cli", "--db", db, *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"annotator {args[0]} failed:\n{done.stdout}{done.stderr}")
        log(f"keys: annotator {args[0]}: {done.stdout.strip().splitlines()[-1]}")


def _serve_trivial(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    script = folder / "floor.py"
    script.write_text(TRIVIAL, encoding="utf-8")
    port = free_port()
    output = (folder / "floor.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=folder,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    output.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            raise RuntimeError("the floor page did not start:\n" + (folder / "floor.log").read_text())
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _page(browser: Any) -> StreamlitPage:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(30_000)
    return StreamlitPage(page)


def _open_article(app: StreamlitPage, base: str, needed: int) -> int:
    """Log in as admin and open the bench article from the panel; return its sentence count."""
    app.goto(base)
    app.log_in("admin", ADMIN_PASSWORD)
    if not app.caption().startswith("Sentence "):
        raise RuntimeError(f"not on the Annotate page after logging in: {app.caption()!r}")
    app.open_article(ARTICLE_ID)
    match = re.match(r"Sentence 1 of (\d+) ", app.caption())
    if match is None or int(match.group(1)) < needed:
        raise RuntimeError(f"the bench article did not open with {needed}+ sentences: {app.caption()!r}")
    return int(match.group(1))


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    presses = max(8, int(16 * scale))  # per round and page
    rounds = 3
    warmup = 1  # per page, not counted: the first rerun of a page is slower
    needed = rounds * presses + warmup + 1  # every press moves on within the article
    sentences = needed + 12  # generated; the segmenter may split some of them further
    ours: list[float] = []
    floor: list[float] = []
    with bench_dir("keys") as folder:
        db = f"sqlite:///{folder / 'annotator.db'}"
        _prepare_db(db, folder, sentences)
        trivial, trivial_url = _serve_trivial(folder)
        try:
            with served_app(db, folder) as base, chromium() as browser:
                app = _page(browser)
                sentences = _open_article(app, base, needed)
                small = _page(browser)
                small.goto(trivial_url)
                log(f"keys: warm-up ours {_round(app, warmup)}, floor {_round(small, warmup)}")
                started = time.monotonic()
                for number in range(rounds):
                    if number and time.monotonic() - started > BUDGET_S:
                        log(f"keys: stopped after {number} rounds ({BUDGET_S:.0f} s budget)")
                        break
                    # Interleaved, alternating which page goes first.
                    if number % 2 == 0:
                        ours += _round(app, presses)
                        floor += _round(small, presses)
                    else:
                        floor += _round(small, presses)
                        ours += _round(app, presses)
                    log(
                        f"keys: round {number + 1}/{rounds}: {len(ours)} + {len(floor)} presses, "
                        f"{time.monotonic() - started:.0f} s"
                    )
        finally:
            _stop(trivial)
    ours_ms, floor_ms = statistics.median(ours), statistics.median(floor)
    log(f"keys: ours in press order {[round(x) for x in ours]}; floor {[round(x) for x in floor]}")
    return [
        row(
            "key press → next sentence on screen (real browser)",
            ours_ms,
            "ms",
            floor=floor_ms,
            ratio=ours_ms / floor_ms,
            target="median ≤ 150 ms",
            ok=ours_ms <= 150,
            note=f"median of {len(ours)} presses of N (not a claim: saves and moves on) on a "
            f"{sentences}-sentence article, timed in the page from keydown (capture listener) "
            f"to the first DOM mutation showing the next sentence number; floor: a one-button "
            f"Streamlit page (shortcut N bumps a caption counter), {len(floor)} presses "
            f"in interleaved rounds, same run",
        )
    ]


if __name__ == "__main__":
    main(run)
