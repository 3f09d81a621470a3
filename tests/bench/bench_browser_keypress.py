"""The labelling panel in a real browser (Debian's Chromium via Playwright) against a real
`annotator serve`.

1. Key press → next sentence on screen, on a 70- and a 400-sentence article: timed inside
   the page from keydown (a capture listener on window, installed before the press) to the
   mutation that moves ``aria-current`` onto the next sentence (a MutationObserver). The
   presses are N (not a claim: saves and moves on), 60 ms apart, so the server is answering
   earlier labels meanwhile. Floor, same browser, same run: a bare page whose keydown
   handler moves ``aria-current`` between two spans (the least any page can do).
   Target: median ≤ 16.7 ms (one frame at 60 Hz).
2. 20 keys a second for 60 s (``--quick``: 15 s): a source digit and a confidence digit per
   sentence, chosen at random. Afterwards every stored label is compared with what its keys
   meant (dropped: a sentence with no label; misplaced: a label that differs), and the
   server's acknowledgement time is read in the page: keydown of the confidence digit to the
   sentence's state turning "saved". Targets: 0 dropped, 0 misplaced, ack p99 ≤ 300 ms.

    python tests/bench/bench_browser_keypress.py [--quick]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from _common import bench_dir, log, main, percentile, row, sample_sentences, varied  # noqa: E402

from tests.browser_helpers import ADMIN_PASSWORD, StreamlitPage, chromium, served_app  # noqa: E402

SOURCES = ("protagonist", "kislyak", "washington-post")
KEYS_PER_SECOND = 20
TIMEOUT_MS = 15_000

# Before each press: the time of the next keydown, and of the first mutation after it that
# puts aria-current on sentence ``expected``.
INSTALL = """
(expected) => {
  const state = {start: null, delay: null};
  window.__kp = state;
  const observer = new MutationObserver(() => {
    const node = document.querySelector('[aria-current="true"]');
    if (state.start !== null && node && node.dataset.sentenceIndex === String(expected)) {
      state.delay = performance.now() - state.start;
      observer.disconnect();
    }
  });
  observer.observe(document.body, {subtree: true, attributes: true, attributeFilter: ['aria-current']});
  window.addEventListener('keydown', () => { if (state.start === null) state.start = performance.now(); },
                          {capture: true, once: true});
}
"""
DONE = "() => window.__kp.delay !== null"
FLOOR_PAGE = """
<p><span id="a" aria-current="true" data-sentence-index="0">One.</span>
<span id="b" data-sentence-index="1">Two.</span></p>
<script>
let current = 0;
document.addEventListener('keydown', () => {
  const spans = document.querySelectorAll('[data-sentence-index]');
  spans[current].removeAttribute('aria-current');
  current = 1 - current;
  spans[current].setAttribute('aria-current', 'true');
});
</script>
"""

# Acknowledgement times: keydown of a confidence digit → that sentence's state "saved".
TRACK_ACKS = """
() => {
  window.__acks = [];
  window.__typed = new Map();
  window.addEventListener('keydown', (event) => {
    const node = document.querySelector('[aria-current="true"]');
    if (/^[1-5]$/.test(event.key) && node && window.__confidenceNext) {
      window.__typed.set(node.dataset.sentenceIndex, performance.now());
    }
    window.__confidenceNext = !window.__confidenceNext;
  }, {capture: true});
  new MutationObserver((records) => {
    for (const record of records) {
      const node = record.target;
      const typed = window.__typed.get(node.dataset.sentenceIndex);
      if (typed !== undefined && node.dataset.state === 'saved') {
        window.__acks.push(performance.now() - typed);
        window.__typed.delete(node.dataset.sentenceIndex);
      }
    }
  }).observe(document.querySelector('[data-testid="reading-column"]'),
             {subtree: true, attributes: true, attributeFilter: ['data-state']});
}
"""


def _add_article(engine: Any, article_id: str, sentences: int) -> None:
    from sqlmodel import Session

    from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec
    from annotator.store import documents

    rng = random.Random(sentences)
    pool = sample_sentences()
    text, spans = "", []
    for i in range(sentences):
        sentence = varied(pool[i % len(pool)], rng)
        spans.append(SentenceSpan(len(text), len(text) + len(sentence), i // 3))
        text += sentence + ("\n\n" if i % 3 == 2 else " ")
    draft = ArticleDraft(
        id=article_id,
        title=f"Bench: {sentences} sentences",
        text=text,
        sentences=tuple(spans),
        sources=tuple(SourceSpec(key, key.replace("-", " ").title()) for key in SOURCES),
    )
    with Session(engine) as session:
        documents.add_articles(session=session, drafts=[draft])


def _page(browser: Any) -> StreamlitPage:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return StreamlitPage(page)


def _press_timed(page: Any, key: str, expected: int) -> float:
    page.evaluate(INSTALL, expected)
    page.keyboard.press(key)
    page.wait_for_function(DONE, timeout=TIMEOUT_MS)
    return float(page.evaluate("() => window.__kp.delay"))


def _key_press_delays(app: StreamlitPage, article_id: str, presses: int) -> list[float]:
    app.open_article(article_id)
    app.focus_page()
    delays = []
    for _ in range(presses):
        expected = app.current_index() + 1
        delays.append(_press_timed(app.page, "N", expected))
        app.page.wait_for_timeout(60)
    app.wait_saved()
    return delays


def _floor_delays(browser: Any, presses: int) -> list[float]:
    page = browser.new_context().new_page()
    page.set_content(FLOOR_PAGE)
    page.locator("#a").click()
    delays = []
    for number in range(presses):
        delays.append(_press_timed(page, "N", (number + 1) % 2))
        page.wait_for_timeout(60)
    return delays


def _sustained(
    app: StreamlitPage, article_id: str, seconds: float
) -> tuple[dict[int, tuple[str, int]], list[float]]:
    """Type at KEYS_PER_SECOND for ``seconds``; what each sentence's keys meant, and ack times."""
    app.open_article(article_id)
    app.focus_page()
    app.page.evaluate(TRACK_ACKS)
    rng = random.Random(20)
    meant: dict[int, tuple[str, int]] = {}
    gap = 1.0 / KEYS_PER_SECOND
    started = time.monotonic()
    index = app.current_index()
    next_at = started
    while time.monotonic() - started < seconds:
        source, confidence = rng.randrange(len(SOURCES)), rng.randint(1, 5)
        for key in (str(source + 1), str(confidence)):
            next_at += gap
            app.page.keyboard.press(key)
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        meant[index] = (SOURCES[source], confidence)
        index += 1
    app.wait_saved(timeout_ms=60_000)
    return meant, list(app.page.evaluate("() => window.__acks"))


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    from sqlmodel import Session

    from annotator.store import labels, users
    from annotator.store.engine import create_tables, make_engine

    quick = scale < 1.0
    presses = 15 if quick else 40
    seconds = 15.0 if quick else 60.0
    long_sentences = int(seconds * KEYS_PER_SECOND / 2) + 40
    rows = []
    with bench_dir("keys") as folder:
        db = f"sqlite:///{folder / 'annotator.db'}"
        engine = make_engine(db)
        create_tables(engine)
        for sentences in (70, 400, long_sentences):
            _add_article(engine, f"bench-{sentences}", sentences)
        with served_app(db, folder) as base, chromium() as browser:
            app = _page(browser)
            app.goto(base)
            app.log_in("admin", ADMIN_PASSWORD)
            floor = _floor_delays(browser, presses)
            floor_ms = statistics.median(floor)
            log(f"keys: floor {[round(x, 1) for x in floor]}")
            for sentences in (70, 400):
                delays = _key_press_delays(app, f"bench-{sentences}", presses)
                ours = statistics.median(delays)
                log(f"keys: {sentences} sentences {[round(x, 1) for x in delays]}")
                rows.append(
                    row(
                        f"key press → next sentence on screen, {sentences}-sentence article (Chromium)",
                        ours,
                        "ms",
                        floor=floor_ms,
                        ratio=ours / floor_ms,
                        target="median ≤ 16.7 ms",
                        ok=ours <= 16.7,
                        note=f"median of {presses} presses of N 60 ms apart, keydown → aria-current on the "
                        f"next sentence, timed in the page; floor: a bare page moving aria-current on "
                        f"keydown, same browser",
                    )
                )
            meant, acks = _sustained(app, f"bench-{long_sentences}", seconds)
        with Session(engine) as session:
            admin = users.get_user_by_name(session=session, name="admin")
            assert admin is not None and admin.id is not None
            stored = labels.labels_by_index(
                session=session, document_id=f"bench-{long_sentences}", user_id=admin.id
            )
        engine.dispose()
    dropped = sum(1 for index in meant if index not in stored)
    misplaced = sum(
        1
        for index, label in stored.items()
        if index not in meant or (label.is_claim, label.source, label.confidence) != (True, *meant[index])
    )
    p50, p99 = statistics.median(acks), percentile(acks, 99)
    log(
        f"keys: sustained {len(meant)} labels, {len(acks)} acks timed, "
        f"dropped {dropped}, misplaced {misplaced}"
    )
    rows += [
        row(
            f"{KEYS_PER_SECOND} keys/s for {seconds:.0f} s: dropped + misplaced labels",
            dropped + misplaced,
            "labels",
            target="0",
            ok=dropped + misplaced == 0,
            note=f"{len(meant)} labels typed (source digit + confidence digit), {dropped} dropped, "
            f"{misplaced} misplaced, checked against the database",
        ),
        row(
            "server acknowledgement of a typed label, p99",
            p99,
            "ms",
            target="p99 ≤ 300 ms",
            ok=p99 <= 300,
            note=f"keydown of the confidence digit → the sentence shown as saved, in the page; "
            f"p50 {p50:.0f} ms over {len(acks)} labels at {KEYS_PER_SECOND} keys/s",
        ),
    ]
    return rows


if __name__ == "__main__":
    main(run)
