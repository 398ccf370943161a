"""What a generation job announces to webhooks, in the transaction that saves (or fails) it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.jobs.registry import FailedJob
from kbsmith.knowledge.models import Article
from kbsmith.webhooks import events


async def announce_saved(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    job_id: uuid.UUID,
    document_id: uuid.UUID | None,
    result: dict[str, Any],
) -> None:
    """job.completed, and draft.created for each draft the job wrote (its article, when the
    job saved a draft, and the draft holding a conflict's other side)."""
    data = {"jobId": str(job_id), "documentId": str(document_id) if document_id else None}
    summary = {key: result.get(key) for key in ("operation", "hcArticleId", "targetArticleId")}
    await events.emit(session, workspace_id, events.Event.JOB_COMPLETED, {**data, **summary})
    drafts = dict.fromkeys(
        value for value in (result.get("hcArticleId"), result.get("conflictDraftId")) if value
    )
    for draft_id in drafts:
        article = await session.get(Article, uuid.UUID(draft_id))
        if article is not None and article.is_draft:
            await events.emit(
                session,
                workspace_id,
                events.Event.DRAFT_CREATED,
                {**data, "articleId": draft_id, "title": article.title, **summary},
            )


async def announce_failure(session: AsyncSession, failed: FailedJob) -> None:
    if failed.workspace_id is None:
        return
    document_id = failed.payload.get("documentId")
    await events.emit(
        session,
        failed.workspace_id,
        events.Event.JOB_FAILED,
        {"jobId": str(failed.id), "documentId": document_id, "error": failed.error},
    )
