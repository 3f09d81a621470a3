"""Concurrent annotators saving labels, SIGKILLed mid-run, then checked against the database.

    from tests.loadtest import run_load
    result = run_load("sqlite:////tmp/lt.db", workers=8, saves_per_worker=60,
                      kill_after_s=1.5, log_dir=Path("/tmp/lt-logs"))
    assert result.ok, result.problems

The parent prepares the database with the store's own functions (``create_tables``, one
article via ``add_articles``, one user per worker via ``create_user``), starts one worker
*process* per annotator and lets them all start at once. Workers are forked from a fresh
multiprocessing forkserver that has the modules imported (``launcher="forkserver"``, the
default: 100 workers start in seconds on 2 cores), or are fresh interpreters running
``python -m tests.loadtest worker ...`` (``launcher="subprocess"``); either way nothing of
the parent (engine, connection) is inherited. Each worker saves labels through ``save_label``
exactly as the app does (a new ``Session(engine, expire_on_commit=False)`` per save, the
label schema checked): new labels on random sentences, edits of its own earlier labels, and
a few re-saves of unchanged values (which must add no history row). Two warm-up saves per
worker before the start are verified too but left out of the figures.

Each worker keeps its own append-only log of JSON lines:

* ``intent`` before the call (written with ``os.write``: it survives a SIGKILL),
* ``ack`` after the call returned (written, then ``fsync``ed), with the latency and where
  it went (on a CPU, waiting for a CPU, waiting for anything else: from
  ``/proc/thread-self/schedstat``),
* ``error`` if the call raised (the worker then stops: that save is "in flight" forever).

So for each (sentence, annotator) the log gives the acknowledged saves in order, plus at most
one unacknowledged save at the very end (the one in flight when the worker was killed or
failed). The check against the database then allows exactly two outcomes per pair: the
label and its history are those of the acknowledged saves, or those followed by that single
in-flight save. Anything else is counted as lost, duplicated or mismatched.

On PostgreSQL every run gets its own schema ``lt_<hex>`` (search_path set through the libpq
``options`` of the URL), dropped at the end; workers connect with ``application_name`` set
to that schema's name, so that the parent can wait until every killed worker's backend is
gone before it reads the result.

By hand: ``python -m tests.loadtest --workers 8 --saves 60 --kill-at-fraction 0.5
[--db-url URL] [--think-ms MS]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import traceback
import types
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

LABEL_FIELDS = ("is_claim", "source", "source_other", "confidence", "note", "flagged")
SOURCE_KEYS = ("alpha", "beta", "gamma")
SENTENCES = 200
PASSWORD = "load-test-password"
MAX_PROBLEMS = 50
"""How many problem descriptions a LoadResult keeps (the counts are always complete)."""


# --- result --------------------------------------------------------------------


@dataclass
class LoadResult:
    backend: str
    workers: int
    saves_per_worker: int
    acknowledged: int = 0
    """Saves whose ``save_label`` call returned (an ``ack`` line in a worker log)."""
    warmup: int = 0
    """Acknowledged warm-up saves before the start (2 per worker): verified, not timed."""
    in_flight: int = 0
    """Saves started but never acknowledged (killed or failed mid-call)."""
    in_flight_committed: int = 0
    """Of those, how many the database holds anyway (allowed: never acknowledged)."""
    lost: int = 0
    duplicated: int = 0
    mismatched: int = 0
    errors: int = 0
    locked_errors: int = 0
    """Of ``errors``, how many were "database is locked" (or a deadlock/serialisation failure)."""
    killed: int = 0
    """Workers SIGKILLed while still saving."""
    finished: int = 0
    """Workers that did all their saves before the kill."""
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    throughput: float = 0.0
    """Acknowledged saves per second, from the start signal to the last acknowledgement."""
    elapsed_s: float = 0.0
    setup_s: float = 0.0
    """Tables, article and users (argon2 hashing of each user's password dominates)."""
    startup_s: float = 0.0
    """Worker processes started, imported, connected and warmed up."""
    verify_s: float = 0.0
    labels: int = 0
    history: int = 0
    schema: str | None = None
    problems: list[str] = field(default_factory=list)
    breakdown: dict[str, dict[str, float]] = field(default_factory=dict)
    """Mean wall / on-CPU / waiting-for-CPU / other waiting ms per save, for "all" and "slowest 1%"."""

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.mismatched or self.errors)

    def summary(self) -> str:
        return (
            f"{self.backend}: {self.workers} workers, {self.acknowledged} acknowledged saves "
            f"({self.in_flight} in flight at the kill, {self.in_flight_committed} of them committed), "
            f"killed {self.killed}, finished {self.finished}; "
            f"lost {self.lost}, duplicated {self.duplicated}, "
            f"mismatched {self.mismatched}, errors {self.errors} (locked {self.locked_errors}); "
            f"p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, max {self.max_ms:.1f} ms, "
            f"{self.throughput:.0f} saves/s over {self.elapsed_s:.2f} s "
            f"(setup {self.setup_s:.1f} s, startup {self.startup_s:.1f} s, verify {self.verify_s:.1f} s)"
            + "".join(
                f"; {name}: wall {b['wall_ms']:.1f} = cpu {b['cpu_ms']:.1f} + cpu wait {b['cpu_wait_ms']:.1f}"
                f" + other wait {b['other_wait_ms']:.1f} ms"
                for name, b in self.breakdown.items()
            )
        )

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, ``q`` in [0, 100]; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- the database side -----------------------------------------------------------


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _with_query(url: str, **params: str) -> str:
    """``url`` with libpq parameters added (psycopg passes them through to the server)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.update_query_dict(params).render_as_string(hide_password=False)


def _create_schema(base_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base_url)
    try:
        with engine.begin() as con:
            con.execute(text(f'CREATE SCHEMA "{name}"'))
    finally:
        engine.dispose()


def _drop_schema(base_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base_url)
    try:
        with engine.begin() as con:
            con.execute(text("SET lock_timeout = '20s'"))
            con.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        engine.dispose()


def _wait_for_backends_gone(base_url: str, app_name: str, timeout_s: float = 20.0) -> int:
    """Wait until no PostgreSQL backend of the (killed) workers is left; return how many remain."""
    from sqlalchemy import create_engine, text

    engine = create_engine(base_url)
    remaining = -1
    try:
        deadline = time.monotonic() + timeout_s
        with engine.connect() as con:
            while True:
                remaining = int(
                    con.execute(
                        text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                        {"name": app_name},
                    ).scalar_one()
                )
                con.rollback()
                if remaining == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
    finally:
        engine.dispose()
    return remaining


def _article_draft(doc_id: str, sentences: int) -> Any:
    from annotator.domain.article import ArticleDraft, SentenceSpan, SourceSpec

    parts: list[str] = []
    spans: list[SentenceSpan] = []
    offset = 0
    for i in range(sentences):
        if i:
            sep = "\n\n" if i % 4 == 0 else " "
            parts.append(sep)
            offset += len(sep)
        who = SOURCE_KEYS[i % len(SOURCE_KEYS)].title()
        sentence = f"{who} said thing number {i} about the matter."
        parts.append(sentence)
        spans.append(SentenceSpan(offset, offset + len(sentence), i // 4))
        offset += len(sentence)
    return ArticleDraft(
        id=doc_id,
        title="Load test article",
        text="".join(parts),
        sentences=tuple(spans),
        sources=tuple(SourceSpec(key, key.title()) for key in SOURCE_KEYS),
    )


def _prepare(url: str, *, run_id: str, workers: int, sentences: int) -> tuple[str, list[int]]:
    """Tables, one article and one user per worker; returns (document id, user ids)."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlmodel import Session

    from annotator.store.documents import add_articles
    from annotator.store.engine import create_tables, make_engine
    from annotator.store.models import UserCreate
    from annotator.store.users import create_user

    doc_id = f"loadtest-{run_id}"
    engine = make_engine(url)

    def add_users(numbers: range) -> list[int]:
        ids: list[int] = []
        with Session(engine, expire_on_commit=False) as session:
            for w in numbers:
                user = create_user(
                    session=session, user_in=UserCreate(name=f"lt-{run_id}-{w:03d}", password=PASSWORD)
                )
                assert user.id is not None
                ids.append(user.id)
        return ids

    try:
        create_tables(engine)
        with Session(engine, expire_on_commit=False) as session:
            add_articles(session=session, drafts=[_article_draft(doc_id, sentences)])
        # argon2 hashing dominates and releases the GIL: a few threads, in worker order.
        threads = max(1, min(4, os.cpu_count() or 1, workers))
        step = -(-workers // threads)
        chunks = [range(i, min(i + step, workers)) for i in range(0, workers, step)]
        with ThreadPoolExecutor(threads) as pool:
            user_ids = [uid for ids in pool.map(add_users, chunks) for uid in ids]
    finally:
        engine.dispose()
    return doc_id, user_ids


# --- the worker --------------------------------------------------------------------


def _random_values(rng: random.Random) -> dict[str, Any]:
    """Label values that pass the label schema (a non-claim has no source)."""
    note = rng.choice(("", "", "", "check the quote", f"note {rng.randrange(1000)}"))
    flagged = rng.random() < 0.1
    if rng.random() < 0.25:
        return {
            "is_claim": False,
            "source": None,
            "source_other": None,
            "confidence": rng.choice((None, 3, 4, 5)),
            "note": note,
            "flagged": flagged,
        }
    source = rng.choice((*SOURCE_KEYS, "author", "other"))
    return {
        "is_claim": True,
        "source": source,
        "source_other": f"spokesman {rng.randrange(100)}" if source == "other" else None,
        "confidence": rng.choice((None, 1, 2, 3, 4, 5)),
        "note": note,
        "flagged": flagged,
    }


def _is_lock_text(text: str) -> bool:
    text = text.lower()
    return "database is locked" in text or "deadlock detected" in text or "could not serialize" in text


def _schedstat() -> tuple[int, int]:
    """(ns on a CPU, ns runnable but waiting for a CPU) of this thread; zeros where unknown."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            on_cpu, waiting, _ = f.read().split()
        return int(on_cpu), int(waiting)
    except (OSError, ValueError):
        return 0, 0


class _Log:
    """One worker's append-only JSON-lines log."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def write(self, record: dict[str, Any], *, sync: bool = False) -> None:
        # One write() per line: once it returns, the line survives a SIGKILL of this process.
        os.write(self.fd, (json.dumps(record, separators=(",", ":")) + "\n").encode())
        if sync:
            os.fsync(self.fd)


def _worker_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.loadtest worker")
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--doc-id", required=True)
    parser.add_argument("--user-id", type=int, required=True)
    parser.add_argument("--saves", type=int, required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--think-ms", type=float, default=0.0)
    return parser


def worker_main(argv: list[str]) -> int:
    """``python -m tests.loadtest worker ...``: starts on a ``go`` line on stdin."""
    args = _worker_parser().parse_args(argv)
    return _work(args, lambda: sys.stdin.readline().strip() == "go")


def _forked_worker(argv: list[str], go: Any, wait_s: float) -> None:
    """multiprocessing target (forkserver): starts when the ``go`` event is set."""
    args = _worker_parser().parse_args(argv)
    sys.exit(_work(args, lambda: bool(go.wait(wait_s))))


def _work(args: argparse.Namespace, wait_for_go: Callable[[], bool]) -> int:
    log = _Log(args.log)
    try:
        from sqlalchemy import inspect
        from sqlmodel import Session, col, select

        from annotator.domain.label import LabelValue
        from annotator.exchange.schemas import load_label_schema
        from annotator.store.engine import make_engine
        from annotator.store.labels import save_label
        from annotator.store.models import Sentence

        schema = load_label_schema()
        engine = make_engine(args.db_url)
        with Session(engine) as session:  # also opens the pooled connection before the start
            sentence_ids = [
                int(s or 0)
                for s in session.exec(
                    select(Sentence.id)
                    .where(Sentence.document_id == args.doc_id)
                    .order_by(col(Sentence.index))
                ).all()
            ]
        assert sentence_ids, f"no sentences in {args.doc_id}"
    except BaseException as error:  # noqa: BLE001  (reported to the parent through the log)
        log.write({"k": "error", "seq": -1, "error": repr(error), "tb": traceback.format_exc()}, sync=True)
        return 1

    rng = random.Random(f"{args.seed}")
    mine: dict[int, dict[str, Any]] = {}  # sentence id -> values of my last acknowledged save
    unlabelled = list(sentence_ids)
    rng.shuffle(unlabelled)
    user_id = args.user_id

    def save(seq: int, kind: str, sentence_id: int, values: dict[str, Any], *, warm: bool = False) -> bool:
        """One save as the app does it, between an intent line and an ack (or error) line."""
        record = {"seq": seq, "user_id": user_id, "sentence_id": sentence_id, "values": values, "kind": kind}
        if warm:
            record["warm"] = True
        log.write({"k": "intent", **record})
        sched0 = _schedstat()
        t0 = time.perf_counter()
        try:
            with Session(engine, expire_on_commit=False) as session:
                label = save_label(
                    session=session,
                    sentence_id=sentence_id,
                    user_id=user_id,
                    value=LabelValue(**values),
                    schema=schema,
                )
                # Read without a lazy load: a no-op save leaves the object expired.
                version = inspect(label).dict.get("version")
        except BaseException as error:  # noqa: BLE001  (every failure is the parent's business)
            text = f"{type(error).__name__}: {error}"
            log.write(
                {
                    "k": "error",
                    **record,
                    "error": text[:2000],
                    "locked": _is_lock_text(text),
                    "ms": (time.perf_counter() - t0) * 1e3,
                    "tb": traceback.format_exc()[-4000:],
                },
                sync=True,
            )
            return False
        ms = (time.perf_counter() - t0) * 1e3
        sched1 = _schedstat()
        cpu_ms, runq_ms = (sched1[0] - sched0[0]) / 1e6, (sched1[1] - sched0[1]) / 1e6
        mine[sentence_id] = values
        log.write(
            {
                "k": "ack",
                **record,
                "ms": ms,
                "cpu_ms": cpu_ms,
                "runq_ms": runq_ms,
                "version": version,
                "ts": time.time(),
            },
            sync=True,
        )
        return True

    def edited(sentence_id: int) -> dict[str, Any]:
        values = _random_values(rng)
        for _ in range(50):  # an edit changes something
            if values != mine[sentence_id]:
                break
            values = _random_values(rng)
        return values

    # Warm-up (logged and verified like the rest, left out of the figures): a new label and
    # an edit, so that mappers, statement caches and the connection are ready, as in a
    # running app.
    first = unlabelled.pop()
    if not save(0, "new", first, _random_values(rng), warm=True):
        return 1
    if not save(1, "edit", first, edited(first), warm=True):
        return 1

    log.write({"k": "ready", "pid": os.getpid(), "user_id": args.user_id}, sync=True)
    # Wait for the parent's start signal (none within the time: the parent is gone).
    if not wait_for_go():
        return 2
    started = time.monotonic()
    for seq in range(2, args.saves + 2):
        if time.monotonic() - started > args.max_seconds:
            break
        roll = rng.random()
        if roll < 0.05:
            kind = "same"  # saving unchanged values must change nothing
            sentence_id = rng.choice(list(mine))
            values = dict(mine[sentence_id])
        elif unlabelled and roll < 0.55:
            kind = "new"
            sentence_id = unlabelled.pop()
            values = _random_values(rng)
        else:
            kind = "edit"
            sentence_id = rng.choice(list(mine))
            values = edited(sentence_id)
        if not save(seq, kind, sentence_id, values):
            return 1
        if args.think_ms > 0:
            time.sleep(min(rng.expovariate(1.0 / args.think_ms), 20 * args.think_ms) / 1e3)
    log.write({"k": "done", "ts": time.time()}, sync=True)
    engine.dispose()
    return 0


# --- the parent: run ------------------------------------------------------------------


def _read_log(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    if not path.exists():
        return records
    for line in path.read_bytes().splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a torn last line cannot happen with one write() per line, but be lenient
    return records


def _count_in_new_bytes(path: Path, offsets: dict[Path, int], needle: bytes) -> int:
    try:
        with path.open("rb") as f:
            f.seek(offsets.get(path, 0))
            data = f.read()
    except FileNotFoundError:
        return 0
    cut = data.rfind(b"\n") + 1  # only whole lines
    offsets[path] = offsets.get(path, 0) + cut
    return data[:cut].count(needle)


class _Proc:
    """One worker process, started either way; only ever killed by its own pid."""

    def alive(self) -> bool:
        raise NotImplementedError

    def go(self) -> None:
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def wait(self, timeout: float) -> int | None:
        raise NotImplementedError


class _SubprocessProc(_Proc):
    """``python -m tests.loadtest worker ...``: a fresh interpreter per worker (slow to start)."""

    def __init__(self, argv: list[str], stderr_path: Path) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
        with stderr_path.open("wb") as err:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "tests.loadtest", "worker", *argv],
                cwd=REPO,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def go(self) -> None:
        try:
            assert self.popen.stdin is not None
            self.popen.stdin.write(b"go\n")
            self.popen.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


class _ForkserverProc(_Proc):
    """A multiprocessing worker forked from a fresh forkserver that has the modules imported.

    The forkserver is a new interpreter, not a fork of this process: no engine, connection
    or session of the parent is inherited. It only saves each worker the ~1 s of imports
    (100 workers on 2 cores otherwise take minutes to start).
    """

    def __init__(self, argv: list[str], go: Any, wait_s: float) -> None:
        # By its importable name, also when this file runs as ``python -m tests.loadtest``.
        from tests.loadtest import _forked_worker

        ctx = _forkserver_context()
        self.process = ctx.Process(target=_forked_worker, args=(argv, go, wait_s), daemon=True)
        with _without_main_module():
            self.process.start()
        self.event = go

    def alive(self) -> bool:
        return bool(self.process.is_alive())

    def go(self) -> None:
        self.event.set()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()  # SIGKILL to this pid only

    def wait(self, timeout: float) -> int | None:
        self.process.join(timeout)
        code: int | None = self.process.exitcode
        return code


_FORKSERVER_PRELOAD = [
    "tests.loadtest",
    "sqlalchemy",
    "sqlmodel",
    "annotator.store.engine",
    "annotator.store.labels",
    "annotator.store.models",
    "annotator.exchange.schemas",
]


@contextmanager
def _without_main_module() -> Iterator[None]:
    """Start a child without multiprocessing's re-import of the parent's ``__main__``.

    The target lives in this module, importable by name; re-running the caller's script in
    every worker (pytest's, a bench's, a ``python -`` script that cannot be re-read) is
    neither needed nor safe. The parent is single-threaded while it starts workers.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _forkserver_context() -> Any:
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_FORKSERVER_PRELOAD)  # ignored if the forkserver already runs
    return ctx


def run_load(
    db_url: str,
    *,
    workers: int,
    saves_per_worker: int,
    kill_after_s: float | None = None,
    seed: int = 0,
    log_dir: Path,
    kill_at_fraction: float | None = None,
    sentences: int = SENTENCES,
    think_ms: float = 0.0,
    ready_timeout_s: float = 300.0,
    run_timeout_s: float = 600.0,
    keep_schema: bool = False,
    launcher: str = "forkserver",
) -> LoadResult:
    """Run ``workers`` annotator processes against ``db_url``; verify the database afterwards.

    ``kill_after_s``: SIGKILL every worker still running this many seconds after the start
    signal; ``kill_at_fraction``: or as soon as that fraction of all saves is acknowledged
    (whichever comes first). Neither: the workers run to the end. ``launcher``:
    ``"forkserver"`` (multiprocessing, fast to start) or ``"subprocess"``
    (``python -m tests.loadtest worker``, a fresh interpreter each).
    """
    if launcher not in ("forkserver", "subprocess"):
        raise ValueError(f"launcher must be 'forkserver' or 'subprocess', not {launcher!r}")
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:10]
    postgres = _is_postgres(db_url)
    result = LoadResult(
        backend="postgresql" if postgres else "sqlite", workers=workers, saves_per_worker=saves_per_worker
    )
    url = db_url
    app_name = f"lt_{run_id}"
    if postgres:
        result.schema = f"lt_{run_id}"
        _create_schema(db_url, result.schema)
        url = _with_query(db_url, options=f"-csearch_path={result.schema}")
    procs: list[_Proc] = []
    try:
        t_setup = time.monotonic()
        doc_id, user_ids = _prepare(url, run_id=run_id, workers=workers, sentences=sentences)
        result.setup_s = time.monotonic() - t_setup
        worker_url = _with_query(url, application_name=app_name) if postgres else url
        logs = [log_dir / f"worker-{run_id}-{w:03d}.jsonl" for w in range(workers)]
        go_event = _forkserver_context().Event() if launcher == "forkserver" else None
        for w, user_id in enumerate(user_ids):
            argv = [
                "--db-url",
                worker_url,
                "--doc-id",
                doc_id,
                "--user-id",
                str(user_id),
                "--saves",
                str(saves_per_worker),
                "--seed",
                f"{seed}-{w}",
                "--log",
                str(logs[w]),
                "--max-seconds",
                str(run_timeout_s),
                "--think-ms",
                str(think_ms),
            ]
            if go_event is not None:
                procs.append(_ForkserverProc(argv, go_event, ready_timeout_s + 60))
            else:
                procs.append(_SubprocessProc(argv, log_dir / f"worker-{run_id}-{w:03d}.stderr"))

        # Everyone imported and connected before the clock starts.
        offsets: dict[Path, int] = {}
        ready = 0
        deadline = time.monotonic() + ready_timeout_s
        while ready < workers and time.monotonic() < deadline:
            ready += sum(_count_in_new_bytes(p, offsets, b'"k":"ready"') for p in logs)
            if any(not p.alive() for p in procs):
                break
            time.sleep(0.05)
        if ready < workers:
            result.problem(f"only {ready} of {workers} workers got ready in {ready_timeout_s:.0f} s")

        t_go = time.time()
        go_mono = time.monotonic()
        result.startup_s = go_mono - t_setup - result.setup_s
        for p in procs:
            p.go()  # one shared event for the forkserver workers: the first call starts all

        total = workers * saves_per_worker
        acked = 0  # offsets carry on from the ready lines: warm-up acks are not counted
        kill_time: float | None = None
        run_deadline = go_mono + run_timeout_s
        while True:
            running = [p for p in procs if p.alive()]
            if not running:
                break
            now = time.monotonic()
            if kill_at_fraction is not None:
                acked += sum(_count_in_new_bytes(p, offsets, b'"k":"ack"') for p in logs)
            due = (kill_after_s is not None and now - go_mono >= kill_after_s) or (
                kill_at_fraction is not None and acked >= kill_at_fraction * total
            )
            if due or now > run_deadline:
                if now > run_deadline and not due:
                    result.problem(f"run did not finish within {run_timeout_s:.0f} s: workers killed")
                kill_time = time.time()
                for p in running:
                    p.kill()
                break
            time.sleep(0.01)
        codes: list[int | None] = []
        for p in procs:
            code = p.wait(timeout=30)
            if code is None:
                p.kill()
                code = p.wait(timeout=30)
            codes.append(code)
        for code, path in zip(codes, logs, strict=True):
            if code not in (0, -signal.SIGKILL):
                err_path = path.with_suffix(".stderr")
                tail = err_path.read_text(errors="replace")[-1500:] if err_path.exists() else "(see stderr)"
                result.problem(f"worker {path.name} exited with {code}: {tail.strip()}")
                if not path.exists() or b'"k":"error"' not in path.read_bytes():
                    result.errors += 1  # died without logging why

        if postgres:
            left = _wait_for_backends_gone(db_url, app_name)
            if left:
                result.problem(f"{left} worker backends still connected after the kill")

        t_verify = time.monotonic()
        records = [_read_log(p) for p in logs]
        _verify(url, doc_id=doc_id, user_ids=user_ids, records=records, result=result)
        result.verify_s = time.monotonic() - t_verify
        acks = [r for rs in records for r in rs if r["k"] == "ack" and not r.get("warm")]
        latencies = [float(r["ms"]) for r in acks]
        result.p50_ms = statistics.median(latencies) if latencies else 0.0
        result.p99_ms = percentile(latencies, 99)
        result.max_ms = max(latencies, default=0.0)
        # Where the time of a save went: on a CPU, waiting for one, or waiting for something
        # else (the database lock, the server, I/O). Means over all saves and over the slowest 1%.
        cpu = [float(r.get("cpu_ms", 0.0)) for r in acks]
        runq = [float(r.get("runq_ms", 0.0)) for r in acks]
        if acks:
            slow = sorted(range(len(acks)), key=lambda i: latencies[i])[-max(1, len(acks) // 100) :]
            for name, idx in (("all", range(len(acks))), ("slowest 1%", slow)):
                n = len(idx)
                result.breakdown[name] = {
                    "wall_ms": sum(latencies[i] for i in idx) / n,
                    "cpu_ms": sum(cpu[i] for i in idx) / n,
                    "cpu_wait_ms": sum(runq[i] for i in idx) / n,
                    "other_wait_ms": sum(latencies[i] - cpu[i] - runq[i] for i in idx) / n,
                }
        if ready < workers and result.errors == 0:
            result.errors = workers - ready
        if any(code == 2 for code in codes):
            result.problem("a worker gave up waiting for the start signal")
        end = max((float(r["ts"]) for r in acks), default=kill_time or time.time())
        result.elapsed_s = max(end - t_go, 1e-9)
        result.throughput = len(acks) / result.elapsed_s if acks else 0.0
        result.finished = sum(1 for rs in records if any(r["k"] == "done" for r in rs))
        result.killed = sum(
            1
            for code, rs in zip(codes, records, strict=True)
            if code == -signal.SIGKILL and not any(r["k"] in ("done", "error") for r in rs)
        )
        return result
    finally:
        for p in procs:
            if p.alive():
                p.kill()
                p.wait(timeout=30)
        if postgres and result.schema and not keep_schema:
            _drop_schema(db_url, result.schema)


# --- the parent: verify ------------------------------------------------------------


def _values_of(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in LABEL_FIELDS}


def _norm(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple((bool(values[n]) if n in ("is_claim", "flagged") else values[n]) for n in LABEL_FIELDS)


def _verify(
    url: str, *, doc_id: str, user_ids: list[int], records: list[list[dict[str, Any]]], result: LoadResult
) -> None:
    """Compare the logs with the label and label_history tables (one consistent read)."""
    from sqlmodel import Session, col, select

    from annotator.store.engine import make_engine
    from annotator.store.models import Label, LabelHistory, Sentence

    # Per (sentence, user): acknowledged saves in order, and the one save in flight at the end.
    acked: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    pending: dict[tuple[int, int], dict[str, Any]] = {}
    for rs in records:
        intents: dict[int, dict[str, Any]] = {}
        done: set[int] = set()
        last_seq = -1
        for r in rs:
            if r["k"] == "intent":
                intents[r["seq"]] = r
                last_seq = max(last_seq, r["seq"])
            elif r["k"] == "ack":
                if r.get("warm"):
                    result.warmup += 1
                else:
                    result.acknowledged += 1
                done.add(r["seq"])
                key = (r["sentence_id"], r["user_id"])
                acked[key].append(r)
                if r["seq"] not in intents:
                    result.mismatched += 1
                    result.problem(f"ack without intent: {r}")
                elif intents[r["seq"]]["values"] != r["values"]:
                    result.mismatched += 1
                    result.problem(f"ack differs from its intent: {r}")
            elif r["k"] == "error":
                result.errors += 1
                if r.get("locked"):
                    result.locked_errors += 1
                result.problem(f"worker error (user {r.get('user_id')}): {r.get('error')}")
        open_seqs = sorted(set(intents) - done)
        if len(open_seqs) > 1 or (open_seqs and open_seqs[0] != last_seq):
            result.mismatched += 1
            result.problem(f"more than one unacknowledged save in one log: seqs {open_seqs}")
        for seq in open_seqs:
            r = intents[seq]
            result.in_flight += 1
            pending[(r["sentence_id"], r["user_id"])] = r

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            if engine.dialect.name == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            sentence_ids = set(session.exec(select(Sentence.id).where(Sentence.document_id == doc_id)).all())
            labels = list(session.exec(select(Label).where(col(Label.user_id).in_(user_ids))).all())
            history = list(
                session.exec(
                    select(LabelHistory)
                    .where(col(LabelHistory.user_id).in_(user_ids))
                    .order_by(col(LabelHistory.version), col(LabelHistory.id))
                ).all()
            )
    finally:
        engine.dispose()
    result.labels, result.history = len(labels), len(history)

    by_key: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for label in labels:
        by_key[(label.sentence_id, label.user_id)].append(label)
    hist_by_key: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for h in history:
        hist_by_key[(h.sentence_id, h.user_id)].append(h)

    # (d) one label per (sentence, user); no label nobody saved.
    for key, rows in by_key.items():
        if len(rows) > 1:
            result.duplicated += len(rows) - 1
            result.problem(f"{len(rows)} labels for (sentence, user) {key}")
        if key not in acked and key not in pending:
            result.mismatched += 1
            result.problem(f"label {key} that no worker saved")
        if key[0] not in sentence_ids:
            result.mismatched += 1
            result.problem(f"label {key} on a sentence outside the test article")
    for key in hist_by_key:
        if key not in acked and key not in pending:
            result.mismatched += 1
            result.problem(f"history for {key} that no worker saved")

    for key in set(acked) | set(pending):
        saves = acked.get(key, [])
        flight = pending.get(key)
        rows = by_key.get(key, [])
        hist = hist_by_key.get(key, [])
        # What the history must hold: each acknowledged save that changed something.
        expected: list[tuple[Any, ...]] = []
        for s in saves:
            values = _norm(s["values"])
            if not expected or expected[-1] != values:
                expected.append(values)
        if len(expected) != sum(1 for s in saves if s.get("kind") != "same"):
            result.mismatched += 1
            result.problem(f"{key}: the log's own save kinds do not add up (test bug)")
        allowed = [expected]
        if flight is not None and (not expected or _norm(flight["values"]) != expected[-1]):
            allowed.append([*expected, _norm(flight["values"])])
        got = [_norm(_values_of(h)) for h in hist]

        # (c) history versions 1..n, no gaps or duplicates; one label id.
        versions = [h.version for h in hist]
        duplicated = len(versions) - len(set(versions))
        if duplicated:
            result.problem(f"{key}: duplicate history versions {versions}")
        elif versions != list(range(1, len(versions) + 1)):
            result.mismatched += 1
            result.problem(f"{key}: history versions have gaps {versions}")
        if rows and any(h.label_id != rows[0].id for h in hist):
            result.mismatched += 1
            result.problem(f"{key}: history rows of another label id {[h.label_id for h in hist]}")

        if got not in allowed:
            # Count what is missing and what is extra, matching the history in order.
            matched = 0
            for values in got:
                if matched < len(expected) and values == expected[matched]:
                    matched += 1
            missing = len(expected) - matched
            flight_row = flight is not None and bool(got) and got[-1] == _norm(flight["values"])
            extra = len(got) - matched - (1 if flight_row else 0)
            result.lost += missing
            duplicated = max(duplicated, extra)
            if not missing and extra <= 0:
                result.mismatched += 1
            result.problem(
                f"{key}: history {got} but acknowledged {expected}"
                + (f" (+ in flight {_norm(flight['values'])})" if flight else "")
            )
        elif flight is not None and len(got) > len(expected):
            result.in_flight_committed += 1
        result.duplicated += duplicated

        # (a)+(b) the current label is the last acknowledged save, or the one in flight after it.
        if not rows:
            if expected:
                result.lost += 1 if got in allowed else 0  # already counted via history otherwise
                result.problem(f"{key}: no label, but {len(saves)} acknowledged saves")
            continue
        label = rows[0]
        current = _norm(_values_of(label))
        options = {expected[-1]} if expected else set()
        if flight is not None:
            options.add(_norm(flight["values"]))
        if current not in options:
            result.mismatched += 1
            result.problem(f"{key}: current label {current}, acknowledged last {expected[-1:]} ")
        elif got and current != got[-1]:
            result.mismatched += 1
            result.problem(f"{key}: current label {current} is not its last history row {got[-1]}")
        if label.version != len(hist):
            result.mismatched += 1
            result.problem(f"{key}: label version {label.version} but {len(hist)} history rows")
        # The version each acknowledged save returned matches its place in the history.
        changes = 0
        previous: tuple[Any, ...] | None = None
        for s in saves:
            values = _norm(s["values"])
            if values != previous:
                changes += 1
                previous = values
            if s.get("version") is not None and s["version"] != changes:
                result.mismatched += 1
                result.problem(
                    f"{key}: save seq {s['seq']} returned version {s['version']}, expected {changes}"
                )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "worker":
        return worker_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m tests.loadtest")
    parser.add_argument("--db-url", default=None, help="default: a SQLite file in --log-dir")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--saves", type=int, default=60)
    parser.add_argument("--kill-after", type=float, default=None)
    parser.add_argument("--kill-at-fraction", type=float, default=None)
    parser.add_argument("--think-ms", type=float, default=0.0)
    parser.add_argument("--log-dir", type=Path, default=Path("/tmp/annotator-loadtest"))
    args = parser.parse_args(argv)
    url = args.db_url or f"sqlite:///{args.log_dir / 'loadtest.db'}"
    result = run_load(
        url,
        workers=args.workers,
        saves_per_worker=args.saves,
        kill_after_s=args.kill_after,
        kill_at_fraction=args.kill_at_fraction,
        think_ms=args.think_ms,
        log_dir=args.log_dir,
    )
    print(result.summary())
    for problem in result.problems:
        print("  -", problem)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
