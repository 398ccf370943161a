"""Agent use cases. Every query is scoped to the caller's workspace."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.errors import NotFound
from kbsmith.knowledge.models import Agent


async def create_agent(session: AsyncSession, workspace_id: uuid.UUID, name: str) -> Agent:
    agent = Agent(workspace_id=workspace_id, name=name)
    session.add(agent)
    await session.flush()
    return agent


async def list_agents(session: AsyncSession, workspace_id: uuid.UUID) -> list[Agent]:
    result = await session.execute(
        select(Agent).where(Agent.workspace_id == workspace_id).order_by(Agent.created_at, Agent.id)
    )
    return list(result.scalars())


async def get_agent(session: AsyncSession, workspace_id: uuid.UUID, agent_id: uuid.UUID) -> Agent:
    agent = await session.get(Agent, agent_id)
    if agent is None or agent.workspace_id != workspace_id:
        raise NotFound(f"bot {agent_id} not found")
    return agent
