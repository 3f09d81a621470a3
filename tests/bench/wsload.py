"""Headless annotators for a real ``annotator serve``: Streamlit's websocket protocol, no browser.

Each annotator is one websocket client of ``/_stcore/stream`` that speaks Streamlit's own
protocol messages (``streamlit.proto``: ``BackMsg`` up, ``ForwardMsg`` down), as the browser
does:

* it logs in with a login token in the page's query string (``?s=TOKEN``, what a reload of a
  logged-in page sends; tokens come from ``users.open_login_session``),
* it labels at a human pace: think (``pace`` seconds × 0.5–1.5), send what the labelling panel
  sends on a finished label, and wait until the server acknowledges it: the panel posts its
  outbox to the server's save route (``annotator/ui/save_route.py``, over one kept-alive HTTP
  connection, as a browser's ``fetch`` does) when the page names one, and otherwise sends it
  as a ``rerun_script`` carrying the component's trigger value and reads the acknowledgement
  in the panel the rerun draws; the time from sending to the acknowledgement is the *ack
  latency* (the annotator's next sentence is on screen at once either way: the panel does not
  wait; the latency is how long a label stays in the outbox),
* it keeps Streamlit's message cache as the browser does (``cached_message_hashes`` up,
  ``ref_hash`` down), so the server does the same work as for a browser.

Four small functions know the panel's protocol and are the only ones to change with it:
``label_payload`` (what a finished label sends), ``post_body`` (the same, for the save route),
``acknowledges`` (how the panel's data or the route's answer says the label was handled) and
``keeps_article`` (the article comes whole once, then by its signature). Everything else is
Streamlit's own protocol and plain HTTP.

The parent process prepares the store with the store's own functions, starts the server,
spreads the clients over a few worker processes (so that the generator is not the
bottleneck), reads the server's CPU time and RSS from ``/proc/PID`` at the start and the end
of the measured window, and afterwards checks every acknowledged label against the database.

By hand::

    python tests/bench/wsload.py --annotators 5,10,20 [--db-url URL] [--defaults | --behind-nginx 2]
        [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for _path in (str(REPO), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import _common as c  # noqa: E402

P99_TARGET_S = 0.300
LABEL_TIMEOUT_S = 30.0
"""A label not acknowledged within this time counts as an error (the client then stops)."""
SOURCE_KEYS = ("alpha", "beta", "gamma")


# --- the labelling panel's protocol (the only part that knows it) -----------------------


def label_payload(panel: Mapping[str, Any], rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the panel sends for one finished label on the sentence at ``panel["cursor"]`` (the
    client's own place: the panel moves in the browser), and the label expected in the store
    afterwards (``is_claim``, ``source``, ``confidence``).

    The panel's protocol (annotator/ui/labeller/labeller.js, ``flush``): an exchange carries its
    outbox, ``{"seq", "labels": [{client_id, sentence_id, revision, value, action}], "request"}``;
    the sentence's ``revision`` comes with the article. Half the labels are "not a claim" (the
    N key), half a claim with a source and a confidence (a source key, then a digit).
    """
    if rng.random() < 0.5:
        expected: dict[str, Any] = {"is_claim": False, "source": None, "confidence": None}
    else:
        expected = {"is_claim": True, "source": rng.choice(SOURCE_KEYS), "confidence": rng.randint(1, 5)}
    sentence_id, _, revision, _ = panel["article"]["sentences"][panel["cursor"]]
    value = {**expected, "source_other": None, "note": "", "flagged": False}
    label = {
        "client_id": uuid.uuid4().hex,
        "sentence_id": sentence_id,
        "revision": revision,
        "value": value,
        "action": "save",
    }
    return {"seq": int(panel.get("seq", 0)) + 1, "labels": [label], "request": None}, expected


def post_body(action: Mapping[str, Any], panel: Mapping[str, Any]) -> bytes:
    """What the panel posts to the save route for the labels of ``action`` (labeller.js, ``post``)."""
    save = panel["save"]
    return json.dumps(
        {"token": save["token"], "labels": action["labels"], "document": panel["document"]}
    ).encode()


def acknowledges(action: Mapping[str, Any], panel: Mapping[str, Any]) -> bool:
    """Whether ``panel`` (data the server drew, or the save route's answer) acknowledges every
    label ``action`` sent: each client id among its acknowledgements, saved (or already so),
    none refused."""
    acks = panel.get("acks", {})
    return all(
        item["client_id"] in acks and acks[item["client_id"]][1] in ("saved", "unchanged")
        for item in action["labels"]
    )


def keeps_article(panel: Mapping[str, Any], drawn: dict[str, Any]) -> bool:
    """Whether ``drawn`` has an article to label, taking the one the panel has when the server
    sent none (it sends the article whole only when this session's panel lacks it as it is)."""
    if drawn["article"] is None:
        if (panel["document"], panel["signature"]) != (drawn["document"], drawn["signature"]):
            return False
        drawn["article"] = panel["article"]
    return True


# --- one annotator over the websocket -----------------------------------------------------


@dataclass
class ClientResult:
    name: str
    user_id: int
    latencies: list[tuple[float, float]] = field(default_factory=list)
    """(wall time sent, seconds until acknowledged) of every acknowledged label."""
    expected: dict[int, dict[str, Any]] = field(default_factory=dict)
    """sentence index → the last acknowledged label on it."""
    errors: list[str] = field(default_factory=list)


class _MessageCache:
    """Streamlit's message cache kept as the browser keeps it (its ForwardMsgCache): a cacheable
    message is kept until ``max_age`` script runs have finished without it being used; a
    fragment's run ages only that fragment's messages.

    Kept forever instead, a client sends an ever longer list of hashes with every rerun (and
    the server parses it), and grows by every panel it was sent: gigabytes over a soak.
    """

    def __init__(self) -> None:
        self.max_age = 2
        """Replaced by the server's ``global.maxCachedMessageAge`` when its session starts."""
        self.runs = 0
        self.entries: dict[str, tuple[Any, int, str]] = {}
        """hash → (message, run it was last used in, the fragment that drew it or "")."""

    def put(self, message: Any) -> None:
        self.entries[message.hash] = (message, self.runs, message.delta.fragment_id)

    def use(self, hash_: str) -> Any:
        message, _, fragment_id = self.entries[hash_]
        self.entries[hash_] = (message, self.runs, fragment_id)
        return message

    def run_finished(self, fragment_id: str) -> None:
        self.runs += 1
        for hash_, (_, used, drawn_by) in list(self.entries.items()):
            if (not fragment_id or drawn_by == fragment_id) and self.runs - used > self.max_age:
                del self.entries[hash_]


class _Connection:
    """One Streamlit session: send reruns, read what the server draws until the run finishes."""

    def __init__(self, ws: Any, query_string: str) -> None:
        self.ws = ws
        self.query_string = query_string
        self.page_script_hash = ""
        self.cache = _MessageCache()
        self.component_id = ""
        self.fragment_id = ""
        """The fragment the panel was drawn in, if any: the browser names it in the panel's reruns,
        and Streamlit then reruns only that fragment."""
        self.received_bytes = 0
        """Bytes of every message the server sent on this connection so far."""

    async def rerun(self, trigger: Mapping[str, Any] | None) -> tuple[dict[str, Any] | None, float]:
        """Send a rerun (with the panel's trigger value, if any); the last panel data drawn in
        the finished run, and the ``perf_counter`` time it arrived."""
        from streamlit.components.v2.bidi_component.main import _make_trigger_id
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.cached_message_hashes.extend(self.cache.entries)
        if trigger is not None:
            widget = state.widget_states.widgets.add()
            widget.id = _make_trigger_id(self.component_id, "events")
            widget.json_trigger_value = json.dumps([{"event": "action", "value": dict(trigger)}])
            state.fragment_id = self.fragment_id
        await self.ws.send(message.SerializeToString())
        panel: dict[str, Any] | None = None
        arrived = 0.0
        while True:
            received = ForwardMsg()
            raw = await self.ws.recv()
            self.received_bytes += len(raw)
            received.ParseFromString(raw)
            kind = received.WhichOneof("type")
            if kind == "ref_hash":
                received = self.cache.use(received.ref_hash)
                kind = received.WhichOneof("type")
            elif received.metadata.cacheable:
                self.cache.put(received)
            if kind == "new_session":
                self.cache.max_age = received.new_session.config.max_cached_message_age
            elif kind == "navigation":  # the page now on screen, as the browser keeps it
                self.page_script_hash = received.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = received.page_info_changed.query_string
            elif kind == "delta" and received.delta.WhichOneof("type") == "new_element":
                element = received.delta.new_element
                if element.WhichOneof("type") == "bidi_component":
                    self.component_id = element.bidi_component.id
                    self.fragment_id = received.delta.fragment_id
                    panel = json.loads(element.bidi_component.bytes)
                    arrived = time.perf_counter()
            elif (
                kind == "script_finished" and received.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
            ):
                self.cache.run_finished(state.fragment_id)
                return panel, arrived


async def _annotate(
    url: str,
    who: Mapping[str, Any],
    *,
    start_at: float,
    stop_at: float,
    pace_s: float,
    seed: int,
) -> ClientResult:
    import aiohttp
    import websockets

    result = ClientResult(who["name"], who["user_id"])
    rng = random.Random(seed)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    # A browser's cookies, e.g. the proxy's route cookie (tests/proxy_helpers.py).
    cookie = {"Cookie": who["cookie"]} if who.get("cookie") else {}
    origin = "http://" + url.split("://", 1)[1].split("/", 1)[0]  # the page's own server
    try:
        async with (
            websockets.connect(
                url,
                subprotocols=["streamlit"],
                max_size=None,
                open_timeout=60,
                ping_interval=None,
                additional_headers=cookie or None,
            ) as ws,
            aiohttp.ClientSession(
                origin,
                headers={**cookie, "Content-Type": "application/json"},
                connector=aiohttp.TCPConnector(limit=1),  # one kept-alive connection, as a tab's fetch
                timeout=aiohttp.ClientTimeout(total=LABEL_TIMEOUT_S),
            ) as http,
        ):
            connection = _Connection(ws, f"s={who['token']}")
            panel, _ = await asyncio.wait_for(connection.rerun(None), 120)
            if panel is None:
                result.errors.append("no labelling panel after logging in with the token")
                return result
            panel["cursor"] = int(panel["start"])
            while time.time() < stop_at:
                await asyncio.sleep(pace_s * rng.uniform(0.5, 1.5))
                if time.time() >= stop_at:
                    break
                action, expected = label_payload(panel, rng)
                sent_wall, sent = time.time(), time.perf_counter()
                try:
                    if panel.get("save"):
                        async with http.post(panel["save"]["url"], data=post_body(action, panel)) as answer:
                            status = answer.status
                            acked = await answer.json() if status == 200 else None
                        arrived, drawn = time.perf_counter(), panel  # the panel keeps what it has
                    else:
                        drawn, arrived = await asyncio.wait_for(connection.rerun(action), LABEL_TIMEOUT_S)
                        acked, status = drawn, None
                except TimeoutError:
                    result.errors.append(f"no answer within {LABEL_TIMEOUT_S:.0f} s")
                    return result
                if acked is None or drawn is None or not acknowledges(action, acked):
                    answered = f" (HTTP {status})" if status not in (None, 200) else ""
                    result.errors.append(f"label on sentence {panel['cursor']} not acknowledged{answered}")
                    return result
                if acked is not drawn and acked["article"] != [panel["signature"], panel["suggested"]]:
                    result.errors.append("the save route says the article changed; nothing changes it here")
                    return result
                if not keeps_article(panel, drawn):
                    result.errors.append("the article changed but was not sent whole")
                    return result
                result.latencies.append((sent_wall, arrived - sent))
                result.expected[int(panel["cursor"])] = expected
                # On to the next sentence, as the panel does (round again after the last one).
                drawn["cursor"] = (int(panel["cursor"]) + 1) % len(drawn["article"]["sentences"])
                panel = drawn
    except Exception as error:  # noqa: BLE001 - a broken connection is a result, not a crash
        result.errors.append(f"{type(error).__name__}: {error}")
    return result


def _worker(
    url: str, group: list[dict[str, Any]], start_at: float, stop_at: float, pace_s: float, ramp_s: float
) -> list[dict[str, Any]]:
    async def everyone() -> list[ClientResult]:
        return await asyncio.gather(
            *(
                _annotate(
                    url,
                    who,
                    start_at=start_at + who["offset"] * ramp_s,
                    stop_at=stop_at,
                    pace_s=pace_s,
                    seed=who["user_id"],
                )
                for who in group
            )
        )

    return [asdict(r) for r in asyncio.run(everyone())]


def run_annotators(
    url: str,
    annotators: list[dict[str, Any]],
    *,
    start_at: float,
    stop_at: float,
    pace_s: float,
    ramp_s: float,
    processes: int,
) -> list[ClientResult]:
    """All annotators against ``url`` (a websocket URL), spread over ``processes`` workers.

    Annotator i connects at ``start_at + i/N × ramp_s`` and labels until ``stop_at``.
    """
    spread = [dict(who, offset=i / max(1, len(annotators))) for i, who in enumerate(annotators)]
    groups = [spread[i::processes] for i in range(processes) if spread[i::processes]]
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(len(groups), mp_context=context) as pool:
        futures = [pool.submit(_worker, url, g, start_at, stop_at, pace_s, ramp_s) for g in groups]
        rows = [row for f in futures for row in f.result()]
    results = []
    for row in rows:
        result = ClientResult(
            row["name"],
            row["user_id"],
            [tuple(x) for x in row["latencies"]],
            {int(k): v for k, v in row["expected"].items()},
            row["errors"],
        )
        results.append(result)
    return results


# --- the store -----------------------------------------------------------------------------

DOCUMENT = "capacity-article"


def prepare_store(
    db_url: str, *, annotators: int, sentences: int, prefix: str = "ann"
) -> list[dict[str, Any]]:
    """Schema, one long article and ``annotators`` annotators with a login token each, made with
    the store's own functions; ``[{name, user_id, token}]``."""
    from sqlmodel import Session

    from annotator.store import documents, users
    from annotator.store.engine import make_engine
    from annotator.store.migrate import prepare_schema
    from annotator.store.models import Role, UserCreate
    from tests.loadtest import _article_draft

    engine = make_engine(db_url)
    try:
        # The only article (so `serve` adds no sample): every annotator starts on its sentence 0.
        prepare_schema(engine)
        people = []
        with Session(engine) as session:
            if DOCUMENT not in documents.list_document_ids(session=session):
                documents.add_articles(session=session, drafts=[_article_draft(DOCUMENT, sentences)])
            for i in range(annotators):
                name = f"{prefix}{i:03d}"
                user = users.get_user_by_name(session=session, name=name) or users.create_user(
                    session=session, user_in=UserCreate(name=name, role=Role.annotator, password="x" * 12)
                )
                assert user.id is not None
                token = users.open_login_session(session=session, user_id=user.id)
                people.append({"name": name, "user_id": user.id, "token": token})
        return people
    finally:
        engine.dispose()


@dataclass
class StoreCheck:
    right: int
    total: int
    """Acknowledged (annotator, sentence) pairs: each must hold the last label acknowledged on it."""
    unexpected: int
    """Labels in the store that no acknowledged save put there (misplaced)."""


def check_store(db_url: str, results: list[ClientResult]) -> StoreCheck:
    from sqlmodel import Session

    from annotator.store import labels
    from annotator.store.engine import make_engine

    engine = make_engine(db_url)
    right = total = unexpected = 0
    try:
        with Session(engine) as session:
            for result in results:
                stored = labels.labels_by_index(session=session, document_id=DOCUMENT, user_id=result.user_id)
                for index, want in result.expected.items():
                    total += 1
                    got = stored.get(index)
                    if got is not None and all(getattr(got, k) == v for k, v in want.items()):
                        right += 1
                # A label in flight when the client stopped may land unacknowledged: one at most.
                unexpected += max(0, len(set(stored) - set(result.expected)) - 1)
    finally:
        engine.dispose()
    return StoreCheck(right, total, unexpected)


# --- the server process ------------------------------------------------------------------


@dataclass
class Server:
    pid: int
    port: int

    @property
    def stream_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"


def app_command(script: Path, port: int) -> list[str]:
    """Any Streamlit script served with the options of ``annotator serve`` (the floor of a rerun)."""
    from annotator.ui.options import APP_OPTIONS, PRODUCTION_OPTIONS, command_line

    options = {**APP_OPTIONS, **PRODUCTION_OPTIONS, "server.address": "127.0.0.1", "server.port": port}
    return [sys.executable, "-m", "streamlit", "run", str(script.resolve()), *command_line(options)]


def serve_command(db_url: str, port: int, *, defaults: bool) -> list[str]:
    """``annotator serve`` as a user runs it; with ``defaults``, the app as ``serve`` ran it before
    the production options (``streamlit run`` with APP_OPTIONS only): the "before" figures."""
    if not defaults:
        return [sys.executable, "-m", "annotator.cli", "--db", db_url, "serve", "--port", str(port)]
    from annotator.ui.options import APP_OPTIONS, command_line

    app = REPO / "annotator" / "ui" / "app.py"
    options = {**APP_OPTIONS, "server.address": "127.0.0.1", "server.port": port}
    return [sys.executable, "-m", "streamlit", "run", str(app), *command_line(options)]


def wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextlib.contextmanager
def running_server(db_url: str, workdir: Path, *, defaults: bool = False) -> Iterator[Server]:
    from tests.browser_helpers import free_port

    port = free_port()
    with running_command(
        serve_command(db_url, port, defaults=defaults), port, workdir, env={"ANNOTATOR_DB_URL": db_url}
    ) as server:
        yield server


@contextlib.contextmanager
def running_app(script: Path, workdir: Path) -> Iterator[Server]:
    """``script`` served as ``annotator serve`` serves the app (``app_command``)."""
    from tests.browser_helpers import free_port

    port = free_port()
    with running_command(app_command(script, port), port, workdir) as server:
        yield server


@contextlib.contextmanager
def running_command(
    command: list[str], port: int, workdir: Path, *, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """A Streamlit server started by ``command`` on ``port``, until it answers its health check."""
    log = workdir / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env={**c.python_env(), **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(port, process, log)
            yield Server(process.pid, port)
        finally:
            process.terminate()
            try:
                # A profiled server (ANNOTATOR_PROFILE, annotator/ui/launch.py) writes its
                # profile as it stops, which takes a while.
                process.wait(timeout=120 if os.environ.get("ANNOTATOR_PROFILE") else 15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    """CPU seconds of this process's finished children (the generator's worker processes)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


# --- one measured load -----------------------------------------------------------------


@dataclass
class LoadFigures:
    annotators: int
    labels: int
    """Labels acknowledged inside the measured window."""
    cpu_ms_per_label: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rss_before_mib: float
    """Server RSS before the annotators log in."""
    rss_logged_in_mib: float
    """... once they have all logged in (the window's start)."""
    rss_after_mib: float
    client_cpu_ms_per_label: float
    """The generator's own CPU (all its worker processes): it shares the machine with the server."""
    errors: int
    right: int
    total: int
    unexpected: int
    load_average: float
    """The machine's 1-minute load average at the end (it is shared: the figures are noisy)."""
    first_error: str = ""

    @property
    def mib_per_session(self) -> float:
        return (self.rss_logged_in_mib - self.rss_before_mib) / max(1, self.annotators)

    @property
    def holds(self) -> bool:
        return (
            self.p99_ms <= P99_TARGET_S * 1000
            and self.errors == 0
            and self.right == self.total
            and self.unexpected == 0
        )

    def line(self) -> str:
        return (
            f"N={self.annotators:4d}: {self.labels:5d} labels, CPU {self.cpu_ms_per_label:6.1f} ms/label, "
            f"ack p50 {self.p50_ms:6.0f} p95 {self.p95_ms:6.0f} p99 {self.p99_ms:6.0f} ms, "
            f"RSS {self.rss_before_mib:.0f}→{self.rss_logged_in_mib:.0f}→{self.rss_after_mib:.0f} MiB "
            f"({self.mib_per_session:.2f} MiB/session), "
            f"client CPU {self.client_cpu_ms_per_label:.1f} ms/label, "
            f"errors {self.errors}, "
            f"right {self.right}/{self.total}, unexpected {self.unexpected}, load {self.load_average:.1f}"
            + (f" ({self.first_error})" if self.first_error else "")
        )


def measure(
    urls: list[str],
    pids: list[int],
    people: list[dict[str, Any]],
    *,
    db_url: str,
    pace_s: float,
    seconds: float,
    ramp_s: float | None = None,
    client_processes: int | None = None,
) -> LoadFigures:
    """``people`` label at ``pace_s`` on the servers (annotator i on ``urls[i % len(urls)]``) for
    ``seconds`` after everyone has logged in; figures over that window only."""
    ramp = ramp_s if ramp_s is not None else min(20.0, 1.0 + 0.08 * len(people))
    workers = client_processes or max(1, min(4, len(people) // 40 + 1))
    start_at = time.time() + 1.0
    window_start = start_at + ramp + 2.0
    stop_at = window_start + seconds
    by_url: dict[str, list[dict[str, Any]]] = {}
    for i, who in enumerate(people):
        by_url.setdefault(urls[i % len(urls)], []).append(who)
    rss_before = sum(rss_mib(pid) for pid in pids)
    client_cpu_before = _children_cpu_seconds()
    with concurrent.futures.ThreadPoolExecutor(len(by_url) + 1) as threads:
        running = [
            threads.submit(
                run_annotators,
                url,
                group,
                start_at=start_at,
                stop_at=stop_at,
                pace_s=pace_s,
                ramp_s=ramp,
                processes=max(1, workers // len(by_url)),
            )
            for url, group in by_url.items()
        ]
        time.sleep(max(0.0, window_start - time.time()))
        if os.environ.get("ANNOTATOR_PROFILE"):  # a profiled server: profile the window only
            for pid in pids:
                os.kill(pid, signal.SIGUSR1)
        cpu_start = sum(cpu_seconds(pid) for pid in pids)
        rss_logged_in = sum(rss_mib(pid) for pid in pids)
        time.sleep(max(0.0, stop_at - time.time()))
        cpu_end = sum(cpu_seconds(pid) for pid in pids)
        rss_after = sum(rss_mib(pid) for pid in pids)
        results = [r for f in running for r in f.result()]
    client_cpu = _children_cpu_seconds() - client_cpu_before
    in_window = [lat for r in results for sent, lat in r.latencies if window_start <= sent <= stop_at]
    check = check_store(db_url, results)
    errors = [e for r in results for e in r.errors]
    ms = [x * 1000 for x in in_window] or [float("nan")]
    return LoadFigures(
        annotators=len(people),
        labels=len(in_window),
        cpu_ms_per_label=(cpu_end - cpu_start) * 1000 / max(1, len(in_window)),
        p50_ms=c.percentile(ms, 50),
        p95_ms=c.percentile(ms, 95),
        p99_ms=c.percentile(ms, 99),
        rss_before_mib=rss_before,
        rss_logged_in_mib=rss_logged_in,
        rss_after_mib=rss_after,
        client_cpu_ms_per_label=client_cpu * 1000 / max(1, sum(len(r.latencies) for r in results)),
        errors=len(errors),
        right=check.right,
        total=check.total,
        unexpected=check.unexpected,
        load_average=os.getloadavg()[0],
        first_error=errors[0] if errors else "",
    )


@contextlib.contextmanager
def fresh_store(base_url: str | None, workdir: Path) -> Iterator[str]:
    """A new empty store: a SQLite file in ``workdir``, or a new schema on PostgreSQL (dropped after)."""
    if not base_url:
        yield f"sqlite:///{workdir / f'capacity-{uuid.uuid4().hex[:8]}.db'}"
        return
    from tests.loadtest import _create_schema, _drop_schema, _with_query

    schema = f"cap_{uuid.uuid4().hex[:10]}"
    _create_schema(base_url, schema)
    try:
        yield _with_query(base_url, options=f"-csearch_path={schema}")
    finally:
        _drop_schema(base_url, schema)


Deployment = Callable[[str, Path], contextlib.AbstractContextManager[tuple[list[str], list[int]]]]
"""Starts the server(s) on a store: yields the websocket URLs to spread annotators over and the
PIDs of the server processes (whose CPU and RSS are measured)."""


def one_server(*, defaults: bool = False) -> Deployment:
    """One ``annotator serve`` (or, with ``defaults``, the app without the production options)."""

    @contextlib.contextmanager
    def deploy(db_url: str, workdir: Path) -> Iterator[tuple[list[str], list[int]]]:
        with running_server(db_url, workdir, defaults=defaults) as server:
            yield [server.stream_url], [server.pid]

    return deploy


def behind_proxy(processes: int) -> Deployment:
    """``annotator serve --processes N`` behind nginx (tests/proxy_helpers.py); annotators carry
    no route cookie, so each lands on the process its random first key picks."""
    from tests.proxy_helpers import nginx_proxy, served

    @contextlib.contextmanager
    def deploy(db_url: str, workdir: Path) -> Iterator[tuple[list[str], list[int]]]:
        with (
            served(db_url, workdir, processes=processes) as servers,
            nginx_proxy(servers.ports, workdir) as base,
        ):
            yield [base.replace("http://", "ws://") + "/_stcore/stream"], servers.server_pids()

    return deploy


CPU_PERIOD_US = 100_000
"""The budget's accounting period: the kernel's default (a server that spends its budget early
waits for the rest of the period, as it would for a busy core)."""


def _cpu_cgroup_root() -> tuple[Path, bool]:
    """Where CPU-limited groups can be made: (folder, is cgroup v2); RuntimeError saying how
    to get one when neither hierarchy is writable."""
    v1 = Path("/sys/fs/cgroup/cpu")
    if (v1 / "cpu.cfs_quota_us").exists() and os.access(v1, os.W_OK):
        return v1, False
    v2 = Path("/sys/fs/cgroup")
    controllers = v2 / "cgroup.subtree_control"
    if controllers.exists() and "cpu" in controllers.read_text().split() and os.access(v2, os.W_OK):
        return v2, True
    raise RuntimeError(
        "a CPU budget per server needs a writable cgroup CPU controller (/sys/fs/cgroup/cpu or "
        "cgroup v2 with 'cpu' in cgroup.subtree_control): run as root on such a machine, or "
        "measure without --cpu-per-process"
    )


@dataclass
class Throttling:
    periods: int = 0
    throttled: int = 0


@contextlib.contextmanager
def cpu_budget(pids: list[int], cores: float) -> Iterator[list[Throttling]]:
    """Each process in ``pids`` (all its threads) in a cgroup of its own that may use at most
    ``cores`` CPUs: a machine with a core to spare per server, carved out of a shared one, so
    that what servers add is measured even where they share the cores with the load generator
    and the database. Yields one Throttling per process, filled when the block ends (how many
    accounting periods the budget was the limit: a budget that never binds measures nothing)."""
    root, v2 = _cpu_cgroup_root()
    groups: list[Path] = []
    stats = [Throttling() for _ in pids]
    try:
        for pid in pids:
            group = root / f"annotator-bench-{pid}"
            group.mkdir()
            groups.append(group)
            quota = max(1000, int(cores * CPU_PERIOD_US))
            if v2:
                (group / "cpu.max").write_text(f"{quota} {CPU_PERIOD_US}")
            else:
                (group / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
                (group / "cpu.cfs_quota_us").write_text(str(quota))
            (group / "cgroup.procs").write_text(str(pid))
        yield stats
    finally:
        for stat, group in zip(stats, groups, strict=False):
            counters = dict(
                line.split() for line in (group / "cpu.stat").read_text().splitlines() if line.count(" ") == 1
            )
            stat.periods = int(counters.get("nr_periods", 0))
            stat.throttled = int(counters.get("nr_throttled", 0))
            for pid in (group / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):  # it may have exited meanwhile
                    (root / "cgroup.procs").write_text(pid)
            group.rmdir()


def budgeted(deploy: Deployment, cores: float, throttling: list[Throttling]) -> Deployment:
    """``deploy`` with each server process limited to ``cores`` CPUs (``cpu_budget``); the
    throttling counters of each deployment are appended to ``throttling``."""

    @contextlib.contextmanager
    def deploy_budgeted(db_url: str, workdir: Path) -> Iterator[tuple[list[str], list[int]]]:
        with deploy(db_url, workdir) as (urls, pids), cpu_budget(pids, cores) as stats:
            yield urls, pids
        throttling.extend(stats)

    return deploy_budgeted


SCALE_OUT_TARGET = 1.8
"""Issue 15: two processes behind the proxy hold at least this many times what one holds."""


def scale_out_row(name: str, *, two: float, one: float, note: str) -> dict[str, Any]:
    """The benchmark row comparing the largest N two processes held with one's, against the target."""
    return c.row(
        name,
        two,
        "annotators",
        floor=one,
        ratio=two / one if one else None,
        target=f"≥ {SCALE_OUT_TARGET:g}× one process",
        ok=bool(one) and two / one >= SCALE_OUT_TARGET,
        note=note,
    )


def sweep(
    counts: list[int],
    *,
    base_url: str | None,
    deploy: Deployment,
    pace_s: float,
    seconds: float,
    workdir: Path,
) -> list[LoadFigures]:
    """One fresh store and deployment per N; stops after the first N whose p99 exceeds 4× the
    target (saturated: a larger N only waits longer) or that had errors."""
    figures: list[LoadFigures] = []
    for n in counts:
        with fresh_store(base_url, workdir) as db_url:
            sentences = int(seconds / pace_s * 2 + 200)
            people = prepare_store(db_url, annotators=n, sentences=sentences)
            with deploy(db_url, workdir) as (urls, pids):
                result = measure(urls, pids, people, db_url=db_url, pace_s=pace_s, seconds=seconds)
        c.log(result.line())
        figures.append(result)
        if result.p99_ms > 4 * P99_TARGET_S * 1000 or result.errors:
            break
    return figures


def largest_holding(figures: list[LoadFigures]) -> int:
    """The largest N that held p99 ≤ 300 ms with no error and every label right (0: none).

    The largest, not the first to fail: on a shared machine a smaller N can miss by a burst of
    someone else's work while a larger one holds.
    """
    return max((f.annotators for f in figures if f.holds), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--annotators", default="5,10,20,40,80,120,200")
    parser.add_argument("--db-url", help="PostgreSQL base URL (a fresh schema per N); default SQLite")
    parser.add_argument("--defaults", action="store_true", help="without the production options (before)")
    parser.add_argument(
        "--behind-nginx",
        type=int,
        metavar="PROCESSES",
        help="annotator serve --processes PROCESSES behind nginx (deploy/nginx-annotator.conf)",
    )
    parser.add_argument(
        "--cpu-per-process",
        type=float,
        metavar="CORES",
        help="limit each server process to CORES CPUs (a cgroup each; needs root), e.g. 0.25",
    )
    parser.add_argument("--pace", type=float, default=2.0, help="seconds between labels, per annotator")
    parser.add_argument("--seconds", type=float, default=40.0, help="measured window per N")
    args = parser.parse_args()
    deploy = behind_proxy(args.behind_nginx) if args.behind_nginx else one_server(defaults=args.defaults)
    throttling: list[Throttling] = []
    if args.cpu_per_process:
        deploy = budgeted(deploy, args.cpu_per_process, throttling)
    with c.bench_dir("capacity") as workdir:
        figures = sweep(
            [int(n) for n in args.annotators.split(",")],
            base_url=args.db_url,
            deploy=deploy,
            pace_s=args.pace,
            seconds=args.seconds,
            workdir=workdir,
        )
    for f in figures:
        print(f.line())
    for t in throttling:
        print(f"CPU budget {args.cpu_per_process} cores: throttled in {t.throttled} of {t.periods} periods")
    print(f"largest N with p99 <= {P99_TARGET_S * 1000:.0f} ms: {largest_holding(figures)}")


if __name__ == "__main__":
    main()
