"""Bots (agents) on the wire."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator

from kbsmith.api.schemas import ApiTime, WireModel, WireRequest
from kbsmith.api.schemas.articles import nonempty_text, stripped
from kbsmith.knowledge.models import Agent

AGENT_NAME_MAX_CHARS = 200


class BotCreate(WireRequest):
    name: Annotated[str, nonempty_text(AGENT_NAME_MAX_CHARS), AfterValidator(stripped)]


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
