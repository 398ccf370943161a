"""Compact candidate features kept in the database (`article_features`), per article version:
the worker that first indexes a version computes them, every other worker reads them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import table_of
from kbsmith.db.dialect import upsert
from kbsmith.generation.compact import CompactFeatures, decode, encode
from kbsmith.generation.models import ArticleFeatures

WRITE_CHUNK = 500
"""Rows per statement: a statement takes a bounded number of parameters."""


@dataclass(frozen=True)
class StoredRow:
    article_id: uuid.UUID
    article_version: int
    model_id: str
    features: CompactFeatures
    vectors: bytes
    """`compact.encode_vectors`."""


async def stored_features(
    session: AsyncSession, versions: dict[uuid.UUID, int], model_id: str
) -> dict[uuid.UUID, CompactFeatures]:
    """The stored features that still hold: of the article *versions* given, by this model."""
    rows = await session.execute(
        select(
            ArticleFeatures.article_id, ArticleFeatures.article_version, ArticleFeatures.data
        ).where(
            ArticleFeatures.article_id.in_(list(versions)), ArticleFeatures.model_id == model_id
        )
    )
    found = {}
    for article_id, version, data in rows:
        if versions.get(article_id) == version and (features := decode(data)) is not None:
            found[article_id] = features
    return found


async def keep_features(session: AsyncSession, rows: Iterable[StoredRow]) -> None:
    values = [
        {
            "article_id": row.article_id,
            "article_version": row.article_version,
            "model_id": row.model_id,
            "data": encode(row.features),
            "vectors": row.vectors,
        }
        for row in rows
    ]
    for start in range(0, len(values), WRITE_CHUNK):
        await upsert(
            session, table_of(ArticleFeatures), values[start : start + WRITE_CHUNK], ["article_id"]
        )
