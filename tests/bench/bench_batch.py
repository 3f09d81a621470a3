"""A batch of labels against one label: the real `annotator serve`'s CPU per exchange.

One headless annotator (tests/bench/wsload.py: Streamlit's own websocket protocol, as the
browser speaks it) sends exchanges of the labelling panel, alternating one label and ten
labels, each to sentences not labelled yet. The server process's CPU time (``/proc/PID/stat``)
is read before and after each exchange; the mean per kind over all its exchanges (the clock
ticks of /proc are 10 ms, longer than one exchange). Target: a batch of 10 costs at
most 3× one label (the floor of the ratio: one label).

    python tests/bench/bench_batch.py [--quick]
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import wsload  # noqa: E402
from _common import bench_dir, log, main, row  # noqa: E402


def _labels(panel: dict[str, Any], first: int, count: int, rng: random.Random) -> list[dict[str, Any]]:
    sentences = panel["article"]["sentences"]
    out = []
    for index in range(first, first + count):
        sentence_id, _, revision, _ = sentences[index]
        source = rng.choice(wsload.SOURCE_KEYS)
        value = {
            "is_claim": True,
            "source": source,
            "source_other": None,
            "confidence": 4,
            "note": "",
            "flagged": False,
        }
        out.append(
            {
                "client_id": uuid.uuid4().hex,
                "sentence_id": sentence_id,
                "revision": revision,
                "value": value,
                "action": "save",
            }
        )
    return out


async def _measure(
    server: wsload.Server, who: dict[str, Any], rounds: int, *, start: int
) -> dict[int, list[float]]:
    import websockets

    costs: dict[int, list[float]] = {1: [], 10: []}
    rng = random.Random(3)
    async with websockets.connect(
        server.stream_url, subprotocols=["streamlit"], max_size=None, ping_interval=None
    ) as ws:
        connection = wsload._Connection(ws, f"s={who['token']}")
        panel, _ = await connection.rerun(None)
        assert panel is not None, "no labelling panel after logging in"
        cursor = start
        for seq, number in enumerate(range(rounds * 2), start=1):
            size = 1 if number % 2 == 0 else 10
            labels = _labels(panel, cursor, size, rng)
            before = wsload.cpu_seconds(server.pid)
            drawn, _ = await connection.rerun({"seq": seq, "labels": labels, "request": None})
            after = wsload.cpu_seconds(server.pid)
            assert drawn is not None and wsload.acknowledges({"labels": labels}, drawn), "not acknowledged"
            assert wsload.keeps_article(panel, drawn), "the article changed but was not sent whole"
            costs[size].append(after - before)
            cursor += size
            panel = drawn
    return costs


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    rounds = 10 if scale < 1.0 else 40
    warm_up = 2
    with bench_dir("batch") as folder:
        db = f"sqlite:///{folder / 'annotator.db'}"
        [who] = wsload.prepare_store(db, annotators=1, sentences=(rounds + warm_up) * 11 + 10)
        with wsload.running_server(db, folder) as server:
            # The first runs compile the page and fill caches; every measured label is a new one.
            asyncio.run(_measure(server, who, warm_up, start=0))
            costs = asyncio.run(_measure(server, who, rounds, start=warm_up * 11))
    # /proc counts CPU in clock ticks (10 ms): one exchange is a tick or two, so the figure is
    # the total over all exchanges of a kind divided by their number, not a median of ticks.
    one, ten = statistics.fmean(costs[1]) * 1000, statistics.fmean(costs[10]) * 1000
    log(f"batch: one label {one:.2f} ms, ten labels {ten:.2f} ms per exchange")
    return [
        row(
            "server CPU for an exchange of 10 labels vs 1 label",
            ten,
            "ms",
            floor=one,
            ratio=ten / one,
            target="≤ 3× one label",
            ok=ten <= 3 * one,
            note=f"mean over {rounds} exchanges each, interleaved, on a real `annotator serve` "
            f"(SQLite) under Streamlit's websocket protocol; CPU of the server process from /proc",
        )
    ]


if __name__ == "__main__":
    main(run)
