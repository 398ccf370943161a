from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kbsmith.db.base import Base, utcnow
from kbsmith.db.scoping import WorkspaceOwned


class AnswerPassage(WorkspaceOwned, Base):
    """One searchable passage of a live, active article: its title, a question, its keywords
    or a stretch of its body. Written only by ``answers.index``, in the transaction of the
    article's write; the full-text index over ``text`` lives outside the ORM (an FTS5 table
    on SQLite, a generated ``tsvector`` column on PostgreSQL: see ``db/dialect.py``)."""

    __tablename__ = "answer_passages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    """title, question, keywords or body."""
    text: Mapped[str] = mapped_column(Text)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """float32 embedding of ``text`` (None without the model, and for keywords)."""


class AnswerRecord(WorkspaceOwned, Base):
    """One question asked and what was answered: so that a later look can show which
    questions the knowledge does not answer. ``id`` is the answer's ``answer_uuid``."""

    __tablename__ = "answer_records"
    __table_args__ = (Index("ix_answer_records_listing", "workspace_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    """The API key that asked (None from the command line); no foreign key: kept after the
    key is gone."""
    agent_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    question: Mapped[str] = mapped_column(Text)
    standalone_question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    success: Mapped[bool]
    based_on: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """``[{articleId, title, score}]`` best first."""
    latency_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
