"""The user table loses ``locked_until``: nothing read it. The login lockout lives in the
server's memory (``annotator.domain.passwords``) and a password reset clears ``failed_logins``.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not batch mode: batch mode copies the
    # table and drops the old one, which the foreign keys on "user" (labels, logins, claims)
    # refuse while the store's connections enforce them.
    op.drop_column("user", "locked_until")


def downgrade() -> None:
    # Back as revision 1 made it: nullable, so the rows kept need no value.
    op.add_column("user", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
