"""Bots (agents) on the wire."""

from __future__ import annotations

import uuid

from kbsmith.api.schemas import ApiTime, NonEmptyText, WireModel, WireRequest
from kbsmith.knowledge.models import Agent


class BotCreate(WireRequest):
    name: NonEmptyText


class Bot(WireModel):
    id: uuid.UUID
    name: str
    folder_ids: list[uuid.UUID]
    """The folders assigned to the agent (it also sees their subfolders)."""
    created_at: ApiTime
    updated_at: ApiTime


def render(agent: Agent, folder_ids: list[uuid.UUID]) -> Bot:
    return Bot(
        id=agent.id,
        name=agent.name,
        folder_ids=folder_ids,
        created_at=agent.created_at,
        updated_at=agent.updated_at,
    )
