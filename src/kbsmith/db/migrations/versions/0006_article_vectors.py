"""article vectors shared by every worker

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 05:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_vectors",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("texts_hash", sa.String(length=64), nullable=False),
        sa.Column("title_vector", sa.LargeBinary(), nullable=False),
        sa.Column("body_vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_vectors_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_article_vectors")),
    )


def downgrade() -> None:
    op.drop_table("article_vectors")
