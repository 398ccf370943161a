"""The job engine in one process: retries, final failure, transactional enqueue, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.database import Database
from kbsmith.jobs import queue, store
from kbsmith.jobs.context import JobContext
from kbsmith.jobs.models import Job, JobStatus
from kbsmith.jobs.registry import FailedJob, JobRegistry
from kbsmith.jobs.store import ClaimedJob
from kbsmith.jobs.worker import Worker, WorkerConfig, backoff_delay
from kbsmith.settings import Settings
from tests.support.effects import effect_counts
from tests.support.sample_jobs import sample_registry
from tests.support.waiting import eventually, load_jobs, wait_for_jobs


@asynccontextmanager
async def running_worker(
    db: Database, settings: Settings, concurrency: int = 4, registry: JobRegistry | None = None
) -> AsyncIterator[Worker]:
    registry = registry or sample_registry()
    worker = Worker(db, registry, WorkerConfig.from_settings(settings, concurrency))
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await task


async def enqueue(
    db: Database, kind: str, payloads: list[dict[str, object]], max_attempts: int = 5
) -> list[uuid.UUID]:
    async with db.write() as session:
        jobs = queue.enqueue_many(session, kind, payloads, max_attempts=max_attempts)
    return [job.id for job in jobs]


async def test_retryable_failure_succeeds_on_a_later_attempt(
    db: Database, settings: Settings
) -> None:
    (job_id,) = await enqueue(db, "test.flaky", [{"succeed_on": 3}], max_attempts=5)
    async with running_worker(db, settings):
        await wait_for_jobs(db, 1, timeout=20)
    (job,) = await load_jobs(db, [job_id])
    assert job.status == JobStatus.COMPLETED
    assert job.attempts == 3 and job.error == ""
    assert (
        job.started_at and job.completed_at and job.created_at <= job.started_at <= job.completed_at
    )
    async with db.read() as session:
        assert await effect_counts(session) == {str(job_id): 1}


async def test_always_failing_job_ends_failed_with_its_last_error(
    db: Database, settings: Settings
) -> None:
    (job_id,) = await enqueue(db, "test.always_fails", [{}], max_attempts=3)
    async with running_worker(db, settings):
        await wait_for_jobs(db, 1, timeout=20)
    (job,) = await load_jobs(db, [job_id])
    assert job.status == JobStatus.FAILED
    assert job.attempts == 3
    assert job.error == "still broken on attempt 3"


async def test_failure_hook_runs_with_the_final_failure(db: Database, settings: Settings) -> None:
    seen: list[FailedJob] = []

    async def hook(_session: AsyncSession, failed: FailedJob) -> None:
        seen.append(failed)

    (job_id,) = await enqueue(db, "test.always_fails", [{"n": 1}], max_attempts=2)
    worker = Worker(db, sample_registry(on_failure=hook), WorkerConfig.from_settings(settings, 2))
    task = asyncio.create_task(worker.run())
    await wait_for_jobs(db, 1, timeout=20)
    worker.stop()
    await task
    assert [(f.id, f.payload, f.error) for f in seen] == [
        (job_id, {"n": 1}, "still broken on attempt 2")
    ]


async def test_failed_transaction_enqueues_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as session:
            queue.enqueue(session, "test.effect", {})
            await session.flush()
            raise RuntimeError("the request failed after enqueueing")
    async with db.read() as session:
        assert (await session.execute(select(Job))).scalars().all() == []


async def test_shutdown_releases_jobs_still_running_after_the_grace_period(
    db: Database, settings: Settings
) -> None:
    quick = settings.model_copy(update={"job_shutdown_grace": 0.2})
    (job_id,) = await enqueue(db, "test.effect", [{"sleep": 30}])
    worker = Worker(db, sample_registry(), WorkerConfig.from_settings(quick, 2))
    task = asyncio.create_task(worker.run())

    async def status() -> str:
        (job,) = await load_jobs(db, [job_id])
        return job.status

    await eventually(status, lambda s: s == JobStatus.IN_PROGRESS, timeout=10)
    worker.stop()
    await task
    (job,) = await load_jobs(db, [job_id])
    assert job.status == JobStatus.PENDING and job.attempts == 0 and job.lease_token is None


async def test_shutdown_lets_short_jobs_finish(db: Database, settings: Settings) -> None:
    ids = await enqueue(db, "test.effect", [{"sleep": 0.3} for _ in range(3)])
    worker = Worker(db, sample_registry(), WorkerConfig.from_settings(settings, 4))
    task = asyncio.create_task(worker.run())

    async def in_progress() -> int:
        return sum(j.status == JobStatus.IN_PROGRESS for j in await load_jobs(db, ids))

    await eventually(in_progress, lambda n: n == 3, timeout=10)
    worker.stop()
    await task
    assert {j.status for j in await load_jobs(db, ids)} == {JobStatus.COMPLETED}


def test_backoff_grows_exponentially_with_jitter() -> None:
    delays = [backoff_delay(attempt, 1.0, 1000.0) for attempt in (1, 2, 3, 4)]
    for attempt, delay in enumerate(delays, start=1):
        nominal = 2 ** (attempt - 1)
        assert 0.5 * nominal <= delay <= 1.5 * nominal
    assert backoff_delay(30, 1.0, 10.0) <= 15.0


async def test_a_finishing_job_claims_the_next_one_in_its_own_transaction(
    db: Database, settings: Settings
) -> None:
    """The slot a job frees is filled by the transaction that completes it: one write
    transaction (one writer's turn on SQLite) fewer per job."""
    registry = JobRegistry()
    seen: list[set[str]] = []

    @registry.handler("test.peek")
    async def peek(ctx: JobContext) -> None:
        async with ctx.finishing():
            pass
        others = [job for job in await load_jobs(db) if job.id != ctx.job.id]
        seen.append({job.status for job in others if job.status != JobStatus.COMPLETED})

    await enqueue(db, "test.peek", [{"n": n} for n in range(3)])
    async with running_worker(db, settings, 1, registry):
        await wait_for_jobs(db, 3, timeout=20)
    # right after each of the first two finished, the next was already ours, not waiting
    assert seen == [{JobStatus.IN_PROGRESS, JobStatus.PENDING}, {JobStatus.IN_PROGRESS}, set()]


@pytest.mark.parametrize("fails", [False, True])
async def test_successors_are_claimed_only_if_the_finishing_transaction_commits(
    db: Database, fails: bool
) -> None:
    first, second = await enqueue(db, "test.effect", [{"n": 1}, {"n": 2}])
    async with db.write() as session:
        (job,) = await store.claim(
            session, kinds=["test.effect"], limit=1, token="first", lease_seconds=30
        )

    async def claim_next(session: AsyncSession) -> list[ClaimedJob]:
        return await store.claim(
            session, kinds=["test.effect"], limit=1, token="next", lease_seconds=30
        )

    context = JobContext(job, db, claim_next)
    with contextlib.suppress(RuntimeError):
        async with context.finishing():
            if fails:
                raise RuntimeError("the handler's final write failed")
    statuses = {j.id: j.status for j in await load_jobs(db, [first, second])}
    other = second if job.id == first else first
    if fails:
        assert context.successors == []
        assert statuses == {job.id: JobStatus.IN_PROGRESS, other: JobStatus.PENDING}
    else:
        assert [s.id for s in context.successors] == [other]
        assert statuses == {job.id: JobStatus.COMPLETED, other: JobStatus.IN_PROGRESS}


async def test_a_worker_never_runs_more_jobs_at_once_than_its_concurrency(
    db: Database, settings: Settings
) -> None:
    """Jobs that enqueue jobs as they finish: the finishing transaction claims one job for the
    slot it frees, the claim loop (woken by the enqueue) fills the idle ones, never both (on
    PostgreSQL, where claims are not serialised, the finishing transaction taking the idle
    slots as well ran 4 and 5 jobs at once)."""
    registry = JobRegistry()
    running = 0
    most = 0

    @registry.handler("test.fan_out")
    async def fan_out(ctx: JobContext) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        async with ctx.finishing() as session:
            if ctx.payload["depth"] < 4:
                children = [{"depth": ctx.payload["depth"] + 1}] * 2
                queue.enqueue_many(session, "test.fan_out", children)
        running -= 1

    await enqueue(db, "test.fan_out", [{"depth": 0}])
    async with running_worker(db, settings, 3, registry):
        await wait_for_jobs(db, 31, timeout=60)
    assert 1 < most <= 3, most
