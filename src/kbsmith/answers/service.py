"""Ask a question of a workspace's live knowledge (or of what one agent sees).

Answers come only from live, active articles; when no article scores above the calibrated
floor the answer is a plain "I don't know that yet" with nothing cited: never made up."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers import confidence
from kbsmith.answers.answering import (
    NOT_KNOWN,
    Turn,
    answering_passages,
    extractive_answer,
    readings,
    snippet,
    standalone_question,
)
from kbsmith.answers.llm import AnswerWriter
from kbsmith.answers.ranking import answer_model
from kbsmith.answers.records import record_answer
from kbsmith.answers.retrieval import Candidate, retrieve
from kbsmith.db.database import Database
from kbsmith.db.dialect import without_waiting_for_disk
from kbsmith.generation.embeddings import loaded_embedder
from kbsmith.knowledge.agents import get_agent

CITED_MARGIN = 1.0
"""Once the best article answers, the next ones scoring within this of it are cited too (the
fitted score is a log-likelihood: at least e^-1 ~ 0.37 times as likely as the best)."""
CITED_MARGIN_WITHOUT_MODEL = 0.1
"""The same, in shares of the question's content words held."""
FLOOR_WITHOUT_MODEL = 1.0
"""Without the model (term coverage alone): every content word of the question must be in
the article; even so fewer than 90% of CovidFAQ questions whose article is gone are refused."""
MAX_BASED_ON = 5


@dataclass(frozen=True)
class Question:
    text: str
    history: Sequence[Turn] = ()
    agent_id: uuid.UUID | None = None
    instruction: str | None = None
    """For the LLM backend: the owner's guidance on tone and form."""
    temperature: float = 0.4


@dataclass(frozen=True)
class Found:
    """What the knowledge holds for a question: the articles to answer from, best first
    (none: nothing answers)."""

    question: str
    """The question as answered: a follow-up rewritten to stand alone."""
    cited: list[Candidate]
    scores: dict[uuid.UUID, float]
    """Each cited article's score as shown (0-1, ``shown_scores``)."""


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


async def find(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    question: Question,
    *,
    use_model: bool = True,
    floor: float | None = None,
) -> Found:
    """NotFound when ``question.agent_id`` is not an agent of the workspace. ``floor``: the
    least log-odds that answers (``KBSMITH_ANSWER_FLOOR``; None: the fitted one)."""
    if question.agent_id is not None:
        await get_agent(session, workspace_id, question.agent_id)
    embedder = await loaded_embedder() if use_model else None
    model, model_used = answer_model(floor), embedder is not None
    found: Found | None = None
    surest = -1.0
    # a message that only opens like a follow-up ("What if I lose my card?") may stand alone:
    # with the model, the reading it is surer of is answered
    texts = (
        readings(question.text, question.history)
        if model_used
        else [standalone_question(question.text, question.history)]
    )
    for reading in texts:
        candidates = await retrieve(
            session, workspace_id, reading, agent_id=question.agent_id, embedder=embedder
        )
        judged = confidence.judged(candidates, model) if model_used else None
        sure = judged.probability if judged else 0.0
        if found is None or sure > surest:
            answered = judged.answers if judged else _covered(candidates)
            cited = _cited(candidates, answered, model_used)
            scores = shown_scores(candidates, cited, sure, model_used)
            found, surest = Found(reading, cited, scores), sure
    assert found is not None
    return found


async def ask(
    session: AsyncSession, workspace_id: uuid.UUID, question: Question, *, use_model: bool = True
) -> Answer:
    """The extractive answer (offline). NotFound as ``find``."""
    return extractive(question, await find(session, workspace_id, question, use_model=use_model))


def extractive(question: Question, found: Found) -> Answer:
    """The best article's answering passages quoted, or "I don't know"."""
    if not found.cited:
        return _answer(question, found, NOT_KNOWN, [])
    best = found.cited[0]
    text = extractive_answer(best.title, answering_passages(found.question, best))
    return _answer(question, found, text, found.cited)


async def written(question: Question, found: Found, writer: AnswerWriter) -> Answer:
    """The model's answer from the cited articles' passages; "I don't know" when it cites
    nothing, invents a citation or fails (see ``answers.llm``)."""
    if not found.cited:
        return extractive(question, found)
    reply = await writer.write(
        found.question,
        found.cited,
        instruction=question.instruction,
        temperature=question.temperature,
    )
    if reply is None:
        return _answer(question, found, NOT_KNOWN, [])
    used = [c for c in found.cited if c.article_id in reply.cited]
    return _answer(question, found, reply.text, used)


def _answer(question: Question, found: Found, text: str, cited: list[Candidate]) -> Answer:
    based_on = [_citation(found.question, c, found.scores[c.article_id]) for c in cited]
    turns = [*question.history, Turn("user", question.text), Turn("assistant", text)]
    return Answer(uuid.uuid4(), found.question, text, bool(cited), based_on, turns)


def _cited(ranked: list[Candidate], answered: bool, model: bool) -> list[Candidate]:
    """Nothing unless the best candidate answers (``confidence`` with the model, every
    content word of the question held without it); then it and its close seconds."""
    if not answered:
        return []
    least = ranked[0].score - (CITED_MARGIN if model else CITED_MARGIN_WITHOUT_MODEL)
    return [c for c in ranked if c.score >= least][:MAX_BASED_ON]


def shown_scores(
    ranked: list[Candidate], cited: list[Candidate], sure: float, model: bool
) -> dict[uuid.UUID, float]:
    """Scores between 0 and 1: ``sure``, the answer model's probability that the best article
    answers, and each other one's that as likely relative to the best (the score is a
    log-likelihood); without the model, the share of the question's content words each holds."""
    if not model:
        return {c.article_id: c.score for c in cited}
    top = ranked[0].score if ranked else 0.0
    return {c.article_id: sure * math.exp(min(0.0, c.score - top)) for c in cited}


def _covered(ranked: list[Candidate]) -> bool:
    return bool(ranked) and ranked[0].score >= FLOOR_WITHOUT_MODEL


def _citation(question: str, candidate: Candidate, score: float) -> Citation:
    used = "\n\n".join(p.text for p in answering_passages(question, candidate))
    return Citation(candidate.article_id, candidate.title, round(score, 4), used, snippet(used))


async def ask_and_record(
    db: Database,
    workspace_id: uuid.UUID,
    question: Question,
    *,
    key_id: uuid.UUID | None,
    writer: AnswerWriter | None = None,
    floor: float | None = None,
) -> Answer:
    """``find`` in a read transaction, the answer (extractive, or by ``writer``'s model with
    no transaction open), then the answer recorded in a short write of its own (asking needs
    only the read scope; the record is kbsmith's, not the caller's, change)."""
    started = time.perf_counter()
    async with db.read() as session:
        found = await find(session, workspace_id, question, floor=floor)
    answer = (
        extractive(question, found) if writer is None else await written(question, found, writer)
    )
    latency_ms = (time.perf_counter() - started) * 1000
    async with db.write() as session:
        # a record is a log: asking does not wait for its commit to reach the disk
        await without_waiting_for_disk(session)
        record_answer(
            session,
            workspace_id,
            answer,
            agent_id=question.agent_id,
            key_id=key_id,
            latency_ms=latency_ms,
        )
    return answer
