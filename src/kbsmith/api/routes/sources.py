"""/v2/documents/public: sources (web pages and provider documents)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from kbsmith.api.deps import (
    DatabaseDep,
    ReadPrincipal,
    RuntimeDep,
    SettingsDep,
    WritePrincipal,
    require_json,
)
from kbsmith.api.openapi import error_responses
from kbsmith.api.paths import DOCUMENT_ID
from kbsmith.api.schemas import (
    WireText,
    documents,
)
from kbsmith.api.schemas.documents import (
    CrawlAnswer,
    CrawlBody,
    DeleteAnswer,
    DeleteBody,
    DeletedArticle,
    DeletedDocument,
    Document,
    DocumentPage,
    IngestAnswer,
    IngestBody,
    RefreshBody,
    RegisterBody,
)
from kbsmith.db.pagination import DEFAULT_LIMIT, MAX_LIMIT, Direction
from kbsmith.errors import NotFound
from kbsmith.providers import Provider, parse_provider
from kbsmith.sources import blobs, crawl, resources, service

router = APIRouter(tags=["documents"], dependencies=[Depends(require_json)])


@router.get("/v2/documents/public", summary="List sources, newest change first")
async def list_documents(
    principal: ReadPrincipal,
    db: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: uuid.UUID | None = None,
    direction: Direction = Direction.NEXT,
    source: Provider | None = None,
    english: bool | None = None,
    id: uuid.UUID | None = None,
    title: Annotated[WireText | None, Query(max_length=500)] = None,
    url: Annotated[WireText | None, Query(max_length=2000)] = None,
    linked_knowledge_id: Annotated[uuid.UUID | None, Query(alias="linkedKnowledgeId")] = None,
    linked_operation: Annotated[
        WireText | None, Query(alias="linkedOperation", max_length=64)
    ] = None,
    changed: bool | None = None,
) -> DocumentPage:
    filters = service.SourceFilters(
        provider=parse_provider(source) if source else None,
        english=english,
        source_id=id,
        title=title,
        url=url,
        linked_knowledge_id=linked_knowledge_id,
        linked_operation=linked_operation,
        changed=changed,
    )
    async with db.read() as session:
        page = await service.list_sources(
            session,
            principal.workspace_id,
            filters,
            cursor_id=cursor,
            direction=direction,
            limit=limit,
        )
    return DocumentPage(documents=[Document.of(v) for v in page.items], has_more=page.has_more)


@router.get(
    f"/v2/documents/public/{{id:{DOCUMENT_ID}}}",
    summary="Get one source",
    responses=error_responses(404),
)
async def get_document(id: uuid.UUID, principal: ReadPrincipal, db: DatabaseDep) -> Document:
    async with db.read() as session:
        return Document.of(await service.get_source(session, principal.workspace_id, id))


@router.get(
    "/v2/documents/public/{id}/raw",
    summary="The raw fetched bytes of a source (ext)",
    responses=error_responses(404),
)
async def get_raw_document(id: uuid.UUID, principal: ReadPrincipal, db: DatabaseDep) -> Response:
    async with db.read() as session:
        await service.get_source(session, principal.workspace_id, id)
        raw = await blobs.load_raw(session, id)
    if raw is None:
        raise NotFound(f"document {id} has no stored content")
    body, content_type = raw
    return Response(
        body,
        media_type=content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{id}"',
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/v2/documents/public", summary="Ingest sources: queue a fetch for each")
async def ingest_documents(
    body: IngestBody, principal: WritePrincipal, db: DatabaseDep
) -> IngestAnswer:
    request = service.IngestRequest(
        provider=parse_provider(body.source),
        to_add=body.document_ids_to_add,
        to_refresh=body.document_ids_to_refresh,
        english=body.english,
        baser=body.baser,
    )
    async with db.write() as session:
        outcome = await service.ingest(session, principal.workspace_id, request)
    return IngestAnswer(added_document_ids=outcome.added, updated_document_ids=outcome.updated)


@router.post("/v2/documents/public/refresh", summary="Refresh sources: queue a new fetch for each")
async def refresh_documents(
    body: RefreshBody, principal: WritePrincipal, db: DatabaseDep
) -> list[uuid.UUID]:
    async with db.write() as session:
        return await service.refresh(session, principal.workspace_id, body.document_ids)


@router.delete("/v2/documents/public", summary="Delete sources, and optionally their articles")
async def delete_documents(
    body: DeleteBody, principal: WritePrincipal, db: DatabaseDep
) -> DeleteAnswer:
    async with db.write() as session:
        deleted = await service.delete_sources(
            session, principal.workspace_id, body.document_ids, with_articles=body.delete_articles
        )
        return DeleteAnswer(
            deleted_documents=[
                DeletedDocument(id=s.id, title=s.title, original_url=s.original_url)
                for s in deleted.sources
            ],
            deleted_articles=[
                DeletedArticle(id=a.id, title=a.title, parent_folder_id=a.parent_folder_id)
                for a in deleted.articles
            ],
        )


@router.post(
    "/v2/documents/public/deep-crawl/links", summary="Discover same-site links (creates nothing)"
)
async def crawl_links(
    body: CrawlBody, _principal: WritePrincipal, runtime: RuntimeDep
) -> CrawlAnswer:
    found = await crawl.discover(runtime.fetcher, body.links, body.limit)
    return CrawlAnswer(data=found, message=f"found {len(found)} links")


@router.get(
    "/v2/documents/public/resources/{provider}",
    summary="Discover a provider's resources (already imported ones hidden)",
    responses=error_responses(400),
)
async def discover_resources(
    provider: Provider,
    principal: ReadPrincipal,
    db: DatabaseDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
) -> Any:
    found = await resources.discover(
        db,
        runtime.policy,
        settings.resolved_secret_key,
        principal.workspace_id,
        parse_provider(provider, "provider"),
    )
    return documents.discovery(found)


@router.post(
    "/v2/documents/public/resources/{provider}",
    summary="Register a provider's resources as sources (queues nothing)",
    responses=error_responses(400),
)
async def register_resources(
    provider: Provider, body: RegisterBody, principal: WritePrincipal, db: DatabaseDep
) -> IngestAnswer:
    given = [
        resources.ResourceInput(r.external_id, r.title, r.original_url, r.mime_type, r.object)
        for r in body.resources
    ]
    async with db.write() as session:
        outcome = await resources.register(
            session, principal.workspace_id, parse_provider(provider, "provider"), given
        )
    return IngestAnswer(added_document_ids=outcome.added, updated_document_ids=outcome.updated)
