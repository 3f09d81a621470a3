"""Server CPU per label of a real `annotator serve`: by the save route, as the panel's value, and floors.

One headless annotator (tests/bench/wsload.py: Streamlit's own websocket protocol, as the
browser speaks it, and plain HTTP) labels sentences not labelled yet, in rounds of: one label
posted to the save route (annotator/ui/save_route.py: how the panel sends labels), a request to
the same server that does no work (``GET /_stcore/health``: the floor of any request there), one
label and ten labels sent as the panel's component value (a rerun of the panel: how it sends
labels together with a request, and how it did before the route), and a component event to a
minimal Streamlit app (tests/bench/floor_app.py: one tiny component, no app work) served with
the same options: the floor of any rerun inside Streamlit. The server
processes' CPU time (``/proc/PID/stat``) is read before and after each exchange (after a short
settle, so that the work Streamlit does once the run's last message is out is counted); the
mean per kind over all its exchanges (the clock ticks of /proc are 10 ms, longer than one
exchange). Targets: one label costs at most 5 ms; a batch of 10 costs at most 3× one label
(issue 15). Also reported: the bytes the server sends per exchange.

    python tests/bench/bench_batch.py [--quick]
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import statistics
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import wsload  # noqa: E402
from _common import bench_dir, log, main, row  # noqa: E402

CPU_TARGET_MS = 5.0
"""Server CPU per saved label (issue 15)."""


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


SETTLE_S = 0.03
"""Wait after each exchange before reading the CPU: Streamlit finishes the run (the script
thread ends, the session's state is saved) after sending its last message."""
FLOOR_PER_ROUND = 3
"""Floor exchanges per round: each is a few ms, so more of them for the same clock-tick precision."""
FLOOR_APP = HERE / "floor_app.py"


@dataclass
class Cost:
    cpu_s: list[float] = field(default_factory=list)
    sent_bytes: list[int] = field(default_factory=list)

    def cpu_ms(self) -> float:
        # /proc counts CPU in clock ticks (10 ms): one exchange is a tick or two, so the figure
        # is the total over all exchanges of a kind divided by their number, not a median.
        return statistics.fmean(self.cpu_s) * 1000

    def kib(self) -> float:
        return statistics.median(self.sent_bytes) / 1024


async def _exchange(
    connection: wsload._Connection, pid: int, trigger: dict[str, Any], cost: Cost | None
) -> dict[str, Any]:
    before_cpu, before_bytes = wsload.cpu_seconds(pid), connection.received_bytes
    drawn, _ = await connection.rerun(trigger)
    await asyncio.sleep(SETTLE_S)
    if cost is not None:
        cost.cpu_s.append(wsload.cpu_seconds(pid) - before_cpu)
        cost.sent_bytes.append(connection.received_bytes - before_bytes)
    assert drawn is not None, "no panel in the run the exchange started"
    return drawn


async def _request(send: Any, pid: int, cost: Cost | None) -> Any:
    """One HTTP request (``send()`` returns its answer's JSON or text), its server CPU into ``cost``."""
    before_cpu = wsload.cpu_seconds(pid)
    answer = await send()
    await asyncio.sleep(SETTLE_S)
    if cost is not None:
        cost.cpu_s.append(wsload.cpu_seconds(pid) - before_cpu)
    return answer


async def _measure(
    server: wsload.Server,
    floor: wsload.Server,
    who: dict[str, Any],
    rounds: int,
    *,
    start: int,
    costs: dict[str, Cost] | None,
) -> None:
    """``rounds`` rounds of: one label posted, FLOOR_PER_ROUND requests that do nothing, one label
    and ten labels as the panel's value, FLOOR_PER_ROUND floor exchanges; into ``costs`` by kind
    (``None``: a warm-up, not measured)."""
    import aiohttp
    import websockets

    rng = random.Random(3)
    connect = {"subprotocols": ["streamlit"], "max_size": None, "ping_interval": None}
    async with (
        websockets.connect(server.stream_url, **connect) as ws,
        websockets.connect(floor.stream_url, **connect) as floor_ws,
        aiohttp.ClientSession(
            f"http://127.0.0.1:{server.port}", connector=aiohttp.TCPConnector(limit=1)
        ) as http,
    ):
        connection = wsload._Connection(ws, f"s={who['token']}")
        floor_connection = wsload._Connection(floor_ws, "")
        panel, _ = await connection.rerun(None)
        assert panel is not None, "no labelling panel after logging in"
        assert (await floor_connection.rerun(None))[0] is not None, "no component in the floor app"
        assert panel.get("save"), "the server names no save route"
        cursor = start

        async def post(labels: list[dict[str, Any]]) -> Any:
            body = wsload.post_body({"labels": labels}, panel)
            async with http.post(
                panel["save"]["url"], data=body, headers={"Content-Type": "application/json"}
            ) as r:
                return await r.json()

        async def health() -> Any:
            async with http.get("/_stcore/health") as r:
                return await r.text()

        for seq in range(1, rounds + 1):
            labels = _labels(panel, cursor, 1, rng)
            answer = await _request(functools.partial(post, labels), server.pid, costs and costs["posted"])
            assert wsload.acknowledges({"labels": labels}, answer), "not acknowledged by the save route"
            cursor += 1
            for _ in range(FLOOR_PER_ROUND):
                assert await _request(health, server.pid, costs and costs["request"]) == "ok"
            for size in (1, 10):
                labels = _labels(panel, cursor, size, rng)
                trigger = {"seq": seq, "labels": labels, "request": None}
                kind = "one" if size == 1 else "ten"
                drawn = await _exchange(connection, server.pid, trigger, costs and costs[kind])
                assert wsload.acknowledges({"labels": labels}, drawn), "not acknowledged"
                assert wsload.keeps_article(panel, drawn), "the article changed but was not sent whole"
                cursor += size
                panel = drawn
            for _ in range(FLOOR_PER_ROUND):
                trigger = {"seq": seq, "labels": []}
                await _exchange(floor_connection, floor.pid, trigger, costs and costs["floor"])


def run(scale: float = 1.0) -> list[dict[str, Any]]:
    rounds = 20 if scale < 1.0 else 40
    warm_up = 2
    costs = {kind: Cost() for kind in ("posted", "request", "one", "ten", "floor")}
    with bench_dir("batch") as folder:
        db = f"sqlite:///{folder / 'annotator.db'}"
        [who] = wsload.prepare_store(db, annotators=1, sentences=(rounds + warm_up) * 12 + 10)
        with wsload.running_server(db, folder) as server, wsload.running_app(FLOOR_APP, folder) as floor:
            # The first runs compile the pages and fill caches; every measured label is a new one.
            asyncio.run(_measure(server, floor, who, warm_up, start=0, costs=None))
            asyncio.run(_measure(server, floor, who, rounds, start=warm_up * 12, costs=costs))
    posted, request, one, ten, bare = (
        costs[k].cpu_ms() for k in ("posted", "request", "one", "ten", "floor")
    )
    load = os.getloadavg()[0]
    log(
        f"batch: posted label {posted:.2f} ms, request {request:.2f} ms; as the panel's value: one label "
        f"{one:.2f} ms, ten labels {ten:.2f} ms, floor {bare:.2f} ms per exchange; "
        f"{costs['one'].kib():.1f} / {costs['ten'].kib():.1f} / {costs['floor'].kib():.1f} KiB sent; "
        f"load {load:.1f}"
    )
    where = (
        f"on a real `annotator serve` (SQLite) under Streamlit's websocket protocol; CPU of the "
        f"server process from /proc; load average {load:.1f}"
    )
    return [
        row(
            "server CPU per label posted to the save route (the panel's path) vs a request that does nothing",
            posted,
            "ms",
            floor=request,
            ratio=posted / request,
            target=f"≤ {CPU_TARGET_MS:g} ms",
            ok=posted <= CPU_TARGET_MS,
            note=f"floor: GET /_stcore/health on the same server, {rounds * FLOOR_PER_ROUND} requests "
            f"interleaved with the {rounds} labels; {where}",
        ),
        row(
            "server CPU for an exchange of 10 labels vs 1 label, as the panel's value",
            ten,
            "ms",
            floor=one,
            ratio=ten / one,
            target="≤ 3× one label",
            ok=ten <= 3 * one,
            note=f"mean over {rounds} exchanges each, interleaved, {where}",
        ),
        row(
            "server CPU per exchange as the panel's value (1 label, a rerun) vs a minimal Streamlit app",
            one,
            "ms",
            floor=bare,
            ratio=one / bare,
            note=f"floor: tests/bench/floor_app.py (one tiny component, no app work) with the options "
            f"of `annotator serve`, {rounds * FLOOR_PER_ROUND} exchanges interleaved with the "
            f"annotator's {rounds}; {where}",
        ),
        row(
            "bytes the server sends per exchange: annotator (1 label) vs the minimal app",
            costs["one"].kib(),
            "KiB",
            floor=costs["floor"].kib(),
            ratio=costs["one"].kib() / costs["floor"].kib(),
            note=f"median over the exchanges; ten labels: {costs['ten'].kib():.1f} KiB",
        ),
    ]


if __name__ == "__main__":
    main(run)
