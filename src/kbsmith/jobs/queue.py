"""Enqueueing: a job row added to the caller's transaction, so it exists iff that commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.db.database import after_commit
from kbsmith.jobs.models import Job, JobStatus

_wake_listeners: list[Callable[[], None]] = []


def on_enqueue(listener: Callable[[], None]) -> Callable[[], None]:
    """Call ``listener`` after any transaction of this process that enqueued jobs commits."""
    _wake_listeners.append(listener)
    return lambda: _wake_listeners.remove(listener)


def _wake_workers() -> None:
    for listener in list(_wake_listeners):
        listener()


def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    workspace_id: uuid.UUID | None = None,
    max_attempts: int = 5,
    run_at: datetime | None = None,
) -> Job:
    return enqueue_many(
        session,
        kind,
        [payload],
        workspace_id=workspace_id,
        max_attempts=max_attempts,
        run_at=run_at,
    )[0]


def enqueue_many(
    session: AsyncSession,
    kind: str,
    payloads: Iterable[dict[str, Any]],
    *,
    workspace_id: uuid.UUID | None = None,
    max_attempts: int = 5,
    run_at: datetime | None = None,
) -> list[Job]:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    now = utcnow()
    jobs = [
        Job(
            id=uuid.uuid4(),
            kind=kind,
            payload=payload,
            workspace_id=workspace_id,
            max_attempts=max_attempts,
            run_at=run_at or now,
            created_at=now,
            request_id=request_id,
        )
        for payload in payloads
    ]
    session.add_all(jobs)
    after_commit(session, _wake_workers)
    return jobs


async def get_jobs(session: AsyncSession, job_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Job]:
    if not job_ids:
        return {}
    result = await session.execute(select(Job).where(Job.id.in_(job_ids)))
    return {job.id: job for job in result.scalars()}


def record_failed(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    error: str,
    *,
    workspace_id: uuid.UUID | None = None,
) -> Job:
    """A job that ended FAILED without running: a failure found by other means (a document a
    sync found deleted upstream) shown where the kind's failures are."""
    now = utcnow()
    job = Job(
        id=uuid.uuid4(),
        kind=kind,
        payload=payload,
        workspace_id=workspace_id,
        status=JobStatus.FAILED,
        run_at=now,
        created_at=now,
        completed_at=now,
        error=error,
        request_id=structlog.contextvars.get_contextvars().get("request_id"),
    )
    session.add(job)
    return job
