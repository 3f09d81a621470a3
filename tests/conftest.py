"""Shared fixtures: a fresh database per test — in-memory SQLite always, and PostgreSQL too
when ANNOTATOR_TEST_PG_URL is set (each test in its own schema, dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.store.engine import create_tables, make_engine

PG_URL = os.environ.get("ANNOTATOR_TEST_PG_URL")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def fresh_login_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failed logins are counted per app process: each test starts with none counted."""
    from annotator.domain.passwords import LoginThrottle
    from annotator.store import users

    monkeypatch.setattr(users, "LOGIN_THROTTLE", LoginThrottle(), raising=False)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip(
            "PostgreSQL tests need ANNOTATOR_TEST_PG_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    admin = make_engine(PG_URL)
    yield admin
    admin.dispose()


def pg_schema_url(admin: Engine) -> tuple[str, str]:
    """A new empty schema and a URL whose connections use it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in str(PG_URL) else "?"
    return schema, f"{PG_URL}{separator}options=-csearch_path%3D{schema}"


def drop_pg_schema(admin: Engine, schema: str) -> None:
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def _database_url(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url
        return
    admin = request.getfixturevalue("pg_admin")
    schema, url = pg_schema_url(admin)
    try:
        yield url
    finally:
        drop_pg_schema(admin, schema)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """In-memory SQLite, or a fresh PostgreSQL schema."""
    yield from _database_url(request, "sqlite://")


@pytest.fixture(params=BACKENDS)
def file_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file (for servers and AppTest, which open their own connections), or PostgreSQL."""
    yield from _database_url(request, f"sqlite:///{tmp_path / 'annotator.db'}")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    create_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
