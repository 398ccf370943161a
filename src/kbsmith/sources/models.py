from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kbsmith.db.base import Base, IdMixin, TimestampMixin, utcnow
from kbsmith.db.scoping import WorkspaceOwned


class Source(WorkspaceOwned, IdMixin, TimestampMixin, Base):
    """One web page or provider document and the paragraphs extracted from it."""

    __tablename__ = "sources"
    __table_args__ = (
        Index("ix_sources_listing", "workspace_id", "updated_at", "id"),
        Index("ix_sources_identity", "workspace_id", "provider", "identity", unique=True),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    identity: Mapped[str] = mapped_column(String(2048))
    """What makes the record unique in its workspace: the normalised URL or the external id."""
    original_url: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    external_id: Mapped[str] = mapped_column(String(512), default="")
    mime_type: Mapped[str] = mapped_column(String(200), default="")
    object_type: Mapped[str] = mapped_column(String(64), default="")
    icon_link: Mapped[str] = mapped_column(Text, default="")
    storage_url: Mapped[str] = mapped_column(Text, default="")
    english: Mapped[bool] = mapped_column(default=True)
    baser: Mapped[bool] = mapped_column(default=False)
    paragraphs: Mapped[list[str]] = mapped_column(JSON, default=list)
    old_paragraphs: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    body_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """`content.body_fingerprint` of the bytes `paragraphs` were extracted from: a refresh that
    fetches the same bytes again skips extraction."""
    generated_hash: Mapped[str] = mapped_column(String(64), default="")
    """The content hash that the linked knowledge was last generated from."""
    generated_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    """The article text last generated from this source: the base of three-way merges."""
    pending_draft_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    """A draft holding this source's version of paragraphs a person changed too (a merge
    conflict): until it is published or dismissed, ``generated_hash`` and ``generated_text``
    stay as they were (the source stays ``changed``)."""
    pending_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """The content hash that draft was generated from."""
    pending_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    """The text generated then: the merge base once the draft is settled."""
    success: Mapped[bool | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(Text, default="")
    linked_job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), default=None
    )
    linked_knowledge_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    linked_operation: Mapped[str | None] = mapped_column(String(32), default=None)
    linked_reason: Mapped[str | None] = mapped_column(Text, default=None)
    etag: Mapped[str | None] = mapped_column(String(512), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(128), default=None)
    provider_version: Mapped[str | None] = mapped_column(String(128), default=None)
    fetched_at: Mapped[datetime | None] = mapped_column(default=None)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SourceBlob(Base):
    """The raw fetched bytes of a source, compressed, so re-extraction never needs a re-fetch."""

    __tablename__ = "source_blobs"

    source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(200), default="")
    encoding: Mapped[str] = mapped_column(String(16), default="zlib")
    size: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
