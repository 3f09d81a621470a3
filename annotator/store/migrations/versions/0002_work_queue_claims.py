"""Work-queue claims (several app servers never over-assign a sentence); history index by sentence and user.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("sentence_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sentence_id"], ["sentence.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sentence_id", "user_id"),
    )
    with op.batch_alter_table("label_history", schema=None) as batch_op:
        batch_op.create_index("ix_label_history_sentence_user", ["sentence_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("label_history", schema=None) as batch_op:
        batch_op.drop_index("ix_label_history_sentence_user")

    op.drop_table("assignment")
