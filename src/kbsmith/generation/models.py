from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kbsmith.db.base import Base


class ArticleVector(Base):
    """An article's embedding vectors, computed once and read by every worker process.

    Valid only while ``texts_hash`` matches the texts the article embeds now (a person's edit
    makes them stale: the next reader embeds anew) and ``model_id`` is the loaded model."""

    __tablename__ = "article_vectors"

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[str] = mapped_column(String(200))
    texts_hash: Mapped[str] = mapped_column(String(64))
    title_vector: Mapped[bytes] = mapped_column(LargeBinary)
    body_vector: Mapped[bytes] = mapped_column(LargeBinary)


class ArticleFeatures(Base):
    """What a worker's candidate index holds of an article version (`generation.compact`:
    hashed terms, paragraphs, title terms; int8 vectors), computed once, read by every worker.

    Valid only for ``article_version`` of the article and the embedding model ``model_id``
    ("" without embeddings); a row of another compact format is computed again."""

    __tablename__ = "article_features"

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    article_version: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    """`compact.encode`: what a worker loads for every article."""
    vectors: Mapped[bytes] = mapped_column(LargeBinary)
    """`compact.encode_vectors`: read only for the articles a job shortlists."""
