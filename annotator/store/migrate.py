"""Schema versions with Alembic: create, stamp, upgrade — with a SQLite backup before upgrading."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from annotator.domain.errors import AnnotatorError
from annotator.store import models  # noqa: F401  (registers the tables)

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
    file, a copy is written beside it.
    """
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
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target
