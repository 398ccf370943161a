from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kbsmith.db.base import Base, IdMixin, TimestampMixin
from kbsmith.db.scoping import WorkspaceOwned


class Connection(WorkspaceOwned, IdMixin, TimestampMixin, Base):
    """A workspace's credentials for one provider, sealed with the server secret."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("workspace_id", "provider"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    sealed_credentials: Mapped[str] = mapped_column(Text)
    base_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    account: Mapped[str] = mapped_column(String(500), default="")
    """A non-secret description of whose credentials these are (site, subdomain, email)."""
