"""merge conflicts: a draft's generation record, a source's pending generation

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("generation", sa.JSON(), nullable=True))
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_draft_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("pending_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("pending_text", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index(
            batch_op.f("ix_sources_pending_draft_id"), ["pending_draft_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_pending_draft_id"))
        batch_op.drop_column("pending_text")
        batch_op.drop_column("pending_hash")
        batch_op.drop_column("pending_draft_id")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("generation")
