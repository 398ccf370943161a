"""Schedules on the wire."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import Field

from kbsmith.api.schemas import MAX_IDS, ApiTime, WireId, WireModel, WireRequest
from kbsmith.schedules.models import Schedule


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
