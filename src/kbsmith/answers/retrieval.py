"""Retrieval: full text in the database finds candidate articles, the shipped embedding model
and term coverage score them.

The score of an article is absolute (it does not depend on the other candidates), so one
calibrated floor decides whether anything answers the question:
``SEMANTIC_WEIGHT * best passage cosine + (1 - SEMANTIC_WEIGHT) * term coverage`` with the
model, term coverage alone without it.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.index import decode_vector
from kbsmith.answers.models import AnswerPassage
from kbsmith.answers.passages import PassageKind
from kbsmith.db.base import table_of
from kbsmith.db.dialect import full_text
from kbsmith.db.scoping import in_workspace
from kbsmith.generation.embeddings import Embedder
from kbsmith.generation.text import STOPWORDS, content_words, stem, words
from kbsmith.knowledge.models import Article
from kbsmith.knowledge.repository import visible_folders

LEXICAL_PASSAGES = 200
"""Passages the full-text query returns, best first: the candidates are their articles."""
MAX_CANDIDATES = 30
SEMANTIC_WEIGHT = 1.0
"""Fitted by ``bench/answers_calibration.py`` (best ranking top-1 on its fit half; 0.9 came
close): term coverage still decides without the model, and feeds ``confidence``."""
RARE_TERMS_WEIGHT = 0.1
"""With the model, the score adds this times the share of the question's terms the article
holds, each term weighted by its rarity in the workspace (``term_weight``): MiniLM alone
ranks customer phrasings no better than BM25; fitted by ``bench/answers_calibration.py``."""
MAX_QUERY_TERMS = 32
COMMON_TERM_PASSAGES = 500
"""A term held by at least this many passages of the workspace finds too much to rank (a
100,000-article workspace has ~16,000 passages with "go"): the full-text query leaves it
out, or when every term is that common, asks for passages holding all of them. Scoring still
uses the whole question. On PostgreSQL each passage found is a heap fetch (the workspace
filter and ``ts_rank`` read the row): at 100,000 articles a question touched 1,317 blocks
with a bound of 2,000, 887 with 1,000, 565 with 500, 420 with 250."""

Vector = np.ndarray[tuple[int], np.dtype[np.float32]]


@dataclass(frozen=True)
class Passage:
    id: int
    kind: PassageKind
    text: str
    vector: Vector | None


@dataclass
class Candidate:
    article_id: uuid.UUID
    title: str
    lexical_rank: int
    passages: list[Passage] = field(default_factory=list)
    similarities: dict[int, float] = field(default_factory=dict)
    """Cosine of the question with each embedded passage, by passage id."""
    coverage: float = 0.0
    rare_coverage: float = 0.0
    """The share of the question's terms held, each weighted by ``term_weight``."""
    score: float = 0.0

    @property
    def body(self) -> list[Passage]:
        return [p for p in self.passages if p.kind is PassageKind.BODY]

    def similarity_of(self, *kinds: str) -> float:
        """The best cosine of the question with a passage of one of these kinds (0 if none)."""
        return max(
            (self.similarities.get(p.id, 0.0) for p in self.passages if p.kind in kinds),
            default=0.0,
        )


def query_terms(question: str) -> list[str]:
    """The words worth searching for: no stopwords, each once, in order."""
    found = [w for w in words(question) if w not in STOPWORDS and len(w) > 1]
    return list(dict.fromkeys(found))[:MAX_QUERY_TERMS]


async def retrieve(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    question: str,
    *,
    agent_id: uuid.UUID | None,
    embedder: Embedder | None,
) -> list[Candidate]:
    """Candidate articles for the question, best first, each scored."""
    terms = query_terms(question)
    if not terms:
        return []
    # the model reads the question while the database searches
    embedding = asyncio.create_task(_embed(embedder, question))
    counts = await _term_counts(session, workspace_id, terms)
    candidates = await _lexical_candidates(session, workspace_id, terms, counts, agent_id)
    if candidates:
        await _load_passages(session, candidates)
    question_vector = await embedding
    if not candidates:
        return []
    weights = {stem(term): term_weight(count) for term, count in counts.items()}
    for candidate in candidates.values():
        _score(candidate, question, question_vector, weights)
    return sorted(candidates.values(), key=lambda c: (-c.score, c.lexical_rank))


def _passages_of(session: AsyncSession, workspace_id: uuid.UUID) -> ColumnElement[bool]:
    """The workspace condition kept off its index on SQLite: the full-text match must drive
    the query (else SQLite walks every passage of the workspace, matching each)."""
    return in_workspace(AnswerPassage, workspace_id, off_index=session)


def _scoped(
    session: AsyncSession,
    statement: Select[Any],
    workspace_id: uuid.UUID,
    agent_id: uuid.UUID | None,
) -> Select[Any]:
    statement = statement.where(_passages_of(session, workspace_id))
    if agent_id is None:
        return statement
    visible = select(visible_folders(workspace_id, agent_id).c.id)
    return statement.join(Article, Article.id == AnswerPassage.article_id).where(
        in_workspace(Article, workspace_id), Article.parent_folder_id.in_(visible)
    )


async def _lexical_candidates(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    terms: Sequence[str],
    counts: dict[str, int],
    agent_id: uuid.UUID | None,
) -> dict[uuid.UUID, Candidate]:
    rare = [term for term in terms if counts[term] < COMMON_TERM_PASSAGES]
    search = full_text(session, table_of(AnswerPassage), rare or terms, every=not rare)
    statement = select(AnswerPassage.article_id).select_from(search.source).where(search.matches)
    statement = _scoped(session, statement, workspace_id, agent_id)
    statement = statement.order_by(search.relevance.desc()).limit(LEXICAL_PASSAGES)
    ranked = dict.fromkeys((await session.scalars(statement)).all())
    return {
        article_id: Candidate(article_id, "", rank)
        for rank, article_id in enumerate(list(ranked)[:MAX_CANDIDATES])
    }


async def _term_counts(
    session: AsyncSession, workspace_id: uuid.UUID, terms: Sequence[str]
) -> dict[str, int]:
    """How many passages of the workspace hold each term, counted up to
    ``COMMON_TERM_PASSAGES`` only (one statement, one bounded count per term)."""
    passages = table_of(AnswerPassage)
    counts = []
    for term in terms:
        search = full_text(session, passages, [term])
        held = (
            select(literal(1))
            .select_from(search.source)
            .where(search.matches, _passages_of(session, workspace_id))
            .limit(COMMON_TERM_PASSAGES)
            .subquery()
        )
        counts.append(select(func.count()).select_from(held).scalar_subquery())
    row = (await session.execute(select(*counts))).one()
    return dict(zip(terms, (int(count) for count in row), strict=True))


def term_weight(passages: int) -> float:
    """A term's rarity from the passages holding it (bounded as counted): an inverse document
    frequency over ``COMMON_TERM_PASSAGES``, so a term that common weighs nothing."""
    return max(0.0, math.log((COMMON_TERM_PASSAGES + 0.5) / (passages + 0.5)))


async def _load_passages(session: AsyncSession, candidates: dict[uuid.UUID, Candidate]) -> None:
    rows = await session.execute(
        select(
            AnswerPassage.article_id,
            AnswerPassage.id,
            AnswerPassage.kind,
            AnswerPassage.text,
            AnswerPassage.vector,
        )
        .where(AnswerPassage.article_id.in_(list(candidates)))
        .order_by(AnswerPassage.article_id, AnswerPassage.position)
    )
    for article_id, passage_id, kind, text, vector in rows:
        passage = Passage(
            passage_id, PassageKind(kind), text, None if vector is None else decode_vector(vector)
        )
        candidates[article_id].passages.append(passage)
        if passage.kind is PassageKind.TITLE:
            candidates[article_id].title = text


async def _embed(embedder: Embedder | None, question: str) -> Vector | None:
    if embedder is None:
        return None
    vectors = await asyncio.to_thread(embedder.embed, [question])
    vector: Vector = vectors[0]
    return vector


def _score(
    candidate: Candidate,
    question: str,
    question_vector: Vector | None,
    weights: dict[str, float],
) -> None:
    held: set[str] = set()
    for passage in candidate.passages:
        held.update(content_words(passage.text))
    candidate.coverage = coverage(question, held)
    candidate.rare_coverage = weighted_coverage(weights, held)
    if question_vector is None:
        candidate.score = candidate.coverage
        return
    for passage in candidate.passages:
        if passage.vector is not None and passage.vector.shape == question_vector.shape:
            candidate.similarities[passage.id] = float(passage.vector @ question_vector)
    semantic = max(candidate.similarities.values(), default=0.0)
    candidate.score = (
        SEMANTIC_WEIGHT * semantic
        + (1 - SEMANTIC_WEIGHT) * candidate.coverage
        + RARE_TERMS_WEIGHT * candidate.rare_coverage
    )


def coverage(question: str, held: set[str]) -> float:
    """The share of the question's content words among ``held`` (lightly stemmed words)."""
    wanted = set(content_words(question))
    if not wanted:
        return 0.0
    return len(wanted & held) / len(wanted)


def weighted_coverage(weights: dict[str, float], held: set[str]) -> float:
    """The weight of the terms (stemmed) among ``held`` over the weight of them all."""
    total = math.fsum(weights.values())
    if total <= 0:
        return 0.0
    return math.fsum(w for term, w in weights.items() if term in held) / total


def term_overlap(question: str, text: str) -> float:
    return coverage(question, set(content_words(text)))
