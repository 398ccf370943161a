from __future__ import annotations

from fastapi import APIRouter, Depends

from kbsmith.api.deps import DatabaseDep, WritePrincipal, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import junctions as wire
from kbsmith.knowledge import junctions
from kbsmith.knowledge.junctions import JunctionChange

router = APIRouter(tags=["agents"], dependencies=[Depends(require_json)])


@router.post(
    "/v2/hc-bot-folder-junctions/public",
    summary="Assign folders to agents or take them away",
    responses=error_responses(404),
)
async def change_junctions(
    body: wire.JunctionsIn, principal: WritePrincipal, db: DatabaseDep
) -> wire.JunctionsOut:
    changes = [JunctionChange(j.bot_id, j.folder_id, j.action) for j in body.junctions]
    async with db.write() as session:
        await junctions.apply_junctions(session, principal.workspace_id, changes)
    return wire.JunctionsOut(status=True)
