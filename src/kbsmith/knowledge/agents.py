"""Agent use cases. Every query is scoped to the caller's workspace."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.scoping import get_owned, in_workspace
from kbsmith.errors import NotFound
from kbsmith.knowledge import repository
from kbsmith.knowledge.models import Agent, AgentFolder


async def create_agent(session: AsyncSession, workspace_id: uuid.UUID, name: str) -> Agent:
    agent = Agent(workspace_id=workspace_id, name=name)
    session.add(agent)
    await session.flush()
    return agent


async def list_agents(session: AsyncSession, workspace_id: uuid.UUID) -> list[Agent]:
    result = await session.execute(
        select(Agent).where(in_workspace(Agent, workspace_id)).order_by(Agent.created_at, Agent.id)
    )
    return list(result.scalars())


async def get_agent(session: AsyncSession, workspace_id: uuid.UUID, agent_id: uuid.UUID) -> Agent:
    agent = await get_owned(session, Agent, workspace_id, agent_id)
    if agent is None:
        raise NotFound(f"bot {agent_id} not found")
    return agent


async def visible_folder_ids(
    session: AsyncSession, workspace_id: uuid.UUID, agent_id: uuid.UUID
) -> set[uuid.UUID]:
    """The folders an agent sees: those assigned to it and all their subfolders."""
    await get_agent(session, workspace_id, agent_id)
    return await repository.visible_folder_ids(session, workspace_id, agent_id)


async def assigned_folder_ids(
    session: AsyncSession, workspace_id: uuid.UUID, agent_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The folders assigned to each agent directly (without their subfolders)."""
    assigned: dict[uuid.UUID, list[uuid.UUID]] = {agent_id: [] for agent_id in agent_ids}
    if not agent_ids:
        return assigned
    rows = await session.execute(
        select(AgentFolder.agent_id, AgentFolder.folder_id)
        .join(Agent, Agent.id == AgentFolder.agent_id)
        .where(in_workspace(Agent, workspace_id), AgentFolder.agent_id.in_(agent_ids))
        .order_by(AgentFolder.created_at, AgentFolder.folder_id)
    )
    for agent_id, folder_id in rows:
        assigned[agent_id].append(folder_id)
    return assigned
