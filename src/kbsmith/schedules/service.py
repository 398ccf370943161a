"""Schedule use cases: create, list, remove, run now, and planning a tick. Callers own the
transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.db.scoping import get_owned, in_workspace
from kbsmith.errors import FIELD, InvalidInput, NotFound
from kbsmith.generation.operations import parse_operations
from kbsmith.jobs import queue
from kbsmith.knowledge import agents
from kbsmith.providers import Provider, parse_provider
from kbsmith.schedules.models import Schedule, ScheduleRun
from kbsmith.schedules.timing import Every, parse_every
from kbsmith.sources.service import sources_by_ids

RUN_JOB = "schedule.run"
MAX_SCHEDULES_PER_WORKSPACE = 100


@dataclass(frozen=True)
class GenerateOptions:
    """What a run bulk-generates the changed sources with (the bulk route's options)."""

    is_draft: bool = True
    restricted_ops: list[str] | None = None
    instructions: str = ""
    bot_id: uuid.UUID | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "isDraft": self.is_draft,
            "restrictedOps": self.restricted_ops,
            "instructions": self.instructions,
            "botId": str(self.bot_id) if self.bot_id else None,
        }


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    every: str
    provider: str | None = None
    document_ids: Sequence[uuid.UUID] | None = None
    generate: GenerateOptions | None = None
    delete_articles: bool = False


def every_of(schedule: Schedule) -> Every:
    return parse_every(schedule.every, 0)


async def create_schedule(
    session: AsyncSession, workspace_id: uuid.UUID, spec: ScheduleSpec, min_seconds: float
) -> Schedule:
    if not spec.name.strip():
        raise InvalidInput("name must not be empty")
    every = parse_every(spec.every, min_seconds)
    provider = await _checked_scope(session, workspace_id, spec)
    if spec.generate is not None:
        await _check_generate(session, workspace_id, spec.generate)
    count = len(await list_schedules(session, workspace_id))
    if count >= MAX_SCHEDULES_PER_WORKSPACE:
        raise InvalidInput(f"name: a workspace has at most {MAX_SCHEDULES_PER_WORKSPACE} schedules")
    now = utcnow().replace(microsecond=0)  # ticks fall on whole seconds
    schedule = Schedule(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        name=spec.name.strip(),
        provider=provider,
        document_ids=[str(i) for i in dict.fromkeys(spec.document_ids)]
        if spec.document_ids
        else None,
        every=spec.every.strip(),
        generate=spec.generate.as_json() if spec.generate else None,
        delete_articles=spec.delete_articles,
    )
    session.add(schedule)
    await session.flush()
    plan_tick(session, schedule, every.next_after(now, now))
    return schedule


async def _checked_scope(
    session: AsyncSession, workspace_id: uuid.UUID, spec: ScheduleSpec
) -> str | None:
    if spec.document_ids:
        sources = await sources_by_ids(session, workspace_id, spec.document_ids, "document_ids")
        uploaded = [str(s.id) for s in sources if s.provider == Provider.FILES]
        if uploaded:
            raise InvalidInput(
                f"{FIELD}: files sources cannot be refreshed: {uploaded[0]}", "document_ids"
            )
        return parse_provider(spec.provider).value if spec.provider else None
    if spec.provider is None:
        raise InvalidInput(f"{FIELD} or {FIELD} is required", "source", "document_ids")
    provider = parse_provider(spec.provider)
    if provider is Provider.FILES:
        raise InvalidInput(f"{FIELD}: files sources cannot be refreshed", "source")
    return provider.value


async def _check_generate(
    session: AsyncSession, workspace_id: uuid.UUID, options: GenerateOptions
) -> None:
    parse_operations(options.restricted_ops)
    if options.bot_id is not None:
        try:
            await agents.get_agent(session, workspace_id, options.bot_id)
        except NotFound:
            raise InvalidInput(
                f"generate.botId {options.bot_id} is not a bot of this workspace"
            ) from None


def plan_tick(
    session: AsyncSession, schedule: Schedule, tick_at: datetime, *, manual: bool = False
) -> ScheduleRun:
    """The run of one tick and its job, due at the tick. (schedule, tick) is unique, and only
    the transaction that finishes the previous run plans the next: a tick runs once."""
    run_id = uuid.uuid4()
    job = queue.enqueue(
        session, RUN_JOB, {"runId": str(run_id)}, workspace_id=schedule.workspace_id, run_at=tick_at
    )
    run = ScheduleRun(
        id=run_id,
        schedule_id=schedule.id,
        tick_at=tick_at,
        manual=manual,
        job_id=job.id,
        refresh_job_ids=[],
        generation_job_ids=[],
        counts={},
    )
    session.add(run)
    if not manual:
        schedule.next_run_at = tick_at
    return run


async def list_schedules(session: AsyncSession, workspace_id: uuid.UUID) -> list[Schedule]:
    query = (
        select(Schedule)
        .where(in_workspace(Schedule, workspace_id))
        .order_by(Schedule.created_at, Schedule.id)
    )
    return list((await session.scalars(query)).all())


async def get_schedule(
    session: AsyncSession, workspace_id: uuid.UUID, schedule_id: uuid.UUID
) -> Schedule:
    schedule = await get_owned(session, Schedule, workspace_id, schedule_id)
    if schedule is None:
        raise NotFound(f"schedule {schedule_id} not found")
    return schedule


async def find_schedule(
    session: AsyncSession, workspace_id: uuid.UUID, name_or_id: str
) -> Schedule:
    """By id, or by name (the CLI's way)."""
    try:
        return await get_schedule(session, workspace_id, uuid.UUID(name_or_id))
    except ValueError:
        pass
    named = [s for s in await list_schedules(session, workspace_id) if s.name == name_or_id]
    if len(named) != 1:
        raise NotFound(
            f"schedule {name_or_id!r} not found"
            if not named
            else f"several schedules are named {name_or_id!r}; use its id"
        )
    return named[0]


async def delete_schedule(
    session: AsyncSession, workspace_id: uuid.UUID, schedule_id: uuid.UUID
) -> None:
    """Its runs go with it; a planned run's job then finds nothing to do."""
    await session.delete(await get_schedule(session, workspace_id, schedule_id))


async def run_now(
    session: AsyncSession, workspace_id: uuid.UUID, schedule_id: uuid.UUID
) -> ScheduleRun:
    """An extra run at once; the regular ticks go on as planned."""
    schedule = await get_schedule(session, workspace_id, schedule_id)
    return plan_tick(session, schedule, utcnow(), manual=True)


async def runs_of(
    session: AsyncSession, schedule_id: uuid.UUID, limit: int = 20
) -> list[ScheduleRun]:
    query = (
        select(ScheduleRun)
        .where(ScheduleRun.schedule_id == schedule_id)
        .order_by(ScheduleRun.tick_at.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())
