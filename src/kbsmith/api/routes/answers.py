"""POST /v2/bots/ask-question: Fini's body and answer, plain JSON or server-sent events."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from kbsmith.answers import records, service
from kbsmith.answers.answering import Turn
from kbsmith.answers.llm import AnswerWriter
from kbsmith.api.deps import DatabaseDep, ReadPrincipal, SettingsDep, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas.answers import (
    AnswerRequestPage,
    AskQuestionIn,
    AskQuestionOut,
    render,
    render_record,
)
from kbsmith.db.pagination import DEFAULT_LIMIT, MAX_LIMIT, Direction
from kbsmith.generation.llm.config import LLMConfig

router = APIRouter(tags=["agents"], dependencies=[Depends(require_json)])

STREAM_PIECE = re.compile(r"\S+\s*|\s+")
"""Streamed pieces are words with the space after them: joined, they are the answer."""


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
            db,
            principal.workspace_id,
            question,
            key_id=principal.key_id,
            writer=writer,
            floor=settings.answer_floor,
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
