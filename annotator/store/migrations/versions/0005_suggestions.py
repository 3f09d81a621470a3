"""Suggestions per sentence, learnt models as data, what was shown with each label, "suggested" sources.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


_OLD_ORIGINS = ("article", "proposed", "imported")
_NEW_ORIGINS = (*_OLD_ORIGINS, "suggested")


def _set_origins(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        if "suggested" in new:  # a native enum; a value can be added but never removed
            op.execute("ALTER TYPE sourceorigin ADD VALUE IF NOT EXISTS 'suggested'")
        return
    # Elsewhere the enum is a VARCHAR as long as its longest name ("suggested" is longer).
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.alter_column(
            "origin",
            existing_type=sa.Enum(*old, name="sourceorigin"),
            type_=sa.Enum(*new, name="sourceorigin"),
            existing_nullable=False,
        )


def upgrade() -> None:
    _set_origins(_OLD_ORIGINS, _NEW_ORIGINS)
    op.create_table(
        "suggestion",
        sa.Column("sentence_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=200), nullable=False),
        sa.Column("is_claim", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("source_other", sa.String(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("cue_start", sa.Integer(), nullable=True),
        sa.Column("cue_end", sa.Integer(), nullable=True),
        sa.Column("mention_start", sa.Integer(), nullable=True),
        sa.Column("mention_end", sa.Integer(), nullable=True),
        sa.Column("carried_from", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("inputs_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sentence_id"], ["sentence.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sentence_id"),
    )
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggestion_document_id"), ["document_id"], unique=False)
    op.create_table(
        "suggestion_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("format_version", sa.Integer(), nullable=False),
        sa.Column("trained_from", sa.String(length=20), nullable=False),
        sa.Column("sentences", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "suggestion_shown",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sentence_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label_version", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("shown", sa.Boolean(), nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sentence_id"], ["sentence.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sentence_id", "user_id", "label_version", name="uq_suggestion_shown"),
    )
    with op.batch_alter_table("suggestion_shown", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggestion_shown_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suggestion_shown", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_shown_user_id"))
    op.drop_table("suggestion_shown")
    op.drop_table("suggestion_model")
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_document_id"))
    op.drop_table("suggestion")
    # Suggested sources stay, as plain article sources.
    op.execute("UPDATE source SET origin = 'article' WHERE origin = 'suggested'")
    _set_origins(_NEW_ORIGINS, _OLD_ORIGINS)
