"""Engines and sessions: SQLite tuned for many readers and one writer, or any SQLAlchemy URL."""

from __future__ import annotations

import fcntl
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

from annotator.domain.errors import StoreBusyError, StoreFullError
from annotator.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from annotator.store.driver import begin_immediate, set_sqlite_pragmas

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_LOCK_TIMEOUT_S = 10.0
"""How long a write waits for another program's write (an import) before it gives up with a
message: a stalled writer must not freeze every save without limit."""
PRIVATE_FILE_MODE = 0o600
"""The database, its lock file and backups hold password hashes and everyone's labels."""


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    >>> make_engine("sqlite://").dialect.name
    'sqlite'
    """
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            # One shared connection keeps an in-memory database alive across sessions.
            poolclass=StaticPool if in_memory else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if not in_memory and engine.url.database:
            create_private_file(engine.url.database)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def create_private_file(path: str | os.PathLike[str]) -> None:
    """Create ``path`` empty and readable by its owner only, unless it exists (SQLite then keeps
    the mode for its -wal and -shm files)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        pass
    except OSError:
        pass  # a folder that does not exist, say: SQLite's own error on connecting says it better


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    set_sqlite_pragmas(dbapi_connection, SQLITE_BUSY_TIMEOUT_MS)


def create_tables(engine: Engine) -> None:
    """Create every table that does not exist yet."""
    SQLModel.metadata.create_all(engine)


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_LOCK_FILES: dict[str, int] = {}
_REGISTRY_LOCK = threading.Lock()


@contextmanager
def write_lock(engine: Engine, *, timeout_s: float | None = None) -> Iterator[None]:
    """Queue SQLite writers instead of letting them poll SQLite for the database lock.

    SQLite's busy handler sleeps in growing steps, so under many writers an unlucky save can
    miss its turn for a second or more. A thread lock (annotators of one app server are
    threads) plus an ``flock`` on a file beside the database (other processes, the CLI) hands
    the lock over within a millisecond or two of it being free. A writer that waits longer than
    ``timeout_s`` (default ``WRITE_LOCK_TIMEOUT_S``) gets StoreBusyError, never an endless wait.
    PostgreSQL needs none of this: it locks rows.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    timeout = WRITE_LOCK_TIMEOUT_S if timeout_s is None else timeout_s
    deadline = time.monotonic() + timeout
    key = engine.url.database or ":memory:"
    with _REGISTRY_LOCK:
        thread_lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
        if key not in (":memory:", "") and key not in _LOCK_FILES:
            _LOCK_FILES[key] = os.open(f"{key}.writelock", os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
        fd = _LOCK_FILES.get(key)
    if not thread_lock.acquire(timeout=timeout):
        raise _busy(timeout)
    try:
        if fd is not None:
            _flock_until(fd, deadline, timeout)
        try:
            yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        thread_lock.release()


def _flock_until(fd: int, deadline: float, timeout: float) -> None:
    """An exclusive flock, polled in short steps so that the wait can end (a blocking flock cannot)."""
    step = 0.0002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _busy(timeout) from None
            time.sleep(min(step, left))
            step = min(step * 2, 0.002)


def _busy(timeout: float) -> StoreBusyError:
    return StoreBusyError(
        f"the database is busy: another program has been writing for over {timeout:g} s "
        "(an import, a backup?); nothing was saved — try again in a moment"
    )


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write on SQLite (``BEGIN IMMEDIATE``).

    pysqlite otherwise begins at the first write, after the reads of a read-modify-write,
    so two writers could both read version n and both write n + 1.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        begin_immediate(connection)


def run_write(session: Session, action: Callable[[], T], *, again_on_conflict: bool = False) -> T:
    """Run a read-modify-write transaction: queued, begun as a write, retried while busy.

    ``action`` commits; whatever it raises rolls the transaction back here. It is run again
    from the start on a retry, so it re-reads what it depends on. ``again_on_conflict``: run it
    once more after a unique-key conflict (another writer inserted the same row first; the
    second run finds it there).
    """

    def attempt() -> T:
        begin_write(session)
        try:
            return action()
        except BaseException:
            session.rollback()
            raise

    def run() -> T:
        with write_lock(session.get_bind()):  # type: ignore[arg-type]
            return with_write_retry(attempt)

    if not again_on_conflict:
        return run()
    try:
        return run()
    except IntegrityError:
        return run()


def is_lock_error(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "database is locked" in text or "deadlock detected" in text or "could not serialize" in text


def is_disk_full(error: Exception) -> bool:
    text = str(getattr(error, "orig", error)).lower()
    return "database or disk is full" in text or "no space left on device" in text


def is_disk_error(error: Exception) -> bool:
    """SQLite reports a write the disk refused as "disk I/O error" unless errno was ENOSPC
    (a file-size limit, a quota, a failing disk)."""
    return "disk i/o error" in str(getattr(error, "orig", error)).lower()


def store_error(error: OperationalError) -> StoreBusyError | StoreFullError | None:
    """The message for a database error the user can act on (busy, disk full), or None."""
    if is_disk_full(error):
        return StoreFullError(
            "the disk holding the database is full: nothing was saved — free some space, then try again"
        )
    if is_disk_error(error):
        return StoreFullError(
            "the database could not write to its disk (full, over a quota, or failing?): nothing was "
            "saved — free some space, then try again"
        )
    if is_lock_error(error):
        return StoreBusyError(
            "the database stayed busy (another program is writing); nothing was saved — try again"
        )
    return None


def with_write_retry(action: Callable[[], T], *, attempts: int = 8, first_wait_s: float = 0.01) -> T:
    """Run a write, retrying with jittered exponential backoff while the database is busy.

    SQLite's busy timeout already waits for the lock; this covers the cases it cannot
    (a lock upgrade inside a transaction, a PostgreSQL serialisation failure), bounded so
    that a stuck database still reaches the user as an error — a StoreBusyError, or a
    StoreFullError when the disk is full, with a message instead of a traceback.
    """
    wait = first_wait_s
    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as error:
            if attempt == attempts - 1 or not is_lock_error(error):
                friendly = store_error(error)
                if friendly is None:
                    raise
                raise friendly from error
            time.sleep(wait * (1 + random.random()))
            wait *= 2
    raise AssertionError("unreachable")
