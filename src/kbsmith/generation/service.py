"""Generation use cases: queue jobs (one, or one per source atomically) and report on them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.scoping import belongs
from kbsmith.errors import FIELD, InvalidInput, NotFound
from kbsmith.generation.request import GenerationRequest
from kbsmith.jobs import queue
from kbsmith.jobs.models import Job
from kbsmith.knowledge import agents
from kbsmith.sources.service import sources_by_ids

GENERATE_JOB = "generation.generate"
ORIGINS = frozenset({"generated", "sources", "inbox"})
MAX_CANDIDATE_CHARS = 200_000


@dataclass(frozen=True)
class JobReport:
    id: uuid.UUID
    status: str
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    hc_article_id: str | None
    operation: str | None
    target_article_id: str | None
    reason: str | None
    error: str | None
    conflicts: list[dict[str, str]]
    conflict_draft_id: str | None


def check_request(request: GenerationRequest) -> None:
    if request.origin not in ORIGINS:
        raise InvalidInput(f"{FIELD} must be one of {', '.join(sorted(ORIGINS))}", "origin")
    if request.origin == "sources" and request.document_id is None:
        raise InvalidInput(f"{FIELD} is required when origin is 'sources'", "document_id")
    if request.origin == "inbox" and not request.hc_event_id:
        raise InvalidInput(f"{FIELD} is required when origin is 'inbox'", "hc_event_id")
    text = request.candidate_knowledge
    if text is not None and not text.strip():
        raise InvalidInput(f"{FIELD} must not be empty", "candidate_knowledge")
    if text is not None and len(text) > MAX_CANDIDATE_CHARS:
        raise InvalidInput(
            f"{FIELD} must be at most {MAX_CANDIDATE_CHARS} characters", "candidate_knowledge"
        )


async def _check_references(
    session: AsyncSession, workspace_id: uuid.UUID, request: GenerationRequest
) -> None:
    if request.bot_id is not None:
        try:
            await agents.get_agent(session, workspace_id, request.bot_id)
        except NotFound:
            raise InvalidInput(
                f"{FIELD} {request.bot_id} is not a bot of this workspace", "bot_id"
            ) from None


async def generate(
    session: AsyncSession, workspace_id: uuid.UUID, request: GenerationRequest
) -> uuid.UUID:
    check_request(request)
    await _check_references(session, workspace_id, request)
    if request.document_id is not None:
        await sources_by_ids(session, workspace_id, [request.document_id], "document_id")
    job = queue.enqueue(session, GENERATE_JOB, request.to_payload(), workspace_id=workspace_id)
    return job.id


async def generate_bulk(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    document_ids: Sequence[uuid.UUID],
    template: GenerationRequest,
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """One job per source, all or none; every source must have ingested content. Answers one
    ``(source, job)`` per input, in order (a source given twice is generated once)."""
    if template.origin != "sources":
        raise InvalidInput(f"{FIELD} must be 'sources' for bulk generation", "origin")
    if not document_ids:
        raise InvalidInput(f"{FIELD} must be a non-empty array", "document_ids")
    await _check_references(session, workspace_id, template)
    sources = await sources_by_ids(session, workspace_id, document_ids, "document_ids")
    empty = [str(s.id) for s in sources if not (s.success and s.paragraphs) and not s.paragraphs]
    if empty:
        raise InvalidInput(
            f"{FIELD} without successfully ingested content: {', '.join(empty[:20])}",
            "document_ids",
        )
    payloads = [
        GenerationRequest(
            origin="sources",
            document_id=s.id,
            allowed=template.allowed,
            instructions=template.instructions,
            bot_id=template.bot_id,
            is_draft=template.is_draft,
        ).to_payload()
        for s in sources
    ]
    jobs = queue.enqueue_many(session, GENERATE_JOB, payloads, workspace_id=workspace_id)
    job_of = {s.id: job.id for s, job in zip(sources, jobs, strict=True)}
    return [(document_id, job_of[document_id]) for document_id in document_ids]


async def job_reports(
    session: AsyncSession, workspace_id: uuid.UUID, job_ids: Sequence[uuid.UUID]
) -> list[JobReport]:
    if not job_ids:
        raise InvalidInput(f"{FIELD} must be a non-empty array", "job_ids")
    found = await queue.get_jobs(session, job_ids)
    for job_id in job_ids:
        job = found.get(job_id)
        if job is None or not belongs(job, workspace_id) or job.kind != GENERATE_JOB:
            raise NotFound(f"job {job_id} not found")
    return [_report(found[job_id]) for job_id in dict.fromkeys(job_ids)]


def _report(job: Job) -> JobReport:
    result = job.result or {}
    return JobReport(
        id=job.id,
        status=job.status,
        created_at=job.created_at,
        started_at=job.started_at,
        completed_at=job.completed_at,
        hc_article_id=result.get("hcArticleId"),
        operation=result.get("operation"),
        target_article_id=result.get("targetArticleId"),
        reason=result.get("reason"),
        error=job.error or None,
        conflicts=result.get("conflicts", []),
        conflict_draft_id=result.get("conflictDraftId"),
    )
