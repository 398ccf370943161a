"""Article vectors kept in the database, so that each text is embedded by one worker only."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.models import AnswerPassage
from kbsmith.answers.passages import PassageKind
from kbsmith.db.base import table_of
from kbsmith.db.dialect import upsert
from kbsmith.generation.features import CachedEmbedder, body_for_embedding, title_for_embedding
from kbsmith.generation.models import ArticleVector
from kbsmith.knowledge.models import Article

ASKED_KINDS = (PassageKind.TITLE.value, PassageKind.QUESTION.value)


def embedded_texts(title: str, main_knowledge: str) -> tuple[str, str]:
    """The two texts an article is embedded from: its title and the opening of its body."""
    return title_for_embedding(title, main_knowledge), body_for_embedding(title, main_knowledge)


def texts_hash(texts: tuple[str, str]) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()


async def recall_vectors(
    session: AsyncSession, articles: Collection[Article], embedder: CachedEmbedder
) -> None:
    """Hand the embedder the stored vectors that still fit these articles' texts."""
    texts = {a.id: embedded_texts(a.title, a.main_knowledge) for a in articles}
    rows = await session.scalars(
        select(ArticleVector).where(
            ArticleVector.article_id.in_(list(texts)), ArticleVector.model_id == embedder.model_id
        )
    )
    for row in rows:
        title, body = texts[row.article_id]
        if row.texts_hash == texts_hash((title, body)):
            embedder.remember(title, np.frombuffer(row.title_vector, dtype=np.float32))
            embedder.remember(body, np.frombuffer(row.body_vector, dtype=np.float32))
    await _recall_asked(session, list(texts), embedder)


async def recall_article_vectors(
    session: AsyncSession, article_id: uuid.UUID, embedder: CachedEmbedder
) -> None:
    """One article's stored vectors (a source's own article: content that did not change is
    then not embedded again by a worker that did not write it)."""
    article = await session.get(Article, article_id)
    if article is not None:
        await recall_vectors(session, [article], embedder)


async def _recall_asked(
    session: AsyncSession, article_ids: list[uuid.UUID], embedder: CachedEmbedder
) -> None:
    """The vectors of live articles' titles and questions, which the answers index keeps
    (the same model, the same texts): another worker need not embed them again."""
    passages = await session.execute(
        select(AnswerPassage.text, AnswerPassage.vector).where(
            AnswerPassage.article_id.in_(article_ids),
            AnswerPassage.kind.in_(ASKED_KINDS),
            AnswerPassage.vector.is_not(None),
        )
    )
    for text, vector in passages:
        if vector is not None and len(vector) == embedder.dimensions * 4:
            embedder.remember(text, np.frombuffer(vector, dtype=np.float32))


async def keep_vectors(
    session: AsyncSession, article_id: uuid.UUID, embedder: CachedEmbedder
) -> None:
    """Store the article's vectors when this process has them at hand (it never embeds here:
    this runs inside the job's final write transaction)."""
    article = await session.get(Article, article_id)
    if article is None:
        return
    texts = embedded_texts(article.title, article.main_knowledge)
    vectors = [embedder.cached(text) for text in texts]
    if vectors[0] is None or vectors[1] is None:
        return
    row = {
        "article_id": article_id,
        "model_id": embedder.model_id,
        "texts_hash": texts_hash(texts),
        "title_vector": vectors[0].astype(np.float32).tobytes(),
        "body_vector": vectors[1].astype(np.float32).tobytes(),
    }
    # one statement (a merge reads the row first)
    await upsert(session, table_of(ArticleVector), [row], ["article_id"])
