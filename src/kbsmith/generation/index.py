"""An in-process index of each workspace's candidate articles: terms, paragraphs, vectors.

Only articles whose version changed since the last job are re-read and re-embedded, so a
job costs one light query plus work proportional to what changed.
"""

from __future__ import annotations

import asyncio
import math
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.generation.inputs import Candidate
from kbsmith.generation.text import content_words, paragraph_key, title_terms
from kbsmith.knowledge import repository
from kbsmith.knowledge.models import Article

if TYPE_CHECKING:
    from kbsmith.generation.embeddings import Embedder

BODY_CHARS_EMBEDDED = 600
"""About the 128 tokens MiniLM was trained on: the opening of a body says what it is about,
and a shorter input embeds several times faster on a CPU."""
VECTOR_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Features:
    """What retrieval compares, for an article or for new content."""

    title_terms: frozenset[str]
    terms: Counter[str]
    paragraph_keys: frozenset[str]
    title_vector: np.ndarray[Any, Any] | None
    body_vector: np.ndarray[Any, Any] | None


@dataclass(frozen=True)
class IndexedArticle:
    candidate: Candidate
    features: Features


def body_for_embedding(text: str) -> str:
    return text[:BODY_CHARS_EMBEDDED]


class CachedEmbedder:
    """Remembers vectors by text, so an article written from a source reuses its vectors."""

    def __init__(self, inner: Embedder, capacity: int = VECTOR_CACHE_SIZE) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimensions = inner.dimensions
        self._vectors: OrderedDict[str, np.ndarray[Any, Any]] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            fresh = self.inner.embed(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._vectors[text] = vector
                while len(self._vectors) > self._capacity:
                    self._vectors.popitem(last=False)
        with self._lock:
            found = [self._vectors.get(t) for t in texts]
        rows = [row for row in found if row is not None]
        if len(rows) < len(texts):  # evicted meanwhile: only with a tiny capacity
            return self.inner.embed(texts)
        return np.stack(rows) if rows else np.zeros((0, self.dimensions), dtype=np.float32)


def lexical_features(title: str, text: str, questions: Sequence[str] = ()) -> Features:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    terms = Counter(content_words(" ".join([title, *questions, text])))
    keys = frozenset(k for k in (paragraph_key(p) for p in paragraphs) if k)
    return Features(title_terms(title), terms, keys, None, None)


def embed_features(
    embedder: Embedder | None, items: Sequence[tuple[str, str, Sequence[str]]]
) -> list[Features]:
    """(title, text, questions) → features, embedding all titles and bodies in two batches."""
    lexical = [lexical_features(t, x, q) for t, x, q in items]
    if embedder is None or not items:
        return lexical
    titles = embedder.embed([t or x[:200] for t, x, _ in items])
    bodies = embedder.embed([body_for_embedding(x) for _, x, _ in items])
    return [
        Features(f.title_terms, f.terms, f.paragraph_keys, titles[i], bodies[i])
        for i, f in enumerate(lexical)
    ]


class CandidateIndex:
    def __init__(self, embedder: Embedder | None) -> None:
        self.embedder: Embedder | None = CachedEmbedder(embedder) if embedder else None
        self._articles: dict[uuid.UUID, dict[uuid.UUID, tuple[int, IndexedArticle]]] = {}
        self._document_frequency: dict[uuid.UUID, Counter[str]] = {}
        self._lock = asyncio.Lock()

    async def snapshot(
        self,
        session: AsyncSession,
        workspace_id: uuid.UUID,
        folder_ids: Collection[uuid.UUID] | None = None,
    ) -> list[IndexedArticle]:
        """The workspace's live articles and pending drafts, indexed and current."""
        async with self._lock:
            versions = await _current_versions(session, workspace_id)
            known = self._articles.setdefault(workspace_id, {})
            stale = [i for i, v in versions.items() if i not in known or known[i][0] != v]
            for gone in set(known) - set(versions):
                self._forget(workspace_id, gone)
            if stale:
                await self._index(session, workspace_id, stale, versions)
            chosen = (
                known.values()
                if folder_ids is None
                else (v for v in known.values() if v[1].candidate.parent_folder_id in folder_ids)
            )
            return [entry for _, entry in chosen]

    def idf(self, workspace_id: uuid.UUID) -> tuple[Counter[str], int]:
        return self._document_frequency.get(workspace_id, Counter()), len(
            self._articles.get(workspace_id, {})
        )

    async def _index(
        self,
        session: AsyncSession,
        workspace_id: uuid.UUID,
        ids: list[uuid.UUID],
        versions: dict[uuid.UUID, int],
    ) -> None:
        rows = (await session.scalars(select(Article).where(Article.id.in_(ids)))).all()
        candidates = [_candidate(a) for a in rows]
        items = [(c.title, c.main_knowledge, c.questions) for c in candidates]
        features = await asyncio.to_thread(embed_features, self.embedder, items)
        frequency = self._document_frequency.setdefault(workspace_id, Counter())
        for candidate, feature in zip(candidates, features, strict=True):
            self._forget(workspace_id, candidate.id)
            entry = IndexedArticle(candidate, feature)
            self._articles[workspace_id][candidate.id] = (versions[candidate.id], entry)
            frequency.update(set(feature.terms))

    def _forget(self, workspace_id: uuid.UUID, article_id: uuid.UUID) -> None:
        entry = self._articles.get(workspace_id, {}).pop(article_id, None)
        if entry is not None:
            self._document_frequency[workspace_id].subtract(set(entry[1].features.terms))


async def _current_versions(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Collection[uuid.UUID] | None = None
) -> dict[uuid.UUID, int]:
    """Article id → a number that changes whenever the article's content may have changed."""
    statement = repository.pending_articles(workspace_id).with_only_columns(
        Article.id, Article.version, Article.updated_at
    )
    if ids is not None:
        statement = statement.where(Article.id.in_(ids))
    rows = (await session.execute(statement)).all()
    return {row[0]: hash((row[1], row[2])) for row in rows}


def _candidate(article: Article) -> Candidate:
    return Candidate(
        id=article.id,
        title=article.title,
        main_knowledge=article.main_knowledge,
        questions=list(article.questions),
        parent_folder_id=article.parent_folder_id,
        is_draft=article.is_draft,
        original_article_id=article.original_article_id,
        version=article.version,
    )


def tfidf_cosine(a: Counter[str], b: Counter[str], df: Counter[str], total: int) -> float:
    def weight(term: str, count: int) -> float:
        return (1 + math.log(count)) * math.log((1 + total) / (1 + df.get(term, 0)) + 1)

    shared = set(a) & set(b)
    if not shared:
        return 0.0
    dot = sum(weight(t, a[t]) * weight(t, b[t]) for t in shared)
    norm_a = math.sqrt(sum(weight(t, c) ** 2 for t, c in a.items()))
    norm_b = math.sqrt(sum(weight(t, c) ** 2 for t, c in b.items()))
    return dot / (norm_a * norm_b) if norm_a and norm_b else 0.0
