"""First start: tables, the sample article and an admin account on an empty database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from annotator.domain import passwords
from annotator.exchange.articles import load_sample_article
from annotator.store import documents, users
from annotator.store.migrate import SchemaReport, prepare_schema
from annotator.store.models import Role, UserCreate

ADMIN_NAME = "admin"


@dataclass(frozen=True)
class BootstrapReport:
    sample_imported: bool
    admin_created: bool
    generated_admin_password: str | None
    """Handed to the person starting the app once, never stored in the database in clear."""
    schema: SchemaReport
    admin_password_ignored: bool = False
    """ANNOTATOR_ADMIN_PASSWORD was given but the store has accounts already."""


def prepare_database(engine: Engine, *, admin_password: str | None = None) -> BootstrapReport:
    """Bring the schema up to date (backing up SQLite first); on an empty database also import
    the sample article and add ``admin``."""
    schema = prepare_schema(engine)
    with Session(engine, expire_on_commit=False) as session:
        sample_imported = False
        if not documents.list_documents(session=session):
            documents.add_articles(session=session, drafts=[load_sample_article()])
            sample_imported = True
        generated = None
        admin_created = False
        has_users = users.count_users(session=session) > 0
        if not has_users:
            password = admin_password or passwords.generate_password()
            generated = None if admin_password else password
            users.create_user(
                session=session, user_in=UserCreate(name=ADMIN_NAME, role=Role.admin, password=password)
            )
            admin_created = True
    ignored = has_users and admin_password is not None
    return BootstrapReport(sample_imported, admin_created, generated, schema, admin_password_ignored=ignored)
