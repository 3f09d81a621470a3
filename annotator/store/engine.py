"""Engines and sessions: SQLite tuned for many readers and one writer, or any SQLAlchemy URL."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


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
