"""Assigning folders to agents (wire name: hc-bot-folder-junctions)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.scoping import in_workspace
from kbsmith.errors import NotFound
from kbsmith.knowledge.models import Agent, AgentFolder, Folder

Pair = tuple[uuid.UUID, uuid.UUID]
"""(agent id, folder id)"""


class JunctionAction(StrEnum):
    ADD = "ADD"
    REMOVE = "REMOVE"


@dataclass(frozen=True)
class JunctionChange:
    agent_id: uuid.UUID
    folder_id: uuid.UUID
    action: JunctionAction


async def apply_junctions(
    session: AsyncSession, workspace_id: uuid.UUID, changes: Sequence[JunctionChange]
) -> None:
    """Apply the changes in order; adding a pair twice or removing an absent one is a no-op.

    Every agent and folder must exist in the workspace (NotFound otherwise, nothing changed).
    """
    agent_ids = list(dict.fromkeys(change.agent_id for change in changes))
    folder_ids = list(dict.fromkeys(change.folder_id for change in changes))
    await _lock_agents(session, workspace_id, agent_ids)
    await _require_folders(session, workspace_id, folder_ids)
    existing = await _existing_pairs(session, agent_ids, folder_ids)
    wanted = dict.fromkeys(existing, True)
    for change in changes:
        wanted[(change.agent_id, change.folder_id)] = change.action is JunctionAction.ADD
    added = [pair for pair, keep in wanted.items() if keep and pair not in existing]
    removed = [pair for pair, keep in wanted.items() if not keep and pair in existing]
    if added:
        rows = [{"agent_id": agent, "folder_id": folder} for agent, folder in added]
        await session.execute(insert(AgentFolder), rows)
    if removed:
        pair = tuple_(AgentFolder.agent_id, AgentFolder.folder_id)
        await session.execute(delete(AgentFolder).where(pair.in_(removed)))


async def _lock_agents(
    session: AsyncSession, workspace_id: uuid.UUID, agent_ids: list[uuid.UUID]
) -> None:
    # Locking the agents serialises concurrent changes of their junctions on PostgreSQL.
    statement = (
        select(Agent.id)
        .where(in_workspace(Agent, workspace_id), Agent.id.in_(agent_ids))
        .order_by(Agent.id)
        .with_for_update(key_share=True)
    )
    found = set((await session.scalars(statement)).all())
    for agent_id in agent_ids:
        if agent_id not in found:
            raise NotFound(f"bot {agent_id} not found")


async def _require_folders(
    session: AsyncSession, workspace_id: uuid.UUID, folder_ids: list[uuid.UUID]
) -> None:
    statement = (
        select(Folder.id)
        .where(in_workspace(Folder, workspace_id), Folder.id.in_(folder_ids))
        .with_for_update(read=True, key_share=True)
    )
    found = set((await session.scalars(statement)).all())
    for folder_id in folder_ids:
        if folder_id not in found:
            raise NotFound(f"folder {folder_id} not found")


async def _existing_pairs(
    session: AsyncSession, agent_ids: list[uuid.UUID], folder_ids: list[uuid.UUID]
) -> set[Pair]:
    rows = await session.execute(
        select(AgentFolder.agent_id, AgentFolder.folder_id).where(
            AgentFolder.agent_id.in_(agent_ids), AgentFolder.folder_id.in_(folder_ids)
        )
    )
    return {(agent_id, folder_id) for agent_id, folder_id in rows}
