"""Alembic migrations: revision 1 with labels, history and gold upgrades to head and keeps every row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from annotator.domain.label import LabelValue
from annotator.exchange.import_labels import import_labels_file
from annotator.store import gold
from annotator.store.engine import make_engine
from annotator.store.migrate import (
    FIRST_REVISION,
    current_revision,
    downgrade,
    head_revision,
    prepare_schema,
    upgrade,
)
from tests.helpers import add_user, label
from tests.test_gold import SAMPLE_LABELS

REVISION_1_TABLES = [
    "document",
    "sentence",
    "source",
    "user",
    "label",
    "label_history",
    "gold_label",
    "gold_history",
    "login_session",
    "project_setting",
]


DROPPED_LATER = {"user": {"locked_until"}}
"""Revision 1's columns a later revision drops (0007: nothing read ``locked_until``)."""


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of revision 1's tables, in revision 1's columns (later revisions add some and
    drop the ones in ``DROPPED_LATER``)."""
    rows = {}
    with engine.connect() as connection:
        for table in REVISION_1_TABLES:
            kept = [c for c in _REVISION_1_COLUMNS[table] if c not in DROPPED_LATER.get(table, set())]
            columns = ", ".join(f'"{column}"' for column in kept)
            query = text(f'SELECT {columns} FROM "{table}" ORDER BY 1, 2')
            rows[table] = [tuple(row) for row in connection.execute(query)]
    return rows


_REVISION_1_COLUMNS: dict[str, list[str]] = {}


def _at_revision_1_with_data(url: str) -> Engine:
    """A store at revision 1 holding what people had then: labelled with today's code (which
    writes columns revision 1 lacks), then taken down to revision 1, which keeps its rows."""
    engine = make_engine(url)
    upgrade(engine, FIRST_REVISION)
    columns = {table: [c["name"] for c in inspect(engine).get_columns(table)] for table in REVISION_1_TABLES}
    _REVISION_1_COLUMNS.update(columns)
    upgrade(engine)
    import_labels_file(engine, SAMPLE_LABELS)  # documents, sentences, sources, users, labels, history
    reviewer = add_user(engine, "rita")
    with Session(engine) as session:
        gold.settle_gold(session=session, policy="unanimous")
        queue_item = gold.review_queue(session=session)[0]
        gold.decide(
            session=session,
            sentence_id=queue_item.sentence_id,
            reviewer_id=reviewer,
            value=LabelValue(is_claim=True, source="intercepts", confidence=4),
            rationale="checked",
        )
    engine.dispose()
    engine = make_engine(url)
    downgrade(engine, FIRST_REVISION)
    assert current_revision(engine) == FIRST_REVISION
    assert "assignment" not in inspect(engine).get_table_names()
    assert {t: [c["name"] for c in inspect(engine).get_columns(t)] for t in REVISION_1_TABLES} == columns
    return engine


def test_revision_1_upgrades_to_head_keeping_every_row(file_db_url: str) -> None:
    engine = _at_revision_1_with_data(file_db_url)
    before = _rows(engine)
    assert (
        len(before["label"]) == 51 and len(before["label_history"]) == 51 and len(before["gold_label"]) == 10
    )
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert _rows(engine) == before
    assert "assignment" in inspect(engine).get_table_names()
    # The upgraded store works: a new label and its history row.
    label(engine, 1, 0, doc_id="france24-sessions-kislyak", is_claim=False)
    assert len(_rows(engine)["label_history"]) == 52
    engine.dispose()


def test_migrations_build_exactly_the_models_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    engine.dispose()


def test_downgrade_to_revision_1(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    downgrade(engine, FIRST_REVISION)
    assert current_revision(engine) == FIRST_REVISION
    assert "assignment" not in inspect(engine).get_table_names()
    engine.dispose()


def test_revision_7_drops_the_unread_lockout_column_and_its_downgrade_brings_it_back(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0006")
    add_user(engine, "ana")

    def user_columns() -> dict[str, bool]:
        inspector = inspect(engine)
        return {c["name"]: c["nullable"] for c in inspector.get_columns("user")}

    assert user_columns()["locked_until"] is True
    upgrade(engine, "0007")
    assert "locked_until" not in user_columns()
    downgrade(engine, "0006")
    assert user_columns()["locked_until"] is True
    with engine.connect() as connection:
        assert connection.execute(text('SELECT name, locked_until FROM "user"')).all() == [("ana", None)]
    engine.dispose()


def test_prepare_schema_backs_up_sqlite_before_upgrading(tmp_path: Path) -> None:
    engine = _at_revision_1_with_data(f"sqlite:///{tmp_path / 'annotator.db'}")
    before = _rows(engine)
    report = prepare_schema(engine)
    assert (report.before, report.after) == (FIRST_REVISION, head_revision())
    assert report.backup is not None and report.backup.exists()
    copy = make_engine(f"sqlite:///{report.backup}")
    assert current_revision(copy) == FIRST_REVISION
    assert _rows(copy) == before
    assert prepare_schema(engine).backup is None  # nothing to upgrade, no new copy
    copy.dispose()
    engine.dispose()


def test_empty_store_is_created_at_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    report = prepare_schema(engine)
    assert report.created and current_revision(engine) == head_revision()
    engine.dispose()


def test_backup_of_postgresql_explains_pg_dump(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("only meaningful on PostgreSQL")
    from annotator.domain.errors import AnnotatorError
    from annotator.store.migrate import backup_sqlite

    with pytest.raises(AnnotatorError, match="pg_dump"):
        backup_sqlite(make_engine(db_url), Path("x.db"))
