"""The passage index: kept in the transaction of every write that creates, publishes,
updates, moves or deactivates an article, so an article is answerable the moment that write
commits. A deleted article's passages go with it (the foreign key cascades; on SQLite the
FTS5 table follows by trigger), in the deleting transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.models import AnswerPassage
from kbsmith.answers.passages import PassageText, article_passages
from kbsmith.db.base import table_of
from kbsmith.generation.features import CachedEmbedder, shared_embedder
from kbsmith.knowledge.models import Article

Stored = tuple[str, str]
"""(kind, text) of a stored passage."""


async def embed_ahead(
    title: str, questions: Sequence[str], keywords: Sequence[str], main_knowledge: str
) -> None:
    """Embed the passages of content about to be written live, outside the writing
    transaction (a generation job calls it before saving)."""
    embedder = shared_embedder()
    passages = article_passages(title, questions, keywords, main_knowledge)
    texts = [p.text for p in passages if p.embedded]
    if embedder is not None and texts:
        await asyncio.to_thread(embedder.embed, texts)


def answerable(article: Article) -> bool:
    """Only live, active articles answer questions (a pending or merged draft never does)."""
    return not article.is_draft and article.active


async def index_article(session: AsyncSession, article: Article, *, new: bool = False) -> None:
    """Make the article's passages agree with the article as it is now (none when it is not
    answerable). Vectors of passages whose text did not change are kept, not recomputed. A
    *new* article has none to read or delete."""
    stored = {} if new else await _stored(session, article.id)
    wanted = (
        article_passages(article.title, article.questions, article.keywords, article.main_knowledge)
        if answerable(article)
        else []
    )
    if [(p.kind.value, p.text) for p in wanted] == list(stored):
        return
    if not new:
        await session.execute(delete(AnswerPassage).where(AnswerPassage.article_id == article.id))
    if not wanted:
        return
    vectors = await _vectors(wanted, stored, shared_embedder())
    await add_passages(session, passage_rows(article.workspace_id, article.id, wanted, vectors))


def passage_rows(
    workspace_id: uuid.UUID,
    article_id: uuid.UUID,
    passages: Sequence[PassageText],
    vectors: Mapping[str, bytes],
) -> list[dict[str, Any]]:
    return [
        {
            "workspace_id": workspace_id,
            "article_id": article_id,
            "position": position,
            "kind": passage.kind.value,
            "text": passage.text,
            "vector": vectors.get(passage.text) if passage.embedded else None,
        }
        for position, passage in enumerate(passages)
    ]


async def add_passages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert passage rows (from ``passage_rows``) of articles that have none yet: the write
    of ``index_article``, and bulk loads of new live articles (``bench/answers.py``)."""
    if rows:
        await session.execute(insert(table_of(AnswerPassage)), list(rows))


async def _stored(session: AsyncSession, article_id: uuid.UUID) -> dict[Stored, bytes | None]:
    rows = await session.execute(
        select(AnswerPassage.kind, AnswerPassage.text, AnswerPassage.vector)
        .where(AnswerPassage.article_id == article_id)
        .order_by(AnswerPassage.position)
    )
    return {(kind, text): vector for kind, text, vector in rows}


async def _vectors(
    passages: Sequence[PassageText],
    stored: dict[Stored, bytes | None],
    embedder: CachedEmbedder | None,
) -> dict[str, bytes]:
    known = {text: vector for (_, text), vector in stored.items() if vector is not None}
    if embedder is None:
        return known
    missing = list(dict.fromkeys(p.text for p in passages if p.embedded and p.text not in known))
    if missing:
        fresh = await asyncio.to_thread(embedder.embed, missing)
        for text, vector in zip(missing, fresh, strict=True):
            known[text] = encode_vector(vector)
    return known


def encode_vector(vector: np.ndarray[tuple[int], np.dtype[np.float32]]) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def decode_vector(data: bytes) -> np.ndarray[tuple[int], np.dtype[np.float32]]:
    return np.frombuffer(data, dtype=np.float32)
