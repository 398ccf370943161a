"""/v2/schedules (ext): the refresh sequence run by kbsmith itself, once per tick."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from kbsmith.api.deps import DatabaseDep, ReadPrincipal, SettingsDep, WritePrincipal, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import ApiTime, WireId, WireModel, WireRequest
from kbsmith.schedules import service
from kbsmith.schedules.models import Schedule
from kbsmith.schedules.service import GenerateOptions, ScheduleSpec

router = APIRouter(tags=["schedules"], dependencies=[Depends(require_json)])

MAX_IDS = 1000


class GenerateBody(WireRequest):
    is_draft: bool = True
    restricted_ops: list[str] | None = None
    instructions: Annotated[str, Field(max_length=10_000)] = ""
    bot_id: WireId | None = None


class ScheduleBody(WireRequest):
    name: Annotated[str, Field(max_length=200)]
    source: str | None = Field(default=None, description="Every source of this type.")
    document_ids: Annotated[list[WireId] | None, Field(max_length=MAX_IDS)] = None
    every: Annotated[str, Field(max_length=200)] = Field(
        description="An ISO-8601 duration of at least PT5M, or a 5-field cron expression."
    )
    generate: GenerateBody | None = Field(
        default=None, description="Bulk-generate the changed sources so; absent: refresh only."
    )
    delete_articles: bool = Field(
        default=False,
        description="Provider sources deleted upstream: unpublish their articles into drafts.",
    )


class LastRun(WireModel):
    refreshed: int = 0
    changed: int = 0
    generated: int = 0
    failed: int = 0
    deleted: int = 0
    status: str = ""
    error: str = ""


class ScheduleView(WireModel):
    id: uuid.UUID
    name: str
    source: str | None
    document_ids: list[str] | None
    every: str
    generate: dict[str, Any] | None
    delete_articles: bool
    created_at: ApiTime
    last_run_at: ApiTime | None
    next_run_at: ApiTime | None
    last_run: LastRun | None

    @classmethod
    def of(cls, schedule: Schedule) -> ScheduleView:
        return cls(
            id=schedule.id,
            name=schedule.name,
            source=schedule.provider,
            document_ids=schedule.document_ids,
            every=schedule.every,
            generate=schedule.generate,
            delete_articles=schedule.delete_articles,
            created_at=schedule.created_at,
            last_run_at=schedule.last_run_at,
            next_run_at=schedule.next_run_at,
            last_run=LastRun.model_validate(schedule.last_run) if schedule.last_run else None,
        )


class ScheduleList(WireModel):
    schedules: list[ScheduleView]


class RunStarted(WireModel):
    run_id: uuid.UUID
    background_job_id: uuid.UUID


class Deleted(WireModel):
    status: bool


@router.post("/v2/schedules/public", summary="Create a sync schedule (ext)")
async def create_schedule(
    body: ScheduleBody, principal: WritePrincipal, db: DatabaseDep, settings: SettingsDep
) -> ScheduleView:
    generate = body.generate
    spec = ScheduleSpec(
        name=body.name,
        every=body.every,
        provider=body.source,
        document_ids=body.document_ids,
        generate=GenerateOptions(
            is_draft=generate.is_draft,
            restricted_ops=generate.restricted_ops,
            instructions=generate.instructions,
            bot_id=generate.bot_id,
        )
        if generate
        else None,
        delete_articles=body.delete_articles,
    )
    async with db.write() as session:
        schedule = await service.create_schedule(
            session, principal.workspace_id, spec, settings.schedule_min_interval
        )
        return ScheduleView.of(schedule)


@router.get("/v2/schedules/public", summary="List the sync schedules and their last runs (ext)")
async def list_schedules(principal: ReadPrincipal, db: DatabaseDep) -> ScheduleList:
    async with db.read() as session:
        found = await service.list_schedules(session, principal.workspace_id)
        return ScheduleList(schedules=[ScheduleView.of(s) for s in found])


@router.delete(
    "/v2/schedules/{id}/public", summary="Remove a schedule (ext)", responses=error_responses(404)
)
async def delete_schedule(id: uuid.UUID, principal: WritePrincipal, db: DatabaseDep) -> Deleted:
    async with db.write() as session:
        await service.delete_schedule(session, principal.workspace_id, id)
    return Deleted(status=True)


@router.post(
    "/v2/schedules/{id}/run/public",
    summary="Run a schedule now, besides its ticks (ext)",
    responses=error_responses(404),
)
async def run_schedule(id: uuid.UUID, principal: WritePrincipal, db: DatabaseDep) -> RunStarted:
    async with db.write() as session:
        run = await service.run_now(session, principal.workspace_id, id)
        return RunStarted(run_id=run.id, background_job_id=run.job_id)
