"""POST /v2/bots/ask-question: Fini's body and answer, plain JSON or server-sent events."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kbsmith.answers import records, service
from kbsmith.answers.answering import Turn
from kbsmith.answers.llm import AnswerWriter
from kbsmith.answers.models import AnswerRecord
from kbsmith.api.deps import DatabaseDep, ReadPrincipal, SettingsDep, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import ApiTime, WireId, WireModel, WireRequest
from kbsmith.db.pagination import DEFAULT_LIMIT, MAX_LIMIT, Direction
from kbsmith.generation.llm.config import LLMConfig

router = APIRouter(tags=["agents"], dependencies=[Depends(require_json)])

QUESTION_MAX_CHARS = 4_000
HISTORY_MAX_TURNS = 100
STREAM_PIECE = re.compile(r"\S+\s*|\s+")
"""Streamed pieces are words with the space after them: joined, they are the answer."""


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
    stop: list[str] | None = None
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


@router.post(
    "/v2/bots/ask-question",
    summary="Answer a question from the live knowledge (or an agent's folders)",
    response_model=AskQuestionOut,
    responses=error_responses(404)
    | {200: {"content": {"text/event-stream": {}}, "description": "The answer"}},
)
async def ask_question(
    body: AskQuestionIn, principal: ReadPrincipal, db: DatabaseDep, settings: SettingsDep
) -> AskQuestionOut | StreamingResponse:
    question = service.Question(
        text=body.question,
        history=[Turn(m.role, m.content) for m in body.message_history],
        agent_id=body.bot_id,
        instruction=body.instruction,
        temperature=body.temperature,
    )
    writer = AnswerWriter(LLMConfig.from_settings(settings)) if settings.llm_base_url else None
    try:
        answer = await service.ask_and_record(
            db, principal.workspace_id, question, key_id=principal.key_id, writer=writer
        )
    finally:
        if writer is not None:
            await writer.aclose()
    rendered = render(answer)
    if body.stream:
        return StreamingResponse(_events(rendered), media_type="text/event-stream")
    return rendered


async def _events(rendered: AskQuestionOut) -> AsyncIterator[str]:
    """``event: answer`` with ``{"answer": piece}`` per piece, then ``event: done`` with the
    whole JSON body."""
    for piece in STREAM_PIECE.findall(rendered.answer):
        yield _event("answer", {"answer": piece})
    yield _event("done", rendered.model_dump(mode="json", by_alias=True))


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


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


@router.get("/v2/bots/requests/public", summary="List the questions asked, newest first (ext)")
async def list_requests(
    principal: ReadPrincipal,
    db: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[uuid.UUID | None, Query(description="An answer_uuid")] = None,
    direction: Annotated[Direction, Query(description="next: older; previous: newer")] = (
        Direction.NEXT
    ),
) -> AnswerRequestPage:
    async with db.read() as session:
        page = await records.list_records(
            session, principal.workspace_id, cursor_id=cursor, direction=direction, limit=limit
        )
        return AnswerRequestPage(
            requests=[render_record(r) for r in page.items], has_more=page.has_more
        )
