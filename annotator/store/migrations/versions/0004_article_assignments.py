"""Article assignments: a lead gives articles to annotators; their queue serves them first.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_assignment",
        sa.Column("document_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("document_id", "user_id"),
    )
    with op.batch_alter_table("article_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_assignment_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("article_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_assignment_user_id"))
    op.drop_table("article_assignment")
