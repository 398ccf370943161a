"""/v2/schedules (ext): the refresh sequence run by kbsmith itself, once per tick."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from kbsmith.api.deps import DatabaseDep, ReadPrincipal, SettingsDep, WritePrincipal, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import Deleted
from kbsmith.api.schemas.schedules import (
    RunStarted,
    ScheduleBody,
    ScheduleList,
    ScheduleView,
)
from kbsmith.schedules import service
from kbsmith.schedules.service import GenerateOptions, ScheduleSpec

router = APIRouter(tags=["schedules"], dependencies=[Depends(require_json)])


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
