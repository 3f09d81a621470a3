"""Capacity: how many annotators at human pace one real `annotator serve` holds (issue 15).

Headless annotators (tests/bench/wsload.py: Streamlit's websocket protocol, no browser) log in
with a login token and label one sentence every 2 s (× 0.5–1.5 jitter), on a fresh store and a
fresh server per N = 5, 10, 20, 40, 80, 120, 200 (stopping once saturated). For each N: the
server process's CPU per saved label (``/proc/PID/stat``), ack latency p50/p95/p99, RSS, errors
and labels right/total (every acknowledged label checked in the database).

Measured side by side in one run:

* SQLite, the app as ``serve`` ran it before (APP_OPTIONS only: the floor column) and with the
  production options (``annotator serve`` today);
* PostgreSQL the same (with ``ANNOTATOR_TEST_PG_URL``; a fresh schema per N);
* behind nginx (deploy/nginx-annotator.conf, with ``ANNOTATOR_TEST_PG_URL`` and nginx):
  ``serve --processes 1`` vs ``--processes 2``, the largest N each holds;
* a browser check at small N: Chromium contexts press N on the same server while the headless
  annotators label, timed in the page from keydown to the next sentence number on screen,
  against the generator's ack latency.

``--quick`` (scale 0.1): N = 5, 10, 20 with 8 s windows. By hand, one sweep:
``python tests/bench/wsload.py --annotators 5,10,20``.
"""

from __future__ import annotations

import os
import re
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import _common as c
import wsload as w

COUNTS = [5, 10, 20, 40, 80, 120, 200]
PACE_S = 2.0
CPU_TARGET_MS = 5.0
HOLD_TARGET = 200
SESSION_MIB_TARGET = 1.0
BROWSERS = 2
BROWSER_PRESSES = 12


def _sweep_rows(label: str, before: list[w.LoadFigures], after: list[w.LoadFigures]) -> list[dict[str, Any]]:
    rows = []
    held_before, held_after = w.largest_holding(before), w.largest_holding(after)
    rows.append(
        c.row(
            f"{label}: server CPU per saved label, N={after[0].annotators}",
            after[0].cpu_ms_per_label,
            "ms",
            floor=before[0].cpu_ms_per_label,
            ratio=after[0].cpu_ms_per_label / before[0].cpu_ms_per_label,
            target=f"≤ {CPU_TARGET_MS:g} ms",
            ok=after[0].cpu_ms_per_label <= CPU_TARGET_MS,
            note="floor column: the same load on the app without the production options (before)",
        )
    )
    rows.append(
        c.row(
            f"{label}: largest N with ack p99 ≤ 300 ms, one label per {PACE_S:g} s each",
            held_after,
            "annotators",
            floor=held_before,
            ratio=held_after / held_before if held_before else None,
            target=f"≥ {HOLD_TARGET}",
            ok=held_after >= HOLD_TARGET,
            note=f"tried N = {', '.join(str(f.annotators) for f in after)} (before: "
            f"{', '.join(str(f.annotators) for f in before)}); 0 lost or misplaced labels required",
        )
    )
    biggest = max((f for f in after if not f.errors), key=lambda f: f.annotators, default=after[0])
    rows.append(
        c.row(
            f"{label}: server memory per logged-in session (N={biggest.annotators})",
            biggest.mib_per_session,
            "MiB",
            target=f"≤ {SESSION_MIB_TARGET:g} MiB",
            ok=biggest.mib_per_session <= SESSION_MIB_TARGET,
            note=f"RSS before log-in {biggest.rss_before_mib:.0f} MiB, all logged in "
            f"{biggest.rss_logged_in_mib:.0f} MiB, after labelling {biggest.rss_after_mib:.0f} MiB",
        )
    )
    for name, figures in (("before", before), ("after", after)):
        for f in figures:
            rows.append(_figure_row(f"{label} {name}: N={f.annotators} ack p99", f))
    return rows


def _figure_row(name: str, f: w.LoadFigures) -> dict[str, Any]:
    return c.row(
        name,
        f.p99_ms,
        "ms",
        note=f"p50 {f.p50_ms:.0f} ms, p95 {f.p95_ms:.0f} ms; {f.labels} labels in the window; server CPU "
        f"{f.cpu_ms_per_label:.1f} ms/label; RSS {f.rss_before_mib:.0f}→{f.rss_after_mib:.0f} MiB; "
        f"errors {f.errors}; right {f.right}/{f.total}, misplaced {f.unexpected}; "
        f"generator CPU {f.client_cpu_ms_per_label:.1f} ms/label; load {f.load_average:.1f}",
    )


def _proxy_rows(counts: list[int], seconds: float, pg_url: str, workdir: Path) -> list[dict[str, Any]]:
    sweeps = {
        k: w.sweep(
            counts, base_url=pg_url, deploy=w.behind_proxy(k), pace_s=PACE_S, seconds=seconds, workdir=workdir
        )
        for k in (1, 2)
    }
    one, two = (w.largest_holding(sweeps[k]) for k in (1, 2))
    rows = [
        w.scale_out_row(
            "postgresql behind nginx: largest N held, serve --processes 2 vs 1",
            two=two,
            one=one,
            note=f"{os.cpu_count()} CPUs shared with the load generator and nginx; granularity: N = "
            + ", ".join(map(str, counts)),
        )
    ]
    # The p99 criterion is sensitive to the other work on a shared machine; at the largest N
    # both tried, the two latencies side by side say the same thing less noisily.
    both = max(set(f.annotators for f in sweeps[1]) & set(f.annotators for f in sweeps[2]))
    at_one, at_two = (next(f for f in sweeps[k] if f.annotators == both) for k in (1, 2))
    rows.append(
        c.row(
            f"postgresql behind nginx: ack p99 at N={both}, serve --processes 2 vs 1",
            at_two.p99_ms,
            "ms",
            floor=at_one.p99_ms,
            ratio=at_two.p99_ms / at_one.p99_ms,
            note=f"p50 {at_two.p50_ms:.0f} vs {at_one.p50_ms:.0f} ms, p95 {at_two.p95_ms:.0f} vs "
            f"{at_one.p95_ms:.0f} ms; load {at_two.load_average:.1f} vs {at_one.load_average:.1f}",
        )
    )
    for k, figures in sweeps.items():
        rows += [_figure_row(f"nginx + {k} process(es): N={f.annotators} ack p99", f) for f in figures]
    return rows


# Installed before each key press: keydown (capture phase, before the panel's own listener)
# to the first DOM mutation after which the position line shows the next sentence number.
_TIMER = """
([selector, expected]) => {
  const state = {start: null, delay: null};
  window.__capacityPress = state;
  const number = () => {
    const line = document.querySelector(selector);
    const match = line && /Sentence (\\d+)/.exec(line.textContent);
    return match ? Number(match[1]) : null;
  };
  const observer = new MutationObserver(() => {
    if (state.start !== null && state.delay === null && number() === expected) {
      state.delay = performance.now() - state.start;
      observer.disconnect();
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  window.addEventListener('keydown', () => { if (state.start === null) state.start = performance.now(); },
                          {capture: true, once: true});
  return number();
}
"""
_POSITION = '[data-testid="ann-position"]'


def _browser_presses(base: str, tokens: list[str], stop_at: float) -> list[float]:
    """Browsers press N at the generator's pace until ``stop_at``; ms from keydown to the next
    sentence on screen, per press."""
    import random

    from tests.browser_helpers import chromium, new_page

    delays: list[float] = []
    rng = random.Random(7)
    with chromium() as browser:
        pages = [new_page(browser) for _ in tokens]
        for page, token in zip(pages, tokens, strict=True):
            page.goto(f"{base}/?s={token}")
            page.caption()
            page.focus_page()
        for i in range(BROWSER_PRESSES * len(pages)):
            if time.time() > stop_at:
                break
            page = pages[i % len(pages)]
            time.sleep(PACE_S * rng.uniform(0.5, 1.5) / len(pages))
            current = int(re.search(r"Sentence (\d+)", page.caption()).group(1))  # type: ignore[union-attr]
            page.page.evaluate(_TIMER, [_POSITION, current + 1])
            page.page.keyboard.press("N")
            page.page.wait_for_function("() => window.__capacityPress.delay !== null", timeout=30_000)
            delays.append(float(page.page.evaluate("() => window.__capacityPress.delay")))
    return delays


def _browser_rows(workdir: Path, seconds: float) -> list[dict[str, Any]]:
    generators = 5
    with w.fresh_store(None, workdir) as db_url:
        people = w.prepare_store(db_url, annotators=generators + BROWSERS, sentences=400)
        headless, in_browser = people[:generators], people[generators:]
        with w.running_server(db_url, workdir) as server:
            figures: list[w.LoadFigures] = []
            window = max(seconds, PACE_S * BROWSER_PRESSES + 10)
            load = threading.Thread(
                target=lambda: figures.append(
                    w.measure(
                        [server.stream_url],
                        [server.pid],
                        headless,
                        db_url=db_url,
                        pace_s=PACE_S,
                        seconds=window,
                        ramp_s=1.0,
                    )
                )
            )
            load.start()
            stop_at = time.time() + 1.0 + 1.0 + 2.0 + window
            try:
                delays = _browser_presses(
                    f"http://127.0.0.1:{server.port}", [p["token"] for p in in_browser], stop_at
                )
            finally:
                load.join()
    generator = figures[0]
    browser_median = statistics.median(delays)
    spread = f"median of {len(delays)} presses, max {max(delays):.0f} ms"
    return [
        c.row(
            f"browser check: key press → next sentence, {BROWSERS} browsers + {generators} headless",
            browser_median,
            "ms",
            floor=generator.p50_ms,
            ratio=browser_median / generator.p50_ms,
            note="floor column: the headless annotators' ack p50 on the same server at the same time "
            f"(their p99 {generator.p99_ms:.0f} ms); browser: {spread}. The difference "
            f"({browser_median - generator.p50_ms:.0f} ms) is the browser's own work (the key, drawing "
            "the panel); the server's part is what the generator measures",
        )
    ]


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    counts = COUNTS if scale >= 1 else [n for n in COUNTS if n <= 20]
    seconds = max(8.0, 30.0 * scale)
    pg_url = os.environ.get("ANNOTATOR_TEST_PG_URL")
    rows: list[dict[str, Any]] = []
    with c.bench_dir("capacity") as workdir:
        backends = [("sqlite", None)] + ([("postgresql", pg_url)] if pg_url else [])
        for label, base_url in backends:
            figures = {
                defaults: w.sweep(
                    counts,
                    base_url=base_url,
                    deploy=w.one_server(defaults=defaults),
                    pace_s=PACE_S,
                    seconds=seconds,
                    workdir=workdir,
                )
                for defaults in (True, False)
            }
            rows += _sweep_rows(label, figures[True], figures[False])
        if pg_url and Path("/usr/sbin/nginx").exists():
            rows += _proxy_rows(counts, seconds, pg_url, workdir)
        if Path("/usr/bin/chromium").exists():
            rows += _browser_rows(workdir, seconds)
    return rows


if __name__ == "__main__":
    c.main(run)
