from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kbsmith.db.base import Base, IdMixin, TimestampMixin, utcnow
from kbsmith.db.scoping import WorkspaceOwned


class Agent(WorkspaceOwned, IdMixin, TimestampMixin, Base):
    """A bot that answers from the folders assigned to it (wire name: bot)."""

    __tablename__ = "agents"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))


class Folder(WorkspaceOwned, IdMixin, TimestampMixin, Base):
    """A node of the help-center tree (wire name: hc-folder)."""

    __tablename__ = "folders"
    __table_args__ = (Index("ix_folders_tree", "workspace_id", "parent_folder_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    parent_folder_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("folders.id", ondelete="CASCADE"), default=None, index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class Article(WorkspaceOwned, IdMixin, TimestampMixin, Base):
    """A help-center article, live or draft (wire name: hc-article)."""

    __tablename__ = "articles"
    __table_args__ = (
        # Keyset pagination: every list order is (updated_at desc, id desc) under one prefix.
        Index("ix_articles_listing", "workspace_id", "updated_at", "id"),
        Index("ix_articles_kind_listing", "workspace_id", "is_draft", "updated_at", "id"),
        # Leads with the folder for the foreign key's cascade; two equalities make SQLite
        # prefer it over the workspace index when a folder is given.
        Index("ix_articles_folder_listing", "parent_folder_id", "workspace_id", "updated_at", "id"),
        # The review queue's counts by operation read this index alone.
        Index(
            "ix_articles_review",
            "workspace_id",
            "is_draft",
            "is_draft_published",
            "dismissed_at",
            "generation_operation",
        ),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    parent_folder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("folders.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(Text)
    main_knowledge: Mapped[str] = mapped_column(Text)
    agent_instruction: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[str]] = mapped_column(JSON)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    escalation: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    public: Mapped[bool] = mapped_column(default=True)
    origin: Mapped[str | None] = mapped_column(String(64), default=None)
    is_draft: Mapped[bool] = mapped_column(default=False)
    # No foreign key: a draft keeps naming its original after the original was deleted.
    original_article_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    original_article_version: Mapped[int | None] = mapped_column(default=None)
    is_draft_published: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    generation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    """For a draft written by a generation job: ``{job_id, operation, reason, source_ids,
    conflicts: [{ours, theirs, base}]}``, why it exists (``generation`` on the wire)."""
    generation_operation: Mapped[str | None] = mapped_column(String(32), default=None)
    """``generation``'s operation, a column of its own for the review queue's index."""
    dismissed_at: Mapped[datetime | None] = mapped_column(default=None)
    """A reviewer dismissed this draft or no-op record without publishing it."""

    source_links: Mapped[list[ArticleSource]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ArticleSource.source_id",
    )

    def record_generation(self, record: dict[str, Any]) -> None:
        self.generation = record
        self.generation_operation = record.get("operation")

    @property
    def source_ids(self) -> list[uuid.UUID]:
        return [link.source_id for link in self.source_links]

    @property
    def is_pending_draft(self) -> bool:
        return self.is_draft and not self.is_draft_published


class ArticleVersion(IdMixin, Base):
    """The full content of an article after one change: the history a reviewer diffs."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int]
    change: Mapped[str] = mapped_column(String(16))
    """What made this version: create, update, fork, publish."""
    from_article_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    """The draft merged by a publish, or the article a fork was taken from."""
    author_key_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    title: Mapped[str] = mapped_column(Text)
    main_knowledge: Mapped[str] = mapped_column(Text)
    agent_instruction: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[str]] = mapped_column(JSON)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    escalation: Mapped[bool]
    active: Mapped[bool]
    public: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleSource(Base):
    """An article was generated from a source: the article's side of the link."""

    __tablename__ = "article_sources"

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AgentFolder(Base):
    """A folder assigned to an agent; the agent also sees the folder's subfolders."""

    __tablename__ = "agent_folders"

    agent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    folder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("folders.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
