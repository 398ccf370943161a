"""Every answer is recorded (question, answer, what it was based on, latency, key), and the
records are listed newest first in keyset pages."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.answers.models import AnswerRecord
from kbsmith.db.pagination import MAX_LIMIT, Cursor, Direction, Page, keyset_page
from kbsmith.db.scoping import in_workspace
from kbsmith.errors import InvalidInput

if TYPE_CHECKING:
    from kbsmith.answers.service import Answer


def record_answer(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    answer: Answer,
    *,
    agent_id: uuid.UUID | None,
    key_id: uuid.UUID | None,
    latency_ms: float,
) -> AnswerRecord:
    record = AnswerRecord(
        id=answer.id,
        workspace_id=workspace_id,
        key_id=key_id,
        agent_id=agent_id,
        question=answer.messages[-2].content,
        standalone_question=answer.question,
        answer=answer.text,
        success=answer.success,
        based_on=[
            {"articleId": str(c.article_id), "title": c.title, "score": c.score}
            for c in answer.based_on
        ],
        latency_ms=round(latency_ms, 3),
    )
    session.add(record)
    return record


async def list_records(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    cursor_id: uuid.UUID | None,
    direction: Direction,
    limit: int,
) -> Page[AnswerRecord]:
    """Newest first; ``cursor_id`` is a record (answer) id of the workspace."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
    cursor = None
    if cursor_id is not None:
        row = (
            await session.execute(
                select(AnswerRecord.created_at, AnswerRecord.id).where(
                    in_workspace(AnswerRecord, workspace_id), AnswerRecord.id == cursor_id
                )
            )
        ).one_or_none()
        if row is None:
            raise InvalidInput(f"cursor: no answer {cursor_id} in this workspace")
        cursor = Cursor(updated_at=row.created_at, id=row.id)
    statement = select(AnswerRecord).where(in_workspace(AnswerRecord, workspace_id))
    return await keyset_page(
        session,
        statement,
        AnswerRecord.created_at,
        AnswerRecord.id,
        cursor=cursor,
        direction=direction,
        limit=limit,
    )
