"""Alembic environment: runs on the connection annotator hands it (see annotator.store.migrate)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from annotator.store import models  # noqa: F401  (the tables, for autogenerate)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite cannot ALTER most things in place: batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
