"""An in-process index of each workspace's candidate articles: terms, paragraphs, vectors.

Only articles whose version changed since the last job are re-read and re-embedded, so a
job costs one light query plus work proportional to what changed; the shortlist then keeps
the per-job scoring to the few articles that matter (see ``shortlist.py``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.generation.features import CachedEmbedder, Features, embed_features
from kbsmith.generation.inputs import Candidate, origin_of
from kbsmith.generation.shortlist import IndexedArticle, Shortlisted, WorkspaceIndex
from kbsmith.generation.vectors import recall_vectors
from kbsmith.knowledge import repository
from kbsmith.knowledge.models import Article, ArticleSource
from kbsmith.sources.models import Source

if TYPE_CHECKING:
    from kbsmith.generation.embeddings import Embedder


class CandidateIndex:
    def __init__(self, embedder: Embedder | None) -> None:
        self.embedder: CachedEmbedder | None = CachedEmbedder(embedder) if embedder else None
        self._workspaces: dict[uuid.UUID, WorkspaceIndex] = {}
        self._lock = asyncio.Lock()

    async def refresh(self, session: AsyncSession, workspace_id: uuid.UUID) -> None:
        """Bring the workspace's live articles and pending drafts up to date."""
        async with self._lock:
            versions = await _current_versions(session, workspace_id)
            index = self._workspaces.setdefault(workspace_id, WorkspaceIndex())
            known = index.versions()
            for gone in set(known) - set(versions):
                index.remove(gone)
            stale = [i for i, v in versions.items() if known.get(i) != v]
            if stale:
                await self._index(session, index, stale, versions)

    def shortlist(
        self,
        workspace_id: uuid.UUID,
        new: Features,
        linked_id: uuid.UUID | None,
        folder_ids: Collection[uuid.UUID] | None = None,
    ) -> list[Shortlisted]:
        index = self._workspaces.get(workspace_id)
        return index.shortlist(new, linked_id, folder_ids) if index else []

    async def _index(
        self,
        session: AsyncSession,
        index: WorkspaceIndex,
        ids: list[uuid.UUID],
        versions: dict[uuid.UUID, int],
    ) -> None:
        rows = (await session.scalars(select(Article).where(Article.id.in_(ids)))).all()
        if self.embedder is not None:
            await recall_vectors(session, rows, self.embedder)
        origins = await _source_origins(session, ids)
        candidates = [_candidate(a, origins.get(a.id, frozenset())) for a in rows]
        items = [(c.title, c.main_knowledge, c.questions) for c in candidates]
        features = await asyncio.to_thread(embed_features, self.embedder, items)
        for candidate, feature in zip(candidates, features, strict=True):
            index.add(versions[candidate.id], IndexedArticle(candidate, feature))


async def _current_versions(session: AsyncSession, workspace_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Article id → a number that changes whenever the article's content may have changed."""
    statement = repository.pending_articles(workspace_id).with_only_columns(
        Article.id, Article.version, Article.updated_at
    )
    rows = (await session.execute(statement)).all()
    return {row[0]: hash((row[1], row[2])) for row in rows}


async def _source_origins(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, frozenset[tuple[uuid.UUID, str]]]:
    rows = await session.execute(
        select(ArticleSource.article_id, Source.id, Source.provider, Source.original_url)
        .join(Source, Source.id == ArticleSource.source_id)
        .where(ArticleSource.article_id.in_(ids))
    )
    found: dict[uuid.UUID, set[tuple[uuid.UUID, str]]] = {}
    for article_id, source_id, provider, url in rows:
        found.setdefault(article_id, set()).add((source_id, origin_of(provider, url)))
    return {i: frozenset(s) for i, s in found.items()}


def _candidate(article: Article, sources: frozenset[tuple[uuid.UUID, str]]) -> Candidate:
    return Candidate(
        id=article.id,
        title=article.title,
        main_knowledge=article.main_knowledge,
        questions=list(article.questions),
        parent_folder_id=article.parent_folder_id,
        is_draft=article.is_draft,
        original_article_id=article.original_article_id,
        version=article.version,
        sources=sources,
    )
