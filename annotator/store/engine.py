"""Engines and sessions: SQLite tuned for many readers and one writer, or any SQLAlchemy URL."""

from __future__ import annotations

import fcntl
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

from annotator.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 10_000


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
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets annotators read while one of them writes; NORMAL sync is durable across
    # a killed process (only an OS crash may lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def create_tables(engine: Engine) -> None:
    """Create every table that does not exist yet."""
    SQLModel.metadata.create_all(engine)


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_LOCK_FILES: dict[str, int] = {}
_REGISTRY_LOCK = threading.Lock()


@contextmanager
def write_lock(engine: Engine) -> Iterator[None]:
    """Queue SQLite writers in the kernel instead of letting them poll for the database lock.

    SQLite's busy handler sleeps in growing steps, so under many writers an unlucky save can
    miss its turn for a second or more. A thread lock (annotators of one app server are
    threads) plus an ``flock`` on a file beside the database (other processes, the CLI) hands
    the lock over as soon as it is free. PostgreSQL needs none of this: it locks rows.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    key = engine.url.database or ":memory:"
    with _REGISTRY_LOCK:
        thread_lock = _THREAD_LOCKS.setdefault(key, threading.Lock())
        if key not in (":memory:", "") and key not in _LOCK_FILES:
            _LOCK_FILES[key] = os.open(f"{key}.writelock", os.O_RDWR | os.O_CREAT, 0o644)
        fd = _LOCK_FILES.get(key)
    with thread_lock:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write on SQLite (``BEGIN IMMEDIATE``).

    pysqlite otherwise begins at the first write, after the reads of a read-modify-write,
    so two writers could both read version n and both write n + 1.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def run_write(session: Session, action: Callable[[], T]) -> T:
    """Run a read-modify-write transaction: queued, begun as a write, retried while busy.

    ``action`` must commit, or roll back and re-raise; it is run again from the start on a
    retry, so it re-reads what it depends on.
    """

    def attempt() -> T:
        begin_write(session)
        return action()

    with write_lock(session.get_bind()):  # type: ignore[arg-type]
        return with_write_retry(attempt)


def driver_sql(dialect: str, sql: str) -> str:
    """A statement written with ``?`` in the driver's own parameter style (psycopg: ``%s``).

    Hot paths (a save, a bulk import) skip SQLAlchemy's statement building this way.
    """
    return sql if dialect == "sqlite" else sql.replace("?", "%s")


def fetch_rows(session: Session, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows as plain tuples, straight from the driver's cursor (``sql`` written with ``?``).

    For the reads behind every key press: there, building SQLAlchemy's Row objects cost more
    than running the queries.
    """
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(driver_sql(connection.dialect.name, sql), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def stored_time(dialect: str, moment: datetime) -> Any:
    """A UTC datetime as SQLAlchemy stores it: text on SQLite, the datetime on PostgreSQL."""
    if dialect == "sqlite":
        # isoformat, not strftime: %Y drops the leading zeros of years before 1000.
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return moment


def is_lock_error(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "database is locked" in text or "deadlock detected" in text or "could not serialize" in text


def with_write_retry(action: Callable[[], T], *, attempts: int = 8, first_wait_s: float = 0.01) -> T:
    """Run a write, retrying with jittered exponential backoff while the database is busy.

    SQLite's busy timeout already waits for the lock; this covers the cases it cannot
    (a lock upgrade inside a transaction, a PostgreSQL serialisation failure), bounded so
    that a stuck database still reaches the user as an error.
    """
    wait = first_wait_s
    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as error:
            if attempt == attempts - 1 or not is_lock_error(error):
                raise
            time.sleep(wait * (1 + random.random()))
            wait *= 2
    raise AssertionError("unreachable")
