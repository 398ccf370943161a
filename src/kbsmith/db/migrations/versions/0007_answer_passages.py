"""answer passages with their full-text index, and answer records

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kbsmith.db.base
from kbsmith.db.dialect import full_text_ddl, full_text_drop_ddl

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_passages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_answer_passages_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_answer_passages_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_passages")),
    )
    op.create_index(
        op.f("ix_answer_passages_article_id"), "answer_passages", ["article_id"], unique=False
    )
    op.create_index(
        op.f("ix_answer_passages_workspace_id"), "answer_passages", ["workspace_id"], unique=False
    )
    for statement in full_text_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.create_table(
        "answer_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("key_id", sa.Uuid(), nullable=True),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("standalone_question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("based_on", sa.JSON(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("created_at", kbsmith.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_answer_records_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_records")),
    )
    op.create_index(
        "ix_answer_records_listing",
        "answer_records",
        ["workspace_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_answer_records_listing", table_name="answer_records")
    op.drop_table("answer_records")
    for statement in full_text_drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index(op.f("ix_answer_passages_workspace_id"), table_name="answer_passages")
    op.drop_index(op.f("ix_answer_passages_article_id"), table_name="answer_passages")
    op.drop_table("answer_passages")
