from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kbsmith.db.base import Base


class AnswerPassage(Base):
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
