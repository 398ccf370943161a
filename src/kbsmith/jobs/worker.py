"""A worker: claims due jobs, runs their handlers, heartbeats leases, reaps dead workers' jobs."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import secrets
import socket
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.database import Database
from kbsmith.jobs import queue, store
from kbsmith.jobs.context import JobContext
from kbsmith.jobs.errors import JobError, LeaseLost, RetryableJobError
from kbsmith.jobs.registry import FailedJob, JobKind, JobRegistry
from kbsmith.jobs.store import ClaimedJob
from kbsmith.metrics.instruments import JOB_SECONDS
from kbsmith.settings import Settings

log = structlog.get_logger("kbsmith.jobs")

COMPLETION_BATCH_DELAY = 0.005


@dataclass(frozen=True)
class WorkerConfig:
    concurrency: int = 2
    lease_seconds: float = 30.0
    poll_interval: float = 0.5
    backoff_base: float = 2.0
    backoff_max: float = 300.0
    shutdown_grace: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings, concurrency: int) -> WorkerConfig:
        return cls(
            concurrency=concurrency,
            lease_seconds=settings.job_lease_seconds,
            poll_interval=settings.job_poll_interval,
            backoff_base=settings.job_backoff_base,
            backoff_max=settings.job_backoff_max,
            shutdown_grace=settings.job_shutdown_grace,
        )


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter around the nominal delay (0.5x to 1.5x)."""
    nominal = min(cap, base * (2 ** max(0, attempt - 1)))
    return float(nominal * random.uniform(0.5, 1.5))


@dataclass
class _Running:
    job: ClaimedJob
    task: asyncio.Task[None]


@dataclass
class _Completions:
    pending: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class Worker:
    def __init__(
        self,
        db: Database,
        registry: JobRegistry,
        config: WorkerConfig,
    ) -> None:
        self.db = db
        self.registry = registry
        self.config = config
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._running: dict[uuid.UUID, _Running] = {}
        self._completions = _Completions()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []

    # lifecycle -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Work until :meth:`stop` is called, then drain in-flight jobs within the grace period."""
        unsubscribe = queue.on_enqueue(self._wake.set)
        self._background = [
            asyncio.create_task(self._every(self.config.lease_seconds / 3, self._heartbeat)),
            asyncio.create_task(self._every(max(0.5, self.config.lease_seconds / 2), self._reap)),
            asyncio.create_task(self._flush_completions_forever()),
        ]
        log.info("worker started", worker_id=self.worker_id, concurrency=self.config.concurrency)
        try:
            await self._claim_loop()
        finally:
            unsubscribe()
            await self._drain()
            log.info("worker stopped", worker_id=self.worker_id)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    # claiming --------------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            claimed = await self._claim_once() if self._free_slots() else []
            for job in claimed:
                self._start(job)
            if not claimed:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.config.poll_interval):
                        await self._wake.wait()

    def _free_slots(self) -> int:
        return self.config.concurrency - len(self._running)

    def _capacity_by_kind(self, freed: ClaimedJob | None) -> tuple[dict[str, int], list[str]]:
        busy = Counter(running.job.kind for running in self._running.values())
        if freed is not None:
            busy[freed.kind] -= 1
        limited: dict[str, int] = {}
        unlimited: list[str] = []
        for kind in self.registry:
            if kind.concurrency is None:
                unlimited.append(kind.name)
            elif kind.concurrency > busy[kind.name]:
                limited[kind.name] = kind.concurrency - busy[kind.name]
        return limited, unlimited

    async def _claim_once(self) -> list[ClaimedJob]:
        try:
            async with self.db.write() as session:
                return await self._claim_in(session)
        except Exception:
            log.exception("claiming jobs failed; will try again")
            await asyncio.sleep(self.config.poll_interval)
            return []

    async def _claim_in(
        self, session: AsyncSession, freed: ClaimedJob | None = None
    ) -> list[ClaimedJob]:
        """Due jobs for the free slots, within each kind's limit; with *freed* (a job finishing
        in this transaction), one job for its slot only: the claim loop fills the others, and
        counts that slot taken until the job's successor has it."""
        if self._stopping.is_set():
            return []
        limited, unlimited = self._capacity_by_kind(freed)
        free = 1 if freed is not None else self._free_slots()
        token = secrets.token_hex(16)
        claimed: list[ClaimedJob] = []
        for kind, room in limited.items():
            claimed += await store.claim(
                session,
                kinds=[kind],
                limit=min(room, free - len(claimed)),
                token=token,
                lease_seconds=self.config.lease_seconds,
            )
        claimed += await store.claim(
            session,
            kinds=unlimited,
            limit=free - len(claimed),
            token=token,
            lease_seconds=self.config.lease_seconds,
        )
        return claimed

    # running ---------------------------------------------------------------------------------

    def _start(self, job: ClaimedJob) -> None:
        task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
        self._running[job.id] = _Running(job, task)

    async def _run(self, job: ClaimedJob) -> None:
        structlog.contextvars.bind_contextvars(
            job_id=str(job.id), job_kind=job.kind, request_id=job.request_id, attempt=job.attempt
        )
        kind = self.registry.find(job.kind)
        context = JobContext(job, self.db, functools.partial(self._claim_in, freed=job))
        started = time.perf_counter()
        try:
            if kind is None:
                await self._record_failure(
                    job, None, JobError(f"no handler for job kind {job.kind!r}")
                )
                return
            await self._run_handler(context, kind)
        finally:
            JOB_SECONDS.labels(job.kind).observe(time.perf_counter() - started)
            self._running.pop(job.id, None)
            for successor in context.successors:  # claimed by its finishing transaction
                self._start(successor)
            self._wake.set()

    async def _run_handler(self, context: JobContext, kind: JobKind) -> None:
        job = context.job
        try:
            async with asyncio.timeout(kind.timeout):
                await kind.handler(context)
        except LeaseLost:
            log.warning("lease lost; another worker has the job")
            return
        except JobError as error:
            await self._record_failure(job, kind, error)
            return
        except TimeoutError:
            await self._record_failure(job, kind, _timed_out(kind))
            return
        except Exception as error:
            log.exception("job handler raised")
            await self._record_failure(job, kind, _unexpected(error))
            return
        if not context.finished:
            self._completions.pending.append((job.id, job.token))
            self._completions.ready.set()
        log.debug("job completed")

    async def _record_failure(self, job: ClaimedJob, kind: JobKind | None, error: JobError) -> None:
        retry = error.retryable and job.attempt < job.max_attempts
        try:
            async with self.db.write() as session:
                if retry:
                    delay = self._retry_delay(job, error)
                    await store.retry_later(session, job.id, job.token, error.message, delay)
                    log.info("job will be retried", error=error.message, delay=round(delay, 2))
                elif await store.fail(session, job.id, job.token, error.message):
                    await _run_failure_hook(session, kind, job, error.message)
                    log.info("job failed", error=error.message)
        except Exception:
            log.exception("recording a job failure failed; the lease will expire and be reaped")

    def _retry_delay(self, job: ClaimedJob, error: JobError) -> float:
        """The server's Retry-After when it gave one, but never beyond the backoff ceiling."""
        if error.retry_after is not None:
            return min(error.retry_after, self.config.backoff_max)
        return backoff_delay(job.attempt, self.config.backoff_base, self.config.backoff_max)

    # background duties -----------------------------------------------------------------------

    async def _every(self, seconds: float, duty: Any) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await duty()
            except Exception:
                log.exception("background duty failed", duty=duty.__name__)

    async def _heartbeat(self) -> None:
        tokens = {running.job.token for running in self._running.values()}
        tokens.update(token for _, token in self._completions.pending)
        if tokens:
            async with self.db.write() as session:
                await store.extend_leases(session, sorted(tokens), self.config.lease_seconds)

    async def _reap(self) -> None:
        async with self.db.write() as session:
            exhausted = await store.take_expired_leases(session)
            for lease in exhausted:
                failed = FailedJob(
                    lease.id,
                    lease.kind,
                    lease.payload,
                    lease.workspace_id,
                    "the worker running this job stopped responding on every attempt",
                )
                kind = self.registry.find(lease.kind)
                if kind and kind.on_failure:
                    await kind.on_failure(session, failed)
        if exhausted:
            log.warning("failed jobs whose workers vanished", count=len(exhausted))

    async def _flush_completions_forever(self) -> None:
        while True:
            await self._completions.ready.wait()
            await asyncio.sleep(COMPLETION_BATCH_DELAY)
            await self._flush_completions()

    async def _flush_completions(self) -> None:
        batch, self._completions.pending = self._completions.pending, []
        self._completions.ready.clear()
        if not batch:
            return
        try:
            async with self.db.write() as session:
                await store.complete_many(session, batch)
        except Exception:
            log.exception("recording completions failed; will retry")
            self._completions.pending[:0] = batch
            self._completions.ready.set()
            await asyncio.sleep(self.config.poll_interval)

    # shutdown --------------------------------------------------------------------------------

    async def _drain(self) -> None:
        running = [r.task for r in self._running.values()]
        if running:
            log.info("waiting for in-flight jobs", count=len(running))
            _, still_running = await asyncio.wait(running, timeout=self.config.shutdown_grace)
            await self._release_unfinished(still_running)
        await self._flush_completions()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def _release_unfinished(self, tasks: set[asyncio.Task[None]]) -> None:
        unfinished = [r.job for r in self._running.values() if r.task in tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if unfinished:
            async with self.db.write() as session:
                for job in unfinished:
                    await store.release(session, job.id, job.token)
            log.info("released unfinished jobs back to the queue", count=len(unfinished))


async def _run_failure_hook(
    session: Any, kind: JobKind | None, job: ClaimedJob, error: str
) -> None:
    if kind and kind.on_failure:
        await kind.on_failure(
            session, FailedJob(job.id, job.kind, job.payload, job.workspace_id, error)
        )


def _timed_out(kind: JobKind) -> JobError:
    return RetryableJobError(f"the job took longer than {kind.timeout:g} s")


def _unexpected(error: Exception) -> JobError:
    return RetryableJobError(f"unexpected error ({type(error).__name__})")
