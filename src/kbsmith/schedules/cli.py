"""`kbsmith schedule add|list|remove|run`: the schedule routes' use cases from a terminal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kbsmith.db.database import Database
from kbsmith.schedules import service
from kbsmith.schedules.models import Schedule
from kbsmith.schedules.service import GenerateOptions, ScheduleSpec
from kbsmith.settings import Settings
from kbsmith.workspaces.service import get_or_create_workspace, require_workspace


@dataclass(frozen=True)
class AddOptions:
    workspace: str
    name: str
    every: str
    source: str | None
    document_ids: list[uuid.UUID]
    generate: bool
    live: bool
    restricted_ops: list[str]
    instructions: str
    delete_articles: bool


def row_of(schedule: Schedule) -> dict[str, str]:
    last = schedule.last_run or {}
    counts = "/".join(str(last.get(k, 0)) for k in ("refreshed", "changed", "generated", "failed"))
    return {
        "id": str(schedule.id),
        "name": schedule.name,
        "scope": schedule.provider or f"{len(schedule.document_ids or [])} documents",
        "every": schedule.every,
        "next": schedule.next_run_at.isoformat(timespec="seconds") if schedule.next_run_at else "",
        "last": schedule.last_run_at.isoformat(timespec="seconds") if schedule.last_run_at else "",
        "refreshed/changed/generated/failed": counts if last else "",
    }


async def add_schedule(db: Database, settings: Settings, options: AddOptions) -> dict[str, str]:
    generate = (
        GenerateOptions(
            is_draft=not options.live,
            restricted_ops=options.restricted_ops or None,
            instructions=options.instructions,
        )
        if options.generate
        else None
    )
    spec = ScheduleSpec(
        name=options.name,
        every=options.every,
        provider=options.source,
        document_ids=options.document_ids or None,
        generate=generate,
        delete_articles=options.delete_articles,
    )
    async with db.write() as session:
        workspace = await get_or_create_workspace(session, options.workspace)
        schedule = await service.create_schedule(
            session, workspace.id, spec, settings.schedule_min_interval
        )
        return row_of(schedule)


async def list_schedules(db: Database, workspace_name: str) -> list[dict[str, str]]:
    async with db.read() as session:
        workspace = await require_workspace(session, workspace_name)
        return [row_of(s) for s in await service.list_schedules(session, workspace.id)]


async def remove_schedule(db: Database, workspace_name: str, name_or_id: str) -> str:
    async with db.write() as session:
        workspace = await require_workspace(session, workspace_name)
        schedule = await service.find_schedule(session, workspace.id, name_or_id)
        await service.delete_schedule(session, workspace.id, schedule.id)
        return str(schedule.id)


async def run_schedule_now(db: Database, workspace_name: str, name_or_id: str) -> str:
    async with db.write() as session:
        workspace = await require_workspace(session, workspace_name)
        schedule = await service.find_schedule(session, workspace.id, name_or_id)
        run = await service.run_now(session, workspace.id, schedule.id)
        return str(run.id)
