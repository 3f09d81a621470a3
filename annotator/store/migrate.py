"""Schema versions with Alembic: create, stamp, upgrade — with a SQLite backup before upgrading."""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from annotator.domain.errors import AnnotatorError, StoreFullError
from annotator.store import models  # noqa: F401  (registers the tables)
from annotator.store.engine import write_lock

MIGRATIONS = Path(__file__).with_name("migrations")
FIRST_REVISION = "0001"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class SchemaReport:
    before: str | None
    after: str
    created: bool
    backup: Path | None


def prepare_schema(engine: Engine, *, backup: bool = True) -> SchemaReport:
    """Bring the store to the newest schema.

    An empty store gets every table at once and is stamped with the head revision (the
    migration test proves both ways give the same schema). A store made without Alembic is
    taken as head when it has every table, else as revision 1. Before upgrading a SQLite
    file, a copy is written beside it. Two programs preparing one store at once take turns
    (two app servers starting, two ``db upgrade``): the second finds the work done.
    """
    head = head_revision()
    if current_revision(engine) == head:  # the common case: no lock, no wait behind a writer
        return SchemaReport(before=head, after=head, created=False, backup=None)
    with _one_at_a_time(engine):
        return _prepare_schema(engine, backup=backup)


SCHEMA_LOCK_KEY = 0x616E6E6F
"""PostgreSQL advisory lock held while a program creates or upgrades the schema ("anno")."""
SCHEMA_LOCK_TIMEOUT_S = 600.0
"""A long upgrade of a big SQLite store may take minutes; the second program waits that long."""


@contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as holder:
            holder.execute(select(func.pg_advisory_lock(SCHEMA_LOCK_KEY)))
            try:
                yield
            finally:
                holder.execute(select(func.pg_advisory_unlock(SCHEMA_LOCK_KEY)))
                holder.commit()
        return
    with write_lock(engine, timeout_s=SCHEMA_LOCK_TIMEOUT_S):
        yield


def _prepare_schema(engine: Engine, *, backup: bool) -> SchemaReport:
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        before = MigrationContext.configure(connection).get_current_revision()
    head = head_revision()
    if "label" not in tables:
        with engine.begin() as connection:
            SQLModel.metadata.create_all(connection)
            command.stamp(_config(connection), head)
        return SchemaReport(before=None, after=head, created=True, backup=None)
    if before is None:
        # Made by create_all, without Alembic: complete means head, else the first release.
        before = head if set(SQLModel.metadata.tables) <= tables else FIRST_REVISION
        with engine.begin() as connection:
            command.stamp(_config(connection), before)
    copy = None
    if before != head:
        if backup and sqlite_file(engine) is not None:
            copy = backup_sqlite(engine, default_backup_path(engine, before))
        upgrade(engine)
    return SchemaReport(before=before, after=head, created=False, backup=copy)


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (None for memory or another database)."""
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    return Path(engine.url.database)


def default_backup_path(engine: Engine, revision: str | None) -> Path:
    path = sqlite_file(engine)
    assert path is not None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return path.with_name(f"{path.name}.backup-rev{revision or 'none'}-{stamp}")


def backup_sqlite(engine: Engine, target: Path) -> Path:
    """A consistent copy of a live SQLite store (the online backup API: writers may go on)."""
    source_path = sqlite_file(engine)
    if source_path is None:
        raise AnnotatorError(
            f"'annotator backup' copies SQLite stores; this store is {engine.dialect.name}. "
            "For PostgreSQL use: pg_dump --format=custom --file=annotator.dump DBNAME "
            "(restore with pg_restore --clean --dbname=DBNAME annotator.dump)"
        )
    if target.exists():
        raise AnnotatorError(f"{target} exists already: choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name (mode 0600, like the store) and renamed when complete: a
    # backup cut short, by a full disk say, never lies under the final name.
    fd, part = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(part)) as copy:
            source.backup(copy)
        os.replace(part, target)
    except (sqlite3.Error, OSError) as error:
        Path(part).unlink(missing_ok=True)
        if _out_of_space(error):
            raise StoreFullError(
                f"no space left for the backup {target}: nothing was written — free some space "
                "or choose another disk"
            ) from None
        raise AnnotatorError(f"could not write the backup {target}: {error}") from None
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    return target


def _out_of_space(error: BaseException) -> bool:
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    return "full" in str(error).lower()
