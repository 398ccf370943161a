"""An in-process index of each workspace's candidate articles: terms, paragraphs, vectors.

A job reads only the articles changed since the last job (by ``updated_at``, and a count that
reveals deletions), re-reads and re-embeds only those, and compares every article's version
once a minute; the shortlist then keeps the per-job scoring to the few articles that matter
(see ``shortlist.py``). So a job's cost does not grow with the workspace.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.db.scoping import in_workspace
from kbsmith.generation.features import CachedEmbedder, embed_features
from kbsmith.generation.inputs import Candidate, origin_of
from kbsmith.generation.shortlist import IndexedArticle, WorkspaceIndex
from kbsmith.generation.vectors import recall_vectors
from kbsmith.knowledge import repository
from kbsmith.knowledge.models import Article, ArticleSource
from kbsmith.sources.models import Source

if TYPE_CHECKING:
    pass


INDEX_CHUNK = 1000
CHANGE_WINDOW = timedelta(seconds=5)
"""How long before its commit a change may be stamped: a refresh re-reads the changes of the
last seconds it has seen, so a transaction that committed a little late is not missed."""
FULL_RESYNC_SECONDS = 60.0
"""A full comparison now and then, for what the changes cannot show: a transaction that
committed more than CHANGE_WINDOW after stamping its rows. (Deletions show in the count.)"""
MAX_INDEXED_WORKSPACES = 32
"""Workspaces a worker process keeps indexed; past it, the least recently used idle one is
dropped (and rebuilt by a full comparison when a job needs it again)."""


@dataclass
class _Sync:
    index: WorkspaceIndex = field(default_factory=WorkspaceIndex)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One refresh at a time per workspace; other workspaces' jobs do not wait for it."""
    changes_seen_until: datetime | None = None
    full_at: float = 0.0


class CandidateIndex:
    def __init__(
        self, embedder: CachedEmbedder | None, max_workspaces: int = MAX_INDEXED_WORKSPACES
    ) -> None:
        self.embedder = embedder
        self.max_workspaces = max_workspaces
        self._workspaces: OrderedDict[uuid.UUID, _Sync] = OrderedDict()

    async def refresh(self, session: AsyncSession, workspace_id: uuid.UUID) -> WorkspaceIndex:
        """Bring the workspace's live articles and pending drafts up to date: the articles
        changed since the last refresh, or all of them now and then (or when counts differ).
        Answers the index a job shortlists from: it stays whole for that job even if the
        workspace is evicted meanwhile."""
        sync = self._use(workspace_id)
        async with sync.lock:
            started = utcnow()
            due = time.monotonic() - sync.full_at > FULL_RESYNC_SECONDS
            if sync.changes_seen_until is None or due:
                await self._resync(session, workspace_id, sync)
            else:
                since = sync.changes_seen_until - CHANGE_WINDOW
                changed = await _changed_versions(session, workspace_id, since)
                stale = self._apply(sync.index, changed)
                new = sum(1 for i in stale if sync.index.version_of(i) is None)
                if await _pending_count(session, workspace_id) != len(sync.index) + new:
                    await self._resync(session, workspace_id, sync)
                elif stale:
                    versions = {i: v for i, v in changed.items() if v is not None}
                    await self._index(session, sync.index, stale, versions)
            sync.changes_seen_until = started
        return sync.index

    def _use(self, workspace_id: uuid.UUID) -> _Sync:
        sync = self._workspaces.get(workspace_id)
        if sync is None:
            sync = self._workspaces[workspace_id] = _Sync()
        self._workspaces.move_to_end(workspace_id)
        self._evict_idle()
        return sync

    def _evict_idle(self) -> None:
        """Least recently used first; a workspace being refreshed is never dropped."""
        excess = len(self._workspaces) - self.max_workspaces
        for workspace_id, sync in list(self._workspaces.items()):
            if excess <= 0:
                return
            if not sync.lock.locked():
                del self._workspaces[workspace_id]
                excess -= 1

    def __len__(self) -> int:
        """How many workspaces are indexed."""
        return len(self._workspaces)

    def distrust(self, workspace_id: uuid.UUID) -> None:
        """The next refresh compares every article (after a job found the index out of date);
        the index itself stays, for the jobs using it meanwhile."""
        sync = self._workspaces.get(workspace_id)
        if sync is not None:
            sync.full_at = 0.0

    async def _resync(self, session: AsyncSession, workspace_id: uuid.UUID, sync: _Sync) -> None:
        versions = await _current_versions(session, workspace_id)
        known = sync.index.versions()
        for gone in set(known) - set(versions):
            sync.index.remove(gone)
        stale = [i for i, v in versions.items() if known.get(i) != v]
        if stale:
            await self._index(session, sync.index, stale, versions)
        sync.full_at = time.monotonic()

    @staticmethod
    def _apply(index: WorkspaceIndex, changed: dict[uuid.UUID, int | None]) -> list[uuid.UUID]:
        """Drops the articles that left the candidates; answers those to (re)index."""
        stale = []
        for article_id, version in changed.items():
            if version is None:
                index.remove(article_id)
            elif index.version_of(article_id) != version:
                stale.append(article_id)
        return stale

    async def _index(
        self,
        session: AsyncSession,
        index: WorkspaceIndex,
        ids: list[uuid.UUID],
        versions: dict[uuid.UUID, int],
    ) -> None:
        # in chunks: recalled vectors must still be cached when the chunk is embedded, and
        # a statement takes a bounded number of parameters
        for start in range(0, len(ids), INDEX_CHUNK):
            await self._index_chunk(session, index, ids[start : start + INDEX_CHUNK], versions)

    async def _index_chunk(
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


async def _changed_versions(
    session: AsyncSession, workspace_id: uuid.UUID, since: datetime
) -> dict[uuid.UUID, int | None]:
    """The articles changed since *since*: their versions, or None for those that are no
    longer candidates (a draft merged into its original, or dismissed)."""
    rows = await session.execute(
        select(Article.id, Article.version, Article.updated_at, repository.IN_FORCE).where(
            in_workspace(Article, workspace_id), Article.updated_at >= since
        )
    )
    return {i: hash((v, at)) if still else None for i, v, at, still in rows}


async def _pending_count(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    statement = repository.pending_articles(workspace_id).with_only_columns(func.count())
    return int((await session.execute(statement)).scalar_one())


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
