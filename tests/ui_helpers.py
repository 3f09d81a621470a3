"""AppTest set-up: the real app file on a fresh SQLite file per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from annotator.store.engine import create_tables, make_engine
from annotator.ui import common

APP = str(Path(__file__).resolve().parents[1] / "annotator" / "ui" / "app.py")


def app_engine(url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The app's store at ``url`` (the ``file_db_url`` fixture: a SQLite file or a PostgreSQL schema)."""
    monkeypatch.setenv("ANNOTATOR_DB_URL", url)
    common.engine.clear()  # the engine is a cache_resource shared by every AppTest in this process
    engine = make_engine(url)
    create_tables(engine)
    return engine


def app_as(user_id: int | None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if user_id is not None:
        at.session_state["user_id"] = user_id
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at
