"""Answers on the wire: asking a question, and the record of the questions asked."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kbsmith.answers import service
from kbsmith.answers.models import AnswerRecord
from kbsmith.api.schemas import ApiTime, WireId, WireModel, WireRequest

QUESTION_MAX_CHARS = 4_000


HISTORY_MAX_TURNS = 100


class ChatMessage(WireRequest):
    role: Literal["user", "assistant", "system"]
    content: str


class AskQuestionIn(WireRequest):
    question: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=QUESTION_MAX_CHARS)
    ]
    message_history: Annotated[list[ChatMessage], Field(max_length=HISTORY_MAX_TURNS)] = []
    instruction: str | None = None
    stream: bool = False
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.4
    stop: str | list[str] | None = None
    """Accepted, one sequence or several, and not used: an extractive answer has none to stop
    at, and the LLM backend answers in a JSON schema a stop sequence would cut short."""
    categories: list[str] | None = None
    functions: list[Any] | None = None
    function_call: Annotated[Any, Field(alias="function_call")] = None
    user_attributes: Annotated[dict[str, Any] | None, Field(alias="user_attributes")] = None
    bot_id: WireId | None = None
    """(ext) answer only from the folders assigned to this agent, and their subfolders."""


class MessageOut(BaseModel):
    role: str
    content: str


class BasedOnOut(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    answer: str
    """The knowledge used: the article's passages that answer the question."""
    score: float
    source_id: uuid.UUID
    source_type: Literal["hc_article"] = "hc_article"
    article_id: uuid.UUID = Field(serialization_alias="articleId")
    title: str
    snippet: str


class AskQuestionOut(BaseModel):
    answer: str
    answer_uuid: uuid.UUID
    based_on: list[BasedOnOut]
    categories: list[str]
    messages: list[MessageOut]
    success: Literal[0, 1]


def render(answer: service.Answer) -> AskQuestionOut:
    return AskQuestionOut(
        answer=answer.text,
        answer_uuid=answer.id,
        based_on=[
            BasedOnOut(
                answer=c.text,
                score=c.score,
                source_id=c.article_id,
                article_id=c.article_id,
                title=c.title,
                snippet=c.snippet,
            )
            for c in answer.based_on
        ],
        categories=[],
        messages=[MessageOut(role=t.role, content=t.content) for t in answer.messages],
        success=1 if answer.success else 0,
    )


class RecordedSource(WireModel):
    article_id: uuid.UUID
    title: str
    score: float


class AnswerRequest(WireModel):
    """(ext) One recorded question and its answer."""

    id: uuid.UUID
    """The answer's ``answer_uuid``."""
    question: str
    standalone_question: str
    answer: str
    success: Literal[0, 1]
    based_on: list[RecordedSource]
    latency_ms: float
    key_id: uuid.UUID | None
    bot_id: uuid.UUID | None
    created_at: ApiTime


class AnswerRequestPage(WireModel):
    requests: list[AnswerRequest]
    has_more: bool


def render_record(record: AnswerRecord) -> AnswerRequest:
    return AnswerRequest(
        id=record.id,
        question=record.question,
        standalone_question=record.standalone_question,
        answer=record.answer,
        success=1 if record.success else 0,
        based_on=[RecordedSource.model_validate(entry) for entry in record.based_on],
        latency_ms=record.latency_ms,
        key_id=record.key_id,
        bot_id=record.agent_id,
        created_at=record.created_at,
    )
