from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic_core import to_json

from kbsmith.api.deps import DatabaseDep, ReadPrincipal, WritePrincipal, require_json
from kbsmith.api.openapi import error_responses
from kbsmith.api.schemas import folders as wire
from kbsmith.api.schemas import format_time
from kbsmith.api.schemas.articles import ArticleSummary
from kbsmith.knowledge import folders, snapshot
from kbsmith.knowledge.snapshot import FolderNode

router = APIRouter(tags=["folders"], dependencies=[Depends(require_json)])


@router.get(
    "/v2/hc-folders/public",
    summary="The folder tree with its articles, optionally as one agent sees it",
    response_model=wire.FolderSnapshot,
    responses=error_responses(404),
)
async def folder_snapshot(
    principal: ReadPrincipal,
    db: DatabaseDep,
    bot_id: Annotated[uuid.UUID | None, Query(alias="botId")] = None,
) -> Response:
    async with db.read() as session:
        found = await snapshot.folder_snapshot(session, principal.workspace_id, bot_id)
    # A tree may hold 100,000 articles: the trusted tree goes to JSON in pydantic's core
    # directly, without building and validating a model per node (seconds at that size).
    body = {
        "id": found.id,
        "createdAt": format_time(found.created_at),
        "updatedAt": format_time(found.updated_at),
        "snapshotObjV2": [_node(node) for node in found.tree],
    }
    return Response(to_json(body), media_type="application/json")


def _node(node: FolderNode) -> dict[str, Any]:
    return {
        "id": node.id,
        "title": node.title,
        "description": node.description,
        "active": node.active,
        "parentFolderId": node.parent_folder_id,
        "articles": [
            {"id": id_, "title": title, "isDraft": is_draft, "active": active}
            for id_, title, is_draft, active in node.articles
        ],
        "children": [_node(child) for child in node.children],
    }


@router.post(
    "/v2/hc-folders/public", summary="Create a folder", responses=error_responses(404, 406)
)
async def create_folder(
    body: wire.FolderCreate, principal: WritePrincipal, db: DatabaseDep
) -> wire.Folder:
    async with db.write() as session:
        folder = await folders.create_folder(
            session,
            principal.workspace_id,
            body.title,
            description=body.description,
            parent_folder_id=body.parent_folder_id,
            active=body.active,
        )
        return wire.Folder.model_validate(folder)


@router.put(
    "/v2/hc-folders/{folder_id}/public",
    summary="Change a folder's title, description or active state",
    responses=error_responses(404),
)
async def update_folder(
    folder_id: uuid.UUID, body: wire.FolderUpdate, principal: WritePrincipal, db: DatabaseDep
) -> wire.Folder:
    async with db.write() as session:
        folder = await folders.update_folder(
            session,
            principal.workspace_id,
            folder_id,
            title=body.title,
            description=body.description,
            active=body.active,
        )
        return wire.Folder.model_validate(folder)


@router.put(
    "/v2/hc-folders/{folder_id}/move/public",
    summary="Move a folder under another parent (cycles are refused with 406)",
    responses=error_responses(404, 406),
)
async def move_folder(
    folder_id: uuid.UUID, body: wire.FolderMoveIn, principal: WritePrincipal, db: DatabaseDep
) -> wire.Folder:
    async with db.write() as session:
        folder = await folders.move_folder(
            session, principal.workspace_id, folder_id, body.parent_folder_id
        )
        return wire.Folder.model_validate(folder)


@router.delete(
    "/v2/hc-folders/{folder_id}/public",
    summary="Delete a folder; one that is not empty only with cascade=true",
    responses=error_responses(404, 409),
)
async def delete_folder(
    folder_id: uuid.UUID,
    principal: WritePrincipal,
    db: DatabaseDep,
    cascade: Annotated[
        bool, Query(description="Also delete the folders and articles below it")
    ] = False,
) -> wire.FolderDeletion:
    async with db.write() as session:
        deletion = await folders.delete_folder(
            session, principal.workspace_id, folder_id, cascade=cascade
        )
    return wire.FolderDeletion(
        deleted_folders=[wire.FolderSummary.model_validate(f) for f in deletion.folders],
        deleted_articles=[ArticleSummary.model_validate(a) for a in deletion.articles],
    )
