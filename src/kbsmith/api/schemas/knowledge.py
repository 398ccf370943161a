"""Generation on the wire (/v2/knowledge): generate, bulk, job status, the first folder tree."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field

from kbsmith.api.schemas import ApiTime, IdList, MergeConflict, WireId, WireModel, WireRequest


class GenerateBody(WireRequest):
    candidate_knowledge: str
    origin: str = "generated"
    document_id: WireId | None = None
    hc_event_id: Annotated[str | None, Field(max_length=200)] = None
    restricted_ops: list[str] | None = None
    instructions: Annotated[str, Field(max_length=10_000)] = ""
    bot_id: WireId | None = None
    is_draft: bool = True


class GenerateAnswer(WireModel):
    background_job_id: uuid.UUID


class BulkBody(WireRequest):
    document_ids: IdList
    origin: Literal["sources"] = Field(description="Required, as in the contract")
    restricted_ops: list[str] | None = None
    instructions: Annotated[str, Field(max_length=10_000)] = ""
    bot_id: WireId | None = None
    is_draft: bool = True


class BulkJob(WireModel):
    document_id: uuid.UUID
    background_job_id: uuid.UUID


class BulkAnswer(WireModel):
    jobs: list[BulkJob]


class StatusBody(WireRequest):
    job_ids: IdList


class JobStatus(WireModel):
    id: uuid.UUID
    job_status: str
    created_at: ApiTime
    started_at: ApiTime | None
    completed_at: ApiTime | None
    hc_article_id: str | None
    operation: str | None
    target_article_id: str | None
    reason: str | None
    error: str | None
    conflicts: list[MergeConflict] = Field(
        default_factory=list,
        description="(ext) What an update could not merge: the person's text (ours) was kept "
        "in the article, the source's (theirs) waits in the draft conflictDraftId.",
    )
    conflict_draft_id: str | None = None


class StatusAnswer(WireModel):
    jobs: list[JobStatus]


class TreeInitBody(WireRequest):
    init_prompt: Annotated[str, Field(max_length=20_000)]


class TreePersistAnswer(WireModel):
    status: str
    message: str
