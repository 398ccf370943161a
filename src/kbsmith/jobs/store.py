"""The SQL of the job lifecycle: claim, complete, retry, fail, heartbeat, reap, release.

Every state change after a claim is conditioned on the lease token, so a worker whose lease
expired (and whose job another worker now runs) can never overwrite the newer state.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import table_of, utcnow
from kbsmith.db.dialect import skip_locked
from kbsmith.jobs.models import Job, JobStatus

JOBS = table_of(Job)


@dataclass(frozen=True)
class ClaimedJob:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    workspace_id: uuid.UUID | None
    request_id: str | None
    token: str
    created_at: datetime
    started_at: datetime


async def claim(
    session: AsyncSession,
    *,
    kinds: Sequence[str],
    limit: int,
    token: str,
    lease_seconds: float,
) -> list[ClaimedJob]:
    """Take up to ``limit`` due jobs of ``kinds`` with one UPDATE … RETURNING."""
    if limit <= 0 or not kinds:
        return []
    now = utcnow()
    due = (
        select(Job.id)
        .where(Job.status == JobStatus.PENDING, Job.kind.in_(kinds), Job.run_at <= now)
        .order_by(Job.run_at)
        .limit(limit)
    )
    statement = (
        update(Job)
        .where(Job.id.in_(skip_locked(due, session)))
        .values(
            status=JobStatus.IN_PROGRESS,
            attempts=Job.attempts + 1,
            started_at=now,
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
        )
        .returning(
            Job.id,
            Job.kind,
            Job.payload,
            Job.attempts,
            Job.max_attempts,
            Job.workspace_id,
            Job.request_id,
            Job.created_at,
        )
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(statement)).all()
    return [
        ClaimedJob(
            id=row.id,
            kind=row.kind,
            payload=row.payload,
            attempt=row.attempts,
            max_attempts=row.max_attempts,
            workspace_id=row.workspace_id,
            request_id=row.request_id,
            token=token,
            created_at=row.created_at,
            started_at=now,
        )
        for row in rows
    ]


def _owned(job_id: uuid.UUID, token: str) -> Any:
    return and_(Job.id == job_id, Job.lease_token == token, Job.status == JobStatus.IN_PROGRESS)


async def _update_owned(
    session: AsyncSession, job_id: uuid.UUID, token: str, **values: Any
) -> bool:
    statement = (
        update(Job)
        .where(_owned(job_id, token))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result: CursorResult[Any] = await session.execute(statement)  # type: ignore[assignment]
    return result.rowcount == 1


async def complete(
    session: AsyncSession, job_id: uuid.UUID, token: str, result: dict[str, Any] | None = None
) -> bool:
    return await _update_owned(
        session,
        job_id,
        token,
        status=JobStatus.COMPLETED,
        completed_at=utcnow(),
        lease_token=None,
        lease_expires_at=None,
        result=result,
        error="",
    )


_COMPLETE_OWNED = (
    update(JOBS)
    .where(
        JOBS.c.id == bindparam("job_id"),
        JOBS.c.lease_token == bindparam("token"),
        JOBS.c.status == JobStatus.IN_PROGRESS,
    )
    .values(
        status=JobStatus.COMPLETED,
        completed_at=bindparam("now"),
        lease_token=None,
        lease_expires_at=None,
        error="",
    )
)


async def complete_many(session: AsyncSession, owned: Sequence[tuple[uuid.UUID, str]]) -> None:
    """Completes many jobs in one executemany round trip."""
    now = utcnow()
    connection = await session.connection()
    await connection.execute(
        _COMPLETE_OWNED, [{"job_id": job_id, "token": token, "now": now} for job_id, token in owned]
    )


async def retry_later(
    session: AsyncSession, job_id: uuid.UUID, token: str, error: str, delay: float
) -> bool:
    return await _update_owned(
        session,
        job_id,
        token,
        status=JobStatus.PENDING,
        run_at=utcnow() + timedelta(seconds=delay),
        lease_token=None,
        lease_expires_at=None,
        error=error,
    )


async def fail(session: AsyncSession, job_id: uuid.UUID, token: str, error: str) -> bool:
    return await _update_owned(
        session,
        job_id,
        token,
        status=JobStatus.FAILED,
        completed_at=utcnow(),
        lease_token=None,
        lease_expires_at=None,
        error=error,
    )


async def release(session: AsyncSession, job_id: uuid.UUID, token: str) -> bool:
    """Give an interrupted job back to the queue; the attempt does not count against it."""
    return await _update_owned(
        session,
        job_id,
        token,
        status=JobStatus.PENDING,
        attempts=Job.attempts - 1,
        run_at=utcnow(),
        lease_token=None,
        lease_expires_at=None,
    )


async def extend_leases(session: AsyncSession, tokens: Sequence[str], lease_seconds: float) -> None:
    if not tokens:
        return
    await session.execute(
        update(Job)
        .where(Job.status == JobStatus.IN_PROGRESS, Job.lease_token.in_(tokens))
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class ExpiredLease:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    workspace_id: uuid.UUID | None
    attempts: int
    max_attempts: int


async def take_expired_leases(session: AsyncSession, limit: int = 500) -> list[ExpiredLease]:
    """Jobs whose worker vanished: back to the queue, or FAILED once out of attempts."""
    now = utcnow()
    expired = select(Job.id).where(Job.status == JobStatus.IN_PROGRESS, Job.lease_expires_at < now)
    rows = (
        await session.execute(
            update(Job)
            .where(Job.id.in_(skip_locked(expired.limit(limit), session)))
            .values(
                status=JobStatus.PENDING,
                run_at=now,
                lease_token=None,
                lease_expires_at=None,
                error="the worker running this job stopped responding",
            )
            .returning(
                Job.id, Job.kind, Job.payload, Job.workspace_id, Job.attempts, Job.max_attempts
            )
            .execution_options(synchronize_session=False)
        )
    ).all()
    leases = [ExpiredLease(*row) for row in rows]
    exhausted = [lease.id for lease in leases if lease.attempts >= lease.max_attempts]
    if exhausted:
        await session.execute(
            update(Job)
            .where(Job.id.in_(exhausted))
            .values(
                status=JobStatus.FAILED,
                completed_at=now,
                error="the worker running this job stopped responding on every attempt",
            )
            .execution_options(synchronize_session=False)
        )
    return [lease for lease in leases if lease.attempts >= lease.max_attempts]
