"""The run of one tick: refresh → wait for the refresh jobs → bulk-generate what changed →
wait → record counts, announce, plan the next tick.

A run survives its worker: each phase change is one conditional UPDATE in the transaction
that queues the phase's jobs, so a run taken over after a SIGKILL resumes where it was and
queues nothing twice; its last step commits with the job's completion (``finishing``).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.db.database import Database
from kbsmith.db.scoping import in_workspace
from kbsmith.errors import DomainError
from kbsmith.generation import service as generation
from kbsmith.generation.operations import parse_operations
from kbsmith.generation.request import GenerationRequest
from kbsmith.jobs.context import JobContext
from kbsmith.jobs.errors import LeaseLost, PermanentJobError
from kbsmith.jobs.models import TERMINAL_STATUSES, Job, JobStatus
from kbsmith.jobs.registry import FailedJob, JobRegistry
from kbsmith.providers import Provider
from kbsmith.runtime import Runtime
from kbsmith.schedules import sweep
from kbsmith.schedules.models import RunPhase, Schedule, ScheduleRun
from kbsmith.schedules.service import RUN_JOB, every_of, plan_tick
from kbsmith.sources import linking, revalidation
from kbsmith.sources.models import Source
from kbsmith.sources.service import queue_ingestion
from kbsmith.webhooks import events

RUN_TIMEOUT_SECONDS = 6 * 3600


class _Overtaken(Exception):
    """Another attempt moved the run on meanwhile: look again."""


@dataclass(frozen=True)
class _State:
    run_id: uuid.UUID
    phase: str
    manual: bool
    tick_at: Any
    refresh_job_ids: list[str]
    generation_job_ids: list[str]
    counts: dict[str, int]
    schedule_id: uuid.UUID
    workspace_id: uuid.UUID
    generate: dict[str, Any] | None
    delete_articles: bool


def register(registry: JobRegistry, runtime: Runtime) -> None:
    async def run(ctx: JobContext) -> None:
        await run_schedule(ctx, runtime)

    # one run at a time per worker process: a run waits for jobs that the others run
    registry.handler(
        RUN_JOB, concurrency=1, timeout=RUN_TIMEOUT_SECONDS, on_failure=record_failure
    )(run)


async def run_schedule(ctx: JobContext, runtime: Runtime) -> None:
    run_id = uuid.UUID(ctx.payload["runId"])
    poll = runtime.settings.schedule_poll_interval
    while (state := await _load(ctx.db, run_id)) is not None:
        try:
            if state.phase == RunPhase.PENDING:
                await _refresh(ctx, runtime, state)
            elif state.phase == RunPhase.REFRESHING:
                await _wait_for(ctx.db, state.refresh_job_ids, poll)
                await _generate(ctx, state)
            elif state.phase == RunPhase.GENERATING:
                await _wait_for(ctx.db, state.generation_job_ids, poll)
                await _finish(ctx, state)
                return
            else:
                return
        except _Overtaken:
            continue


async def _load(db: Database, run_id: uuid.UUID) -> _State | None:
    async with db.read() as session:
        row = (
            await session.execute(
                select(ScheduleRun, Schedule)
                .join(Schedule, Schedule.id == ScheduleRun.schedule_id)
                .where(ScheduleRun.id == run_id)
            )
        ).one_or_none()
    if row is None:
        return None  # the schedule was removed
    run, schedule = row
    return _State(
        run_id=run.id,
        phase=run.phase,
        manual=run.manual,
        tick_at=run.tick_at,
        refresh_job_ids=list(run.refresh_job_ids),
        generation_job_ids=list(run.generation_job_ids),
        counts=dict(run.counts),
        schedule_id=schedule.id,
        workspace_id=schedule.workspace_id,
        generate=schedule.generate,
        delete_articles=schedule.delete_articles,
    )


async def _advance(
    session: AsyncSession, run_id: uuid.UUID, from_phase: str, to_phase: str, **values: Any
) -> None:
    result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
        update(ScheduleRun)
        .where(ScheduleRun.id == run_id, ScheduleRun.phase == from_phase)
        .values(phase=to_phase, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _Overtaken


async def _sources(
    session: AsyncSession, schedule_id: uuid.UUID, *conditions: ColumnElement[bool]
) -> list[Source]:
    """The schedule's sources that can be refreshed (not uploads, not gone upstream), of
    those that meet ``conditions``."""
    schedule = await session.get(Schedule, schedule_id)
    if schedule is None:
        return []
    query = select(Source).where(
        in_workspace(Source, schedule.workspace_id), Source.provider != Provider.FILES, *conditions
    )
    if schedule.document_ids:
        query = query.where(Source.id.in_([uuid.UUID(i) for i in schedule.document_ids]))
    else:
        query = query.where(Source.provider == schedule.provider)
    found = (await session.scalars(query.order_by(Source.created_at, Source.id))).all()
    return [s for s in found if not sweep.is_deleted_upstream(s)]


async def _refresh(ctx: JobContext, runtime: Runtime, state: _State) -> None:
    """Sources gone upstream are marked deleted; web pages whose server answers 304 are
    recorded as fetched, all in one transaction; every other source gets an ingestion job."""
    async with ctx.db.read() as session:
        checked = await _sources(session, state.schedule_id)
    targets = sweep.targets_of(checked)
    gone = (
        await sweep.gone_upstream(ctx.db, runtime, state.workspace_id, targets)
        if targets
        else set()
    )
    unchanged = await revalidation.not_modified(
        runtime.fetcher, [s for s in checked if s.id not in gone]
    )
    async with ctx.db.write() as session:
        sources = await _sources(session, state.schedule_id)
        for source in sources:
            if source.id in gone:
                await sweep.mark_deleted(session, source, unpublish_article=state.delete_articles)
        current = {s.id for s in sources}
        await revalidation.record_not_modified(
            session, {i: fetched for i, fetched in unchanged.items() if i in current}
        )
        refreshed = [s for s in sources if s.id not in gone and s.id not in unchanged]
        if refreshed:
            await queue_ingestion(session, state.workspace_id, refreshed)
        await _advance(
            session,
            state.run_id,
            RunPhase.PENDING,
            RunPhase.REFRESHING,
            refresh_job_ids=[str(s.linked_job_id) for s in refreshed],
            counts={
                "refreshed": len(refreshed) + len(unchanged.keys() & current),
                "deleted": len(gone),
            },
        )


async def _generate(ctx: JobContext, state: _State) -> None:
    statuses = await _statuses(ctx.db, state.refresh_job_ids)
    async with ctx.db.write() as session:
        # changed since knowledge was generated from it, unless that very content waits in a
        # draft for review (generating again would only rewrite that draft)
        to_generate = (linking.CHANGED, ~linking.AWAITING_REVIEW)
        changed = [s.id for s in await _sources(session, state.schedule_id, *to_generate)]
        job_ids: list[str] = []
        if state.generate is not None and changed:
            try:
                jobs = await generation.generate_bulk(
                    session, state.workspace_id, changed, _template(state.generate)
                )
            except DomainError as error:
                raise PermanentJobError(
                    f"generating the changed sources: {error.message}"
                ) from None
            job_ids = [str(job_id) for _, job_id in jobs]
        counts = {
            **state.counts,
            "changed": len(changed),
            "failed": statuses[JobStatus.FAILED],
        }
        await _advance(
            session,
            state.run_id,
            RunPhase.REFRESHING,
            RunPhase.GENERATING,
            generation_job_ids=job_ids,
            counts=counts,
        )


def _template(options: dict[str, Any]) -> GenerationRequest:
    bot_id = options.get("botId")
    return GenerationRequest(
        origin="sources",
        allowed=parse_operations(options.get("restrictedOps")),
        instructions=options.get("instructions") or "",
        bot_id=uuid.UUID(bot_id) if bot_id else None,
        is_draft=bool(options.get("isDraft", True)),
    )


async def _finish(ctx: JobContext, state: _State) -> None:
    statuses = await _statuses(ctx.db, state.generation_job_ids)
    counts = {
        "refreshed": state.counts.get("refreshed", 0),
        "changed": state.counts.get("changed", 0),
        "generated": statuses[JobStatus.COMPLETED],
        "failed": state.counts.get("failed", 0) + statuses[JobStatus.FAILED],
        "deleted": state.counts.get("deleted", 0),
    }
    try:
        async with ctx.finishing({"runId": str(state.run_id), **counts}) as session:
            await _advance(
                session,
                state.run_id,
                RunPhase.GENERATING,
                RunPhase.COMPLETED,
                counts=counts,
                finished_at=utcnow(),
            )
            await _close(session, state, RunPhase.COMPLETED, counts)
    except _Overtaken:
        raise LeaseLost(f"run {state.run_id} was finished by another attempt") from None


async def _close(
    session: AsyncSession, state: _State, outcome: str, counts: dict[str, int], error: str = ""
) -> None:
    """Record the run on its schedule, announce it, plan the next tick (runs now are extras)."""
    schedule = await session.get(Schedule, state.schedule_id)
    if schedule is None:
        return
    now = utcnow()
    schedule.last_run_at = now
    schedule.last_run = {**counts, "status": outcome, "error": error}
    if not state.manual:
        plan_tick(session, schedule, every_of(schedule).next_after(state.tick_at, now))
    await events.emit(
        session,
        schedule.workspace_id,
        events.Event.SCHEDULE_FINISHED,
        {
            "scheduleId": str(schedule.id),
            "name": schedule.name,
            "runId": str(state.run_id),
            "status": outcome,
            "error": error,
            **counts,
        },
    )


async def _statuses(db: Database, job_ids: Sequence[str]) -> Counter[str]:
    if not job_ids:
        return Counter()
    async with db.read() as session:
        rows = await session.scalars(
            select(Job.status).where(Job.id.in_([uuid.UUID(i) for i in job_ids]))
        )
        return Counter(rows.all())


async def _wait_for(db: Database, job_ids: Sequence[str], poll: float) -> None:
    """Until every job has ended (the run's timeout bounds the wait)."""
    ids = [uuid.UUID(i) for i in job_ids]
    while ids:
        async with db.read() as session:
            open_ids = (
                await session.scalars(
                    select(Job.id).where(Job.id.in_(ids), Job.status.not_in(TERMINAL_STATUSES))
                )
            ).all()
        ids = list(open_ids)
        if ids:
            await asyncio.sleep(poll)


async def record_failure(session: AsyncSession, failed: FailedJob) -> None:
    """The run failed for good: say so, and keep the schedule ticking."""
    run = await session.get(ScheduleRun, uuid.UUID(failed.payload["runId"]))
    if run is None or run.phase in (RunPhase.COMPLETED, RunPhase.FAILED):
        return
    schedule = await session.get(Schedule, run.schedule_id)
    if schedule is None:
        return
    run.phase = RunPhase.FAILED
    run.error = failed.error
    run.finished_at = utcnow()
    state = _State(
        run.id,
        run.phase,
        run.manual,
        run.tick_at,
        [],
        [],
        dict(run.counts),
        schedule.id,
        schedule.workspace_id,
        schedule.generate,
        schedule.delete_articles,
    )
    counts = {key: run.counts.get(key, 0) for key in ("refreshed", "changed", "generated")}
    await _close(session, state, RunPhase.FAILED, {**counts, "failed": 1}, failed.error)
