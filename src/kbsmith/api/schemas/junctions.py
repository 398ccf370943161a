"""Bot ↔ folder junctions on the wire."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

from kbsmith.api.schemas import (
    MAX_IDS,
    WireId,
    WireModel,
    WireRequest,
)
from kbsmith.knowledge.junctions import JunctionAction


class JunctionIn(WireRequest):
    folder_id: WireId
    bot_id: WireId
    action: Annotated[JunctionAction, Strict(False)]


class JunctionsIn(WireRequest):
    junctions: Annotated[list[JunctionIn], Field(min_length=1, max_length=MAX_IDS)]


class JunctionsOut(WireModel):
    status: bool
