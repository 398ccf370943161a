"""Retrieval: full text in the database finds candidate articles; the shipped embedding model
and the question's terms describe each (``ranking.Signals``) and the fitted model scores it.

The score of an article is absolute (it does not depend on the other candidates), so that the
answer-or-refuse model (``confidence``) reads what stands out. Without the embedding model the
score is the share of the question's content words the article holds.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import ColumnElement, Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.counts import TermCounts
from kbsmith.answers.index import decode_vector
from kbsmith.answers.models import AnswerPassage
from kbsmith.answers.passages import PassageKind
from kbsmith.answers.ranking import (
    COMMON_TERM_PASSAGES,
    FUNCTION_WORDS,
    NO_MATCH,
    NO_SIGNALS,
    AnswerModel,
    Signals,
    TitleMatch,
    Weighed,
    article_fields,
    plain_words,
    shipped_model,
    signals,
    term_weight,
    title_match,
    weighed,
)
from kbsmith.db.base import table_of
from kbsmith.db.dialect import full_text
from kbsmith.db.scoping import in_workspace
from kbsmith.generation.embeddings import Embedder
from kbsmith.generation.text import stem
from kbsmith.knowledge.models import Article
from kbsmith.knowledge.repository import visible_folders

LEXICAL_PASSAGES = 200
"""Passages the full-text query returns, best first: the candidates are their articles."""
MAX_CANDIDATES = 30
MAX_QUERY_TERMS = 32
# A term held by at least COMMON_TERM_PASSAGES passages of the workspace finds too much to
# rank (a 100,000-article workspace has ~16,000 passages with "go"): the full-text query
# leaves it out, or when every term is that common, asks for passages holding all of them.
# Scoring still uses the whole question. On PostgreSQL each passage found is a heap fetch
# (the workspace filter and ``ts_rank`` read the row): at 100,000 articles a question touched
# 1,317 blocks with a bound of 2,000, 887 with 1,000, 565 with 500, 420 with 250.

RECENT_COUNTS = TermCounts()
"""The process's recently counted terms (see ``answers.counts``)."""

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
    """The share of the question's content words held (the score without the model)."""
    signals: Signals = NO_SIGNALS
    """What the fitted model reads (with the embedding model)."""
    title_match: TitleMatch = NO_MATCH
    """Which of the question's content terms its title and questions hold (likewise)."""
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
    """The words worth searching for (and counting): no stopwords, each once, in order."""
    found = [w for w in plain_words(question) if w not in FUNCTION_WORDS and len(w) > 1]
    return list(dict.fromkeys(found))[:MAX_QUERY_TERMS]


async def retrieve(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    question: str,
    *,
    agent_id: uuid.UUID | None,
    embedder: Embedder | None,
    model: AnswerModel | None = None,
) -> list[Candidate]:
    """Candidate articles for the question, best first, each scored (by ``model``, the
    shipped one by default)."""
    terms = query_terms(question)
    if not terms:
        return []
    # the model reads the question while the database searches
    embedding = asyncio.create_task(_embed(embedder, question))
    counts = await term_counts(session, workspace_id, terms, RECENT_COUNTS)
    candidates = await _candidates(session, workspace_id, terms, counts, agent_id)
    question_vector = await embedding
    if not candidates:
        return []
    model = model or shipped_model()
    asked = weighed(question, counted_weights(counts), model.function_word_weight)
    for candidate in candidates.values():
        _score(candidate, asked, question_vector, model)
    return sorted(candidates.values(), key=lambda c: (-c.score, c.lexical_rank))


def _passages_of(session: AsyncSession, workspace_id: uuid.UUID) -> ColumnElement[bool]:
    """The workspace condition kept off its index on SQLite: the full-text match must drive
    the query (else SQLite walks every passage of the workspace, matching each)."""
    return in_workspace(AnswerPassage, workspace_id, off_index=session)


def _scoped(
    session: AsyncSession,
    statement: Select[uuid.UUID, float, int],
    workspace_id: uuid.UUID,
    agent_id: uuid.UUID | None,
) -> Select[uuid.UUID, float, int]:
    statement = statement.where(_passages_of(session, workspace_id))
    if agent_id is None:
        return statement
    visible = select(visible_folders(workspace_id, agent_id).c.id)
    return statement.join(Article, Article.id == AnswerPassage.article_id).where(
        in_workspace(Article, workspace_id), Article.parent_folder_id.in_(visible)
    )


async def _candidates(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    terms: Sequence[str],
    counts: dict[str, int],
    agent_id: uuid.UUID | None,
) -> dict[uuid.UUID, Candidate]:
    """The articles of the best ``LEXICAL_PASSAGES`` passages by full text (the first
    ``MAX_CANDIDATES``, by their best passage), with all their passages: one statement."""
    rare = [term for term in terms if counts[term] < COMMON_TERM_PASSAGES]
    weights = {term: term_weight(counts[term]) for term in rare}
    search = full_text(
        session, table_of(AnswerPassage), rare or terms, every=not rare, weights=weights
    )
    found = select(
        AnswerPassage.article_id.label("article_id"),
        search.relevance.label("relevance"),
        AnswerPassage.id.label("passage_id"),
    )
    found = _scoped(
        session, found.select_from(search.source).where(search.matches), workspace_id, agent_id
    )
    passages = found.order_by(search.relevance.desc()).limit(LEXICAL_PASSAGES).subquery()
    relevance = func.max(passages.c.relevance)
    first = func.min(passages.c.passage_id)  # of equally relevant articles, the older first
    articles = (
        select(passages.c.article_id, relevance.label("relevance"), first.label("first"))
        .group_by(passages.c.article_id)
        .order_by(relevance.desc(), first)
        .limit(MAX_CANDIDATES)
        .subquery()
    )
    rows = await session.execute(
        select(
            AnswerPassage.article_id,
            AnswerPassage.id,
            AnswerPassage.kind,
            AnswerPassage.text,
            AnswerPassage.vector,
        )
        .join(articles, articles.c.article_id == AnswerPassage.article_id)
        .order_by(articles.c.relevance.desc(), articles.c.first, AnswerPassage.position)
    )
    candidates: dict[uuid.UUID, Candidate] = {}
    for article_id, passage_id, kind, text, vector in rows:
        candidate = candidates.get(article_id)
        if candidate is None:
            candidate = candidates[article_id] = Candidate(article_id, "", len(candidates))
        passage = Passage(
            passage_id, PassageKind(kind), text, None if vector is None else decode_vector(vector)
        )
        candidate.passages.append(passage)
        if passage.kind is PassageKind.TITLE:
            candidate.title = text
    return candidates


def counted_weights(counts: dict[str, int]) -> dict[str, float]:
    """Each counted term's weight by its stem (``ranking.term_weight``)."""
    return {stem(term): term_weight(count) for term, count in counts.items()}


async def term_counts(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    terms: Sequence[str],
    recent: TermCounts | None = None,
) -> dict[str, int]:
    """How many passages of the workspace hold each term, counted up to
    ``COMMON_TERM_PASSAGES`` only (one statement, one bounded count per term); those
    ``recent`` still knows are not counted again."""
    known = recent.known(workspace_id, terms) if recent is not None else {}
    missing = [term for term in terms if term not in known]
    if not missing:
        return known
    counted = await _count(session, workspace_id, missing)
    if recent is not None:
        recent.remember(workspace_id, counted)
    return known | counted


async def _count(
    session: AsyncSession, workspace_id: uuid.UUID, terms: Sequence[str]
) -> dict[str, int]:
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


async def _embed(embedder: Embedder | None, question: str) -> Vector | None:
    if embedder is None:
        return None
    vectors = await asyncio.to_thread(embedder.embed, [question])
    vector: Vector = vectors[0]
    return vector


def _score(
    candidate: Candidate, question: Weighed, question_vector: Vector | None, model: AnswerModel
) -> None:
    fields = article_fields((p.kind.value, p.text) for p in candidate.passages)
    wanted = question.content
    candidate.coverage = len(wanted & fields.content) / len(wanted) if wanted else 0.0
    if question_vector is None:
        candidate.score = candidate.coverage
        return
    for passage in candidate.passages:
        if passage.vector is not None and passage.vector.shape == question_vector.shape:
            candidate.similarities[passage.id] = float(passage.vector @ question_vector)
    candidate.signals = signals(
        question,
        fields,
        title_similarity=candidate.similarity_of(PassageKind.TITLE, PassageKind.QUESTION),
        body_similarity=candidate.similarity_of(PassageKind.BODY),
    )
    candidate.title_match = title_match(question, fields)
    candidate.score = model.score(candidate.signals)
