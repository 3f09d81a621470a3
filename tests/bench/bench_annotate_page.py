"""The annotate page's server-side rerun must not grow with the database.

Measured with Streamlit's AppTest (the real app file, a logged-in annotator, a database of
1k and of 100k labels) against a trivial one-button page in the same run, both with the
Streamlit options ``annotator serve`` uses (``annotator/ui/options.py``):

* 100k labels: ≤ 2× the trivial page's rerun;
* 100k labels: ≤ 1.3× the same page on 1k labels.

    python tests/bench/bench_annotate_page.py [--quick]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_dir, build_label_db, log, main, row  # noqa: E402

APP = Path(__file__).resolve().parents[2] / "annotator" / "ui" / "app.py"
TRIVIAL = "import streamlit as st\nst.button('Save')\n"


def _login_token(user_id: int) -> str:
    """A login of the user, as the login form opens one: every run checks it."""
    from sqlmodel import Session

    from annotator.store import users
    from annotator.store.engine import make_engine

    engine = make_engine(os.environ["ANNOTATOR_DB_URL"])
    try:
        with Session(engine) as session:
            return users.open_login_session(session=session, user_id=user_id)
    finally:
        engine.dispose()


def _rerun_ms(script: Path, user_id: int | None, runs: int) -> list[float]:
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    from annotator.ui.options import APP_OPTIONS

    # The options `annotator serve` runs with, for both pages alike.
    for name, value in APP_OPTIONS.items():
        config.set_option(name, value)
    at = AppTest.from_file(str(script), default_timeout=60)
    if user_id is not None:
        at.session_state["login_token"] = _login_token(user_id)
    at.run()
    assert not at.exception, at.exception
    for _ in range(3):  # warm caches and imports
        at.run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _page_ms(db: Path, user_id: int, runs: int) -> list[float]:
    from annotator.ui import common

    os.environ["ANNOTATOR_DB_URL"] = f"sqlite:///{db}"
    common.engine.clear()
    return _rerun_ms(APP, user_id, runs)


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    rounds = 12
    runs = max(5, int(10 * scale))  # per round: short rounds, so that drift hits all three alike
    big_sentences = max(2_000, int(20_000 * scale))
    with bench_dir("page") as folder:
        trivial = folder / "trivial.py"
        trivial.write_text(TRIVIAL, encoding="utf-8")
        small = build_label_db(folder / "small.db", sentences=200, annotators=5)
        big = build_label_db(folder / "big.db", sentences=big_sentences, annotators=5)
        log(f"page: {small.labels:,} and {big.labels:,} labels; {rounds} rounds of {runs} reruns each")
        # Alternate the three, so that machine noise hits all of them alike.
        samples: dict[str, list[float]] = {"trivial": [], "small": [], "big": []}
        for _ in range(rounds):
            samples["trivial"] += _rerun_ms(trivial, None, runs)
            samples["small"] += _page_ms(small.path, small.user_ids[0], runs)
            samples["big"] += _page_ms(big.path, big.user_ids[0], runs)
    trivial_ms, small_ms, big_ms = (statistics.median(samples[k]) for k in ("trivial", "small", "big"))
    return [
        row(
            f"annotate page rerun, {big.labels:,} labels (AppTest)",
            big_ms,
            "ms",
            floor=trivial_ms,
            ratio=big_ms / trivial_ms,
            target="≤ 2× a one-button page",
            ok=big_ms / trivial_ms <= 2.0,
            note=f"median of {len(samples['big'])} reruns; floor: a trivial one-button page, same run",
        ),
        row(
            f"annotate page rerun, {big.labels:,} vs {small.labels:,} labels",
            big_ms,
            "ms",
            floor=small_ms,
            ratio=big_ms / small_ms,
            target="≤ 1.3×",
            ok=big_ms / small_ms <= 1.3,
            note="queries read one article and one annotator; they must not grow with the database",
        ),
    ]


if __name__ == "__main__":
    main(run)
