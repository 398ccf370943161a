"""An in-process index of each workspace's candidate articles: compact features in flat arrays.

A job reads only the articles changed since the last job (by ``updated_at``, and a count that
reveals deletions), and compares every article's version once a minute. What the index holds
of an article is its compact features (`compact.py`), stored per article version in
``article_features`` by the first worker that computed them: a fresh worker loads a workspace
from those rows without reading, tokenising or embedding its articles. A job's shortlist
(`shortlist.py`) is then read whole (texts, term counts, vectors) for exact scoring, with the
most recently shortlisted articles kept in process. So a job's cost does not grow with the
workspace, nor a worker's memory by more than ~1 KiB per article.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.db.database import Database
from kbsmith.db.scoping import in_workspace
from kbsmith.generation.compact import (
    CompactFeatures,
    compact,
    decode,
    decode_vectors,
    encode_vectors,
    from_compact,
    hashed,
)
from kbsmith.generation.features import CachedEmbedder, Features, Vector, embed_features
from kbsmith.generation.inputs import Candidate, ScoredCandidate, origin_of
from kbsmith.generation.models import ArticleFeatures
from kbsmith.generation.shortlist import IndexedArticle, Shortlisted, WorkspaceIndex, query
from kbsmith.generation.stored import StoredRow, keep_features, stored_features
from kbsmith.generation.vectors import recall_vectors
from kbsmith.knowledge import repository
from kbsmith.knowledge.models import Article, ArticleSource
from kbsmith.memory import release_freed_memory
from kbsmith.sources.models import Source

INDEX_CHUNK = 1000
RELEASE_EVERY = 2 * INDEX_CHUNK
VERSIONS_PARTITION = 5_000
"""While a workspace loads, freed memory goes back to the system every so many articles."""
CHANGE_WINDOW = timedelta(seconds=5)
"""How long before its commit a change may be stamped: a refresh re-reads the changes of the
last seconds it has seen, so a transaction that committed a little late is not missed."""
FULL_RESYNC_SECONDS = 60.0
"""A full comparison now and then, for what the changes cannot show: a transaction that
committed more than CHANGE_WINDOW after stamping its rows. (Deletions show in the count.)"""
MAX_INDEXED_WORKSPACES = 32
"""Workspaces a worker process keeps indexed; past it, the least recently used idle one is
dropped (and rebuilt by a full comparison when a job needs it again)."""

SCORING_COLUMNS = (
    Article.id,
    Article.title,
    Article.questions,
    Article.parent_folder_id,
    Article.is_draft,
    Article.original_article_id,
    Article.version,
    ArticleFeatures.article_version,
    ArticleFeatures.model_id,
    ArticleFeatures.data,
    ArticleFeatures.vectors,
)


@dataclass(frozen=True)
class NewFeatures:
    """A new article's features, ready to store (`CandidateIndex.features_of`)."""

    computed_from: tuple[str, str, list[str]]
    """The title, body and questions they were computed from."""
    compact: CompactFeatures
    vectors: bytes
    """`compact.encode_vectors`."""


@dataclass
class _Sync:
    index: WorkspaceIndex = field(default_factory=WorkspaceIndex)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One refresh at a time per workspace; other workspaces' jobs do not wait for it."""
    changes_seen_until: datetime | None = None
    full_at: float = 0.0
    unsaved: list[StoredRow] = field(default_factory=list)
    """Features computed here that the database does not hold yet (`keep`)."""


class CandidateIndex:
    def __init__(
        self,
        embedder: CachedEmbedder | None,
        max_workspaces: int = MAX_INDEXED_WORKSPACES,
    ) -> None:
        self.embedder = embedder
        self.max_workspaces = max_workspaces
        self._workspaces: OrderedDict[uuid.UUID, _Sync] = OrderedDict()

    @property
    def model_id(self) -> str:
        return self.embedder.model_id if self.embedder is not None else ""

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
                    await self._index(session, sync, stale, versions)
            if sync.index.settle():
                release_freed_memory()
            sync.changes_seen_until = started
        return sync.index

    async def shortlist(
        self,
        session: AsyncSession,
        workspace_id: uuid.UUID,
        index: WorkspaceIndex,
        new: Features,
        linked_id: uuid.UUID | None,
        folder_ids: Collection[uuid.UUID] | None = None,
        keyed: Features | None = None,
    ) -> list[Shortlisted]:
        """The articles of *index* worth scoring closely for *new*, as they are now (without
        their bodies: `with_texts`), their features named by keys (`compact.hashed`), with
        exact lexical scores; *keyed*: `hashed(new)` when the caller has it."""
        ids = index.shortlist_ids(query(new), linked_id, folder_ids)
        entries = await self._for_scoring(session, workspace_id, list(ids))
        return index.scored(keyed or hashed(new), entries, folder_ids)

    async def with_texts(
        self, session: AsyncSession, scored: list[ScoredCandidate]
    ) -> list[ScoredCandidate]:
        """*scored* with their articles' bodies (what a decision and a writer read)."""
        ids = [s.candidate.id for s in scored]
        rows = await session.execute(
            select(Article.id, Article.main_knowledge).where(Article.id.in_(ids))
        )
        texts = {article_id: text for article_id, text in rows}
        return [
            replace(s, candidate=replace(s.candidate, main_knowledge=texts.get(s.candidate.id, "")))
            for s in scored
        ]

    async def keep(self, db: Database, workspace_id: uuid.UUID) -> None:
        """Store the features this process computed, for the other workers."""
        sync = self._workspaces.get(workspace_id)
        if sync is None or not sync.unsaved:
            return
        rows, sync.unsaved = sync.unsaved, []
        async with db.write() as session:
            await keep_features(session, rows)

    async def features_of(self, title: str, text: str, questions: list[str]) -> NewFeatures:
        """An article's features as a refresh computes them and stores them, ahead of its
        write (`keep_new`): none of that work happens inside the writing transaction."""

        def computed() -> NewFeatures:
            (features,) = embed_features(self.embedder, [(title, text, questions)])
            return NewFeatures(
                (title, text, questions), compact(features), encode_vectors(features)
            )

        return await asyncio.to_thread(computed)

    async def keep_new(
        self, session: AsyncSession, article_id: uuid.UUID, features: NewFeatures
    ) -> None:
        """Inside the transaction that wrote the article: its features, when it was written
        from the text they were computed from (title, body, questions). Every worker's next
        refresh then reads them instead of reading the article whole and computing them."""
        article = await session.get(Article, article_id)
        if article is None or _content_of(article) != features.computed_from:
            return
        row = StoredRow(
            article_id, article.version, self.model_id, features.compact, features.vectors
        )
        await keep_features(session, [row])

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
            await self._index(session, sync, stale, versions)
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
        sync: _Sync,
        ids: list[uuid.UUID],
        versions: dict[uuid.UUID, int],
    ) -> None:
        # in chunks: recalled vectors must still be cached when the chunk is embedded, and
        # a statement takes a bounded number of parameters
        sync.index.loading(len(ids))
        for start in range(0, len(ids), INDEX_CHUNK):
            await self._index_chunk(session, sync, ids[start : start + INDEX_CHUNK], versions)
            if start and start % RELEASE_EVERY == 0:
                release_freed_memory()  # each chunk's rows and objects are let go
        if len(ids) > INDEX_CHUNK:
            release_freed_memory()  # before the postings are built (a job's few: not worth it)

    async def _index_chunk(
        self,
        session: AsyncSession,
        sync: _Sync,
        ids: list[uuid.UUID],
        versions: dict[uuid.UUID, int],
    ) -> None:
        rows = (
            await session.execute(
                select(Article.id, Article.version, Article.parent_folder_id).where(
                    Article.id.in_(ids)
                )
            )
        ).all()
        stored = await stored_features(session, {i: v for i, v, _ in rows}, self.model_id)
        missing = [article_id for article_id, _, _ in rows if article_id not in stored]
        held = {i: i for i in ids}  # the index keeps these ids, not the rows' copies of them
        sync.index.add_many(
            [
                (versions[i], held[i], folder_id, stored[i])
                for i, _, folder_id in rows
                if i in stored
            ]
        )
        for article_version, entry in await self._read_whole(session, missing):
            article_id = entry.candidate.id
            features = compact(entry.features)
            sync.index.add_compact(
                versions[article_id], article_id, entry.candidate.parent_folder_id, features
            )
            sync.unsaved.append(
                StoredRow(
                    article_id,
                    article_version,
                    self.model_id,
                    features,
                    encode_vectors(entry.features),
                )
            )

    async def _for_scoring(
        self, session: AsyncSession, workspace_id: uuid.UUID, ids: list[uuid.UUID]
    ) -> list[IndexedArticle]:
        """The articles from their stored features and vectors; those whose stored row no
        longer fits (changed since the refresh) read whole."""
        rows = (
            await session.execute(
                select(*SCORING_COLUMNS)
                .outerjoin(ArticleFeatures, ArticleFeatures.article_id == Article.id)
                .where(in_workspace(Article, workspace_id, repository.IN_FORCE, off_index=session))
                .where(Article.id.in_(ids))
            )
        ).all()
        origins = await _source_origins(session, ids)
        found, stale = [], []
        for row in rows:
            fitting = self._stored(row)
            if fitting is None:
                stale.append(row.id)
                continue
            stored, vectors = fitting
            candidate = Candidate(
                id=row.id,
                title=row.title,
                main_knowledge="",
                questions=list(row.questions),
                parent_folder_id=row.parent_folder_id,
                is_draft=row.is_draft,
                original_article_id=row.original_article_id,
                version=row.version,
                sources=origins.get(row.id, frozenset()),
            )
            found.append(
                IndexedArticle(
                    candidate,
                    from_compact(stored, vectors),
                    terms=(stored.term_keys, stored.term_counts),
                )
            )
        for _, entry in await self._read_whole(session, stale, workspace_id):
            found.append(IndexedArticle(entry.candidate, hashed(entry.features)))
        return found

    def _stored(self, row: Any) -> tuple[CompactFeatures, Vector | None] | None:
        """The stored features and exact vectors of a row of SCORING_COLUMNS, if they still
        fit (vectors are needed when this process embeds)."""
        if row.article_version != row.version or row.model_id != self.model_id:
            return None
        dimensions = self.embedder.dimensions if self.embedder is not None else 0
        vectors = decode_vectors(row.vectors, dimensions)
        features = decode(row.data)
        if features is None or (self.embedder is not None and vectors is None):
            return None
        return features, vectors

    async def _read_whole(
        self, session: AsyncSession, ids: list[uuid.UUID], workspace_id: uuid.UUID | None = None
    ) -> list[tuple[int, IndexedArticle]]:
        """The articles with their full features: (article version, article); with
        *workspace_id*, those of them that are still its candidates."""
        if not ids:
            return []
        chosen = (
            select(Article) if workspace_id is None else repository.pending_articles(workspace_id)
        )
        statement = chosen.where(Article.id.in_(ids))
        rows = (await session.scalars(statement)).all()
        if self.embedder is not None:
            await recall_vectors(session, rows, self.embedder)
        origins = await _source_origins(session, ids)
        candidates = [_candidate(a, origins.get(a.id, frozenset())) for a in rows]
        items = [_content_of(c) for c in candidates]
        features = await asyncio.to_thread(embed_features, self.embedder, items)
        return [
            (c.version, IndexedArticle(c, f)) for c, f in zip(candidates, features, strict=True)
        ]


async def _current_versions(session: AsyncSession, workspace_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Article id → a number that changes whenever the article's content may have changed."""
    statement = repository.pending_articles(workspace_id).with_only_columns(
        Article.id, Article.version, Article.updated_at
    )
    versions = {}
    result = await session.stream(statement)
    async for rows in result.partitions(VERSIONS_PARTITION):  # not 100,000 rows at once
        for article_id, version, updated_at in rows:
            versions[article_id] = hash((version, updated_at))
    return versions


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


def _content_of(article: Article | Candidate) -> tuple[str, str, list[str]]:
    """What an article's features are computed from."""
    return article.title, article.main_knowledge, list(article.questions)
