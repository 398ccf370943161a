"""/v2/knowledge/public: generation jobs and their status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import Response

from kbsmith.api.deps import DatabaseDep, ReadPrincipal, WritePrincipal, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import MergeConflict
from kbsmith.api.schemas.knowledge import (
    BulkAnswer,
    BulkBody,
    BulkJob,
    GenerateAnswer,
    GenerateBody,
    JobStatus,
    StatusAnswer,
    StatusBody,
    TreeInitBody,
    TreePersistAnswer,
)
from kbsmith.errors import InvalidInput
from kbsmith.generation import service, tree
from kbsmith.generation.operations import parse_operations
from kbsmith.generation.request import GenerationRequest

router = APIRouter(tags=["knowledge generation"])
json_only = [Depends(require_json)]
MAX_CSV_BYTES = 1024 * 1024


@router.post(
    "/v2/knowledge/public", summary="Queue one generate-and-save job", dependencies=json_only
)
async def generate(
    body: GenerateBody, principal: WritePrincipal, db: DatabaseDep
) -> GenerateAnswer:
    request = GenerationRequest(
        origin=body.origin,
        candidate_knowledge=body.candidate_knowledge,
        document_id=body.document_id,
        hc_event_id=body.hc_event_id,
        allowed=parse_operations(body.restricted_ops),
        instructions=body.instructions,
        bot_id=body.bot_id,
        is_draft=body.is_draft,
    )
    async with db.write() as session:
        job_id = await service.generate(session, principal.workspace_id, request)
    return GenerateAnswer(background_job_id=job_id)


@router.post(
    "/v2/knowledge/public/bulk",
    summary="Queue one job per source, atomically",
    dependencies=json_only,
)
async def generate_bulk(body: BulkBody, principal: WritePrincipal, db: DatabaseDep) -> BulkAnswer:
    template = GenerationRequest(
        origin=body.origin,
        allowed=parse_operations(body.restricted_ops),
        instructions=body.instructions,
        bot_id=body.bot_id,
        is_draft=body.is_draft,
    )
    async with db.write() as session:
        pairs = await service.generate_bulk(
            session, principal.workspace_id, body.document_ids, template
        )
    return BulkAnswer(jobs=[BulkJob(document_id=d, background_job_id=j) for d, j in pairs])


@router.post(
    "/v2/knowledge/public/jobs/status",
    summary="Status of generation jobs",
    responses=error_responses(404),
    dependencies=json_only,
)
async def jobs_status(body: StatusBody, principal: ReadPrincipal, db: DatabaseDep) -> StatusAnswer:
    async with db.read() as session:
        reports = await service.job_reports(session, principal.workspace_id, body.job_ids)
    return StatusAnswer(
        jobs=[
            JobStatus(
                id=r.id,
                job_status=r.status,
                created_at=r.created_at,
                started_at=r.started_at,
                completed_at=r.completed_at,
                hc_article_id=r.hc_article_id,
                operation=r.operation,
                target_article_id=r.target_article_id,
                reason=r.reason,
                error=r.error,
                conflicts=[MergeConflict.model_validate(c) for c in r.conflicts],
                conflict_draft_id=r.conflict_draft_id,
            )
            for r in reports
        ]
    )


@router.post(
    "/v2/knowledge/public/tree/initialize",
    summary="Propose a folder tree as a CSV download",
    dependencies=json_only,
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The proposed folders"}},
)
async def tree_initialize(
    body: TreeInitBody, principal: WritePrincipal, db: DatabaseDep
) -> Response:
    async with db.read() as session:
        proposal = await tree.propose(session, principal.workspace_id, body.init_prompt)
    return Response(
        tree.to_csv(proposal),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="folders.csv"'},
    )


@router.post(
    "/v2/knowledge/public/tree/persist", summary="Create the folders of a (possibly edited) CSV"
)
async def tree_persist(
    file: Annotated[UploadFile, File(description="The CSV from tree/initialize, edited or not")],
    principal: WritePrincipal,
    db: DatabaseDep,
) -> TreePersistAnswer:
    data = await file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise InvalidInput(f"file must be at most {MAX_CSV_BYTES} bytes")
    proposal = tree.parse_csv(data)
    async with db.write() as session:
        outcome = await tree.persist(session, principal.workspace_id, proposal)
    return TreePersistAnswer(
        status="success", message=f"created {outcome.created} folders, reused {outcome.reused}"
    )
