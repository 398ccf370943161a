from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from kbsmith.api.deps import DatabaseDep, ReadPrincipal, WritePrincipal, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas.bots import (
    Bot,
    BotCreate,
    render,
)
from kbsmith.knowledge import agents

router = APIRouter(tags=["agents"], dependencies=[Depends(require_json)])


@router.post("/v2/bots/public", summary="Create an agent (ext)")
async def create_bot(body: BotCreate, principal: WritePrincipal, db: DatabaseDep) -> Bot:
    async with db.write() as session:
        agent = await agents.create_agent(session, principal.workspace_id, body.name)
        return render(agent, [])


@router.get("/v2/bots/public", summary="List the agents (ext)")
async def list_bots(principal: ReadPrincipal, db: DatabaseDep) -> list[Bot]:
    async with db.read() as session:
        found = await agents.list_agents(session, principal.workspace_id)
        assigned = await agents.assigned_folder_ids(
            session, principal.workspace_id, [agent.id for agent in found]
        )
        return [render(agent, assigned[agent.id]) for agent in found]


@router.get(
    "/v2/bots/{bot_id}/public", summary="Get one agent (ext)", responses=error_responses(404)
)
async def get_bot(bot_id: uuid.UUID, principal: ReadPrincipal, db: DatabaseDep) -> Bot:
    async with db.read() as session:
        agent = await agents.get_agent(session, principal.workspace_id, bot_id)
        assigned = await agents.assigned_folder_ids(session, principal.workspace_id, [agent.id])
        return render(agent, assigned[agent.id])
