"""review: a draft or no-op record dismissed by a reviewer; its generation's operation indexed

Revision ID: 0009_review
Revises: 0008
Create Date: 2026-12-04 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kbsmith.db.base import UTCDateTime

revision: str = "0009_review"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dismissed_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("generation_operation", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_articles_review",
            [
                "workspace_id",
                "is_draft",
                "is_draft_published",
                "dismissed_at",
                "generation_operation",
            ],
            unique=False,
        )
    articles = sa.table(
        "articles",
        sa.column("generation", sa.JSON()),
        sa.column("generation_operation", sa.String()),
    )
    op.execute(
        articles.update()
        .where(articles.c.generation.is_not(None))
        .values(generation_operation=articles.c.generation["operation"].as_string())
    )


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_review")
        batch_op.drop_column("generation_operation")
        batch_op.drop_column("dismissed_at")
