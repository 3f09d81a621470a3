"""Labels and gold carry their evidence: cue and source-mention offsets, and the `via` chain.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLES = ("label", "label_history", "gold_label", "gold_history")
_OFFSETS = ("cue_start", "cue_end", "mention_start", "mention_end")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _OFFSETS:
                batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("via", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("via")
            for column in reversed(_OFFSETS):
                batch_op.drop_column(column)
