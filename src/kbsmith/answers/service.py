"""Ask a question of a workspace's live knowledge (or of what one agent sees).

Answers come only from live, active articles; when no article scores above the calibrated
floor the answer is a plain "I don't know that yet" with nothing cited: never made up."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.answering import (
    NOT_KNOWN,
    Turn,
    answering_passages,
    extractive_answer,
    snippet,
    standalone_question,
)
from kbsmith.answers.records import record_answer
from kbsmith.answers.retrieval import Candidate, retrieve
from kbsmith.db.database import Database
from kbsmith.generation.embeddings import Embedder, load_embedder
from kbsmith.knowledge.agents import get_agent

FLOOR_WITH_MODEL = 0.825
"""The least score that answers, with the embedding model (calibrated on part of CovidFAQ by
``bench/answers_calibration.py``, checked on the rest)."""
FLOOR_WITHOUT_MODEL = 1.0
"""Without the model (term coverage alone): every content word of the question must be in
the article; even so fewer than 90% of CovidFAQ questions whose article is gone are refused."""
MAX_BASED_ON = 5


@dataclass(frozen=True)
class Question:
    text: str
    history: Sequence[Turn] = ()
    agent_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Citation:
    article_id: uuid.UUID
    title: str
    score: float
    text: str
    """The knowledge used: the article's passages that answer the question."""
    snippet: str


@dataclass(frozen=True)
class Answer:
    id: uuid.UUID
    question: str
    """The question as answered: a follow-up rewritten to stand alone."""
    text: str
    success: bool
    based_on: list[Citation]
    messages: list[Turn]


async def ask(
    session: AsyncSession, workspace_id: uuid.UUID, question: Question, *, use_model: bool = True
) -> Answer:
    """NotFound when ``question.agent_id`` is not an agent of the workspace."""
    if question.agent_id is not None:
        await get_agent(session, workspace_id, question.agent_id)
    embedder = load_embedder() if use_model else None
    standalone = standalone_question(question.text, question.history)
    candidates = await retrieve(
        session, workspace_id, standalone, agent_id=question.agent_id, embedder=embedder
    )
    cited = [c for c in candidates if c.score >= floor(embedder)][:MAX_BASED_ON]
    based_on = [_citation(standalone, c) for c in cited]
    text = (
        extractive_answer(cited[0].title, answering_passages(standalone, cited[0]))
        if cited
        else NOT_KNOWN
    )
    turns = [*question.history, Turn("user", question.text), Turn("assistant", text)]
    return Answer(uuid.uuid4(), standalone, text, bool(cited), based_on, turns)


def floor(embedder: Embedder | None) -> float:
    return FLOOR_WITH_MODEL if embedder is not None else FLOOR_WITHOUT_MODEL


def _citation(question: str, candidate: Candidate) -> Citation:
    used = "\n\n".join(p.text for p in answering_passages(question, candidate))
    return Citation(
        candidate.article_id, candidate.title, round(candidate.score, 4), used, snippet(used)
    )


async def ask_and_record(
    db: Database, workspace_id: uuid.UUID, question: Question, *, key_id: uuid.UUID | None
) -> Answer:
    """``ask`` in a read transaction, then the answer recorded in a short write of its own
    (asking needs only the read scope; the record is kbsmith's, not the caller's, change)."""
    started = time.perf_counter()
    async with db.read() as session:
        answer = await ask(session, workspace_id, question)
    latency_ms = (time.perf_counter() - started) * 1000
    async with db.write() as session:
        record_answer(
            session,
            workspace_id,
            answer,
            agent_id=question.agent_id,
            key_id=key_id,
            latency_ms=latency_ms,
        )
    return answer
