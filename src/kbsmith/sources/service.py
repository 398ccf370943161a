"""Source use cases: ingest, refresh, read, delete. Callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.connectors.service import require_connected
from kbsmith.db.base import table_of
from kbsmith.db.dialect import insert_ignoring_conflicts
from kbsmith.db.pagination import Cursor, Direction, Page, keyset_page
from kbsmith.db.scoping import in_workspace
from kbsmith.errors import FIELD, InvalidInput, NotFound
from kbsmith.fetching import InvalidUrl, is_absolute_http_url, normalize_url
from kbsmith.jobs import queue
from kbsmith.jobs.models import Job
from kbsmith.knowledge.links import ArticleSummary, delete_articles_of_sources
from kbsmith.providers import CONNECTED_PROVIDERS, Provider
from kbsmith.sources import linking
from kbsmith.sources.models import Source

INGEST_JOB = "source.ingest"
SOURCES = table_of(Source)


@dataclass(frozen=True)
class SourceView:
    """A source with the status of its latest job and whether it changed since knowledge was
    generated from it (``linking.CHANGED``), as the API shows it."""

    source: Source
    job_status: str | None
    changed: bool


@dataclass(frozen=True)
class IngestRequest:
    provider: Provider
    to_add: Sequence[str]
    to_refresh: Sequence[str]
    english: bool | None = None
    baser: bool | None = None


@dataclass(frozen=True)
class IngestOutcome:
    added: list[uuid.UUID]
    updated: list[uuid.UUID]


def _viewed(query: Select[Any]) -> Select[Any]:
    return query.add_columns(Job.status, linking.CHANGED).outerjoin(
        Job, Job.id == Source.linked_job_id
    )


async def get_source(
    session: AsyncSession, workspace_id: uuid.UUID, source_id: uuid.UUID
) -> SourceView:
    query = _viewed(
        select(Source).where(Source.id == source_id, in_workspace(Source, workspace_id))
    )
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise NotFound(f"document {source_id} not found")
    return SourceView(row[0], row[1], bool(row[2]))


async def ingest(
    session: AsyncSession, workspace_id: uuid.UUID, request: IngestRequest
) -> IngestOutcome:
    """Validate the whole request, then create or reuse records and queue one job for each."""
    if not request.to_add and not request.to_refresh:
        raise InvalidInput(f"{FIELD} or {FIELD} must be a non-empty array", "to_add", "to_refresh")
    if request.provider is Provider.WEB:
        return await _ingest_web(session, workspace_id, request)
    if request.provider in CONNECTED_PROVIDERS:
        return await _ingest_provider(session, workspace_id, request)
    raise InvalidInput(
        f"{FIELD} '{request.provider.value}' cannot be ingested by reference: upload the"
        " files instead",
        "source",
    )


async def _ingest_web(
    session: AsyncSession, workspace_id: uuid.UUID, request: IngestRequest
) -> IngestOutcome:
    to_add = _normalised_urls(request.to_add, "to_add")
    to_refresh = _normalised_urls(request.to_refresh, "to_refresh")
    wanted = {**to_add, **to_refresh}
    existing = await _web_sources_by_identity(session, workspace_id, list(wanted))
    await _create_missing_web_sources(session, workspace_id, wanted, existing, request)
    records = await _web_sources_by_identity(session, workspace_id, list(wanted))
    for source in records.values():
        apply_flags(source, request.english, request.baser)
    await queue_ingestion(session, workspace_id, list(records.values()))
    added = [records[i].id for i in wanted if i not in existing]
    updated = [records[i].id for i in wanted if i in existing]
    return IngestOutcome(added=added, updated=updated)


async def _ingest_provider(
    session: AsyncSession, workspace_id: uuid.UUID, request: IngestRequest
) -> IngestOutcome:
    """Provider arrays hold ids of registered source records of that provider."""
    await require_connected(session, workspace_id, request.provider)
    batches = {"to_add": request.to_add, "to_refresh": request.to_refresh}
    records: dict[uuid.UUID, Source] = {}
    for field, values in batches.items():
        ids = [_source_id(value, field, request.provider) for value in values]
        sources = await sources_by_ids(session, workspace_id, ids, field) if ids else []
        foreign = [str(s.id) for s in sources if s.provider != request.provider.value]
        if foreign:
            raise InvalidInput(
                f"{FIELD}: not {request.provider.value} sources: {', '.join(foreign)}", field
            )
        records.update((s.id, s) for s in sources)
    for source in records.values():
        apply_flags(source, request.english, request.baser)
    never_fetched = {s.id for s in records.values() if s.success is None}
    await queue_ingestion(session, workspace_id, list(records.values()))
    return IngestOutcome(
        added=[i for i in records if i in never_fetched],
        updated=[i for i in records if i not in never_fetched],
    )


def _source_id(value: str, field: str, provider: Provider) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(
            f"{FIELD}: {provider.value} imports expect source ids; got {value!r}", field
        ) from None


def _normalised_urls(values: Sequence[str], field: str) -> dict[str, str]:
    """identity → original URL, in request order, duplicates folded."""
    urls: dict[str, str] = {}
    for value in values:
        if not is_absolute_http_url(value):
            raise InvalidInput(
                f"{FIELD}: web imports expect absolute http(s) URLs, not ids; got {value!r}", field
            )
        try:
            urls.setdefault(normalize_url(value), value)
        except InvalidUrl as error:
            raise InvalidInput(f"{FIELD}: {error}", field) from None
    return urls


async def _web_sources_by_identity(
    session: AsyncSession, workspace_id: uuid.UUID, identities: list[str]
) -> dict[str, Source]:
    query = select(Source).where(
        in_workspace(Source, workspace_id),
        Source.provider == Provider.WEB,
        Source.identity.in_(identities),
    )
    return {source.identity: source for source in (await session.execute(query)).scalars()}


async def _create_missing_web_sources(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    wanted: dict[str, str],
    existing: dict[str, Source],
    request: IngestRequest,
) -> None:
    rows = [
        {
            "id": uuid.uuid4(),
            "workspace_id": workspace_id,
            "provider": Provider.WEB.value,
            "identity": identity,
            "original_url": url,
            "english": True if request.english is None else request.english,
            "baser": bool(request.baser),
        }
        for identity, url in wanted.items()
        if identity not in existing
    ]
    await insert_ignoring_conflicts(
        session, SOURCES, rows, ["workspace_id", "provider", "identity"]
    )


def apply_flags(source: Source, english: bool | None, baser: bool | None) -> None:
    """The flags a request gave; an absent one keeps the source's."""
    if english is not None:
        source.english = english
    if baser is not None:
        source.baser = baser


async def queue_ingestion(
    session: AsyncSession, workspace_id: uuid.UUID, sources: list[Source]
) -> None:
    """One job per source; the source remembers its latest job (older ones become no-ops)."""
    jobs = queue.enqueue_many(
        session, INGEST_JOB, ({"sourceId": str(s.id)} for s in sources), workspace_id=workspace_id
    )
    await session.flush()
    for source, job in zip(sources, jobs, strict=True):
        source.linked_job_id = job.id


async def sources_by_ids(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID], field: str
) -> list[Source]:
    """The sources in request order; InvalidInput naming ``field`` (the domain name of the
    input the ids came from) and the unknown ids when any is not ours."""
    query = select(Source).where(in_workspace(Source, workspace_id), Source.id.in_(ids))
    found = {source.id: source for source in (await session.execute(query)).scalars()}
    unknown = [str(i) for i in dict.fromkeys(ids) if i not in found]
    if unknown:
        raise InvalidInput(f"{FIELD} contains unknown ids: {', '.join(unknown[:20])}", field)
    return [found[i] for i in dict.fromkeys(ids)]


async def refresh(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    if not ids:
        raise InvalidInput(f"{FIELD} must be a non-empty array", "document_ids")
    sources = await sources_by_ids(session, workspace_id, ids, "document_ids")
    uploaded = [str(s.id) for s in sources if s.provider == Provider.FILES]
    if uploaded:
        raise InvalidInput(
            f"{FIELD}: files sources cannot be refreshed: {', '.join(uploaded)}", "document_ids"
        )
    await queue_ingestion(session, workspace_id, sources)
    return [s.id for s in sources]


async def record_failed_ingestion(session: AsyncSession, source: Source, error: str) -> None:
    """The source's latest ingestion failed for good without running (deleted upstream)."""
    job = queue.record_failed(
        session, INGEST_JOB, {"sourceId": str(source.id)}, error, workspace_id=source.workspace_id
    )
    await session.flush()
    source.linked_job_id = job.id
    source.success = False
    source.error = error


@dataclass(frozen=True)
class Deleted:
    sources: list[Source]
    articles: list[ArticleSummary]


async def delete_sources(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID], *, with_articles: bool
) -> Deleted:
    """Delete sources (and, when asked, the articles generated from them)."""
    if not ids:
        raise InvalidInput(f"{FIELD} must be a non-empty array", "document_ids")
    sources = await sources_by_ids(session, workspace_id, ids, "document_ids")
    articles = []
    if with_articles:
        articles = await delete_articles_of_sources(session, workspace_id, [s.id for s in sources])
    for source in sources:
        await session.delete(source)
    return Deleted(sources=sources, articles=articles)


@dataclass(frozen=True)
class SourceFilters:
    provider: Provider | None = None
    english: bool | None = None
    source_id: uuid.UUID | None = None
    title: str | None = None
    url: str | None = None
    linked_knowledge_id: uuid.UUID | None = None
    linked_operation: str | None = None
    changed: bool | None = None


def _filtered(workspace_id: uuid.UUID, filters: SourceFilters) -> Select[Source]:
    query = select(Source).where(in_workspace(Source, workspace_id))
    equal = {
        Source.provider: filters.provider,
        Source.english: filters.english,
        Source.id: filters.source_id,
        Source.linked_knowledge_id: filters.linked_knowledge_id,
        Source.linked_operation: filters.linked_operation,
    }
    for column, value in equal.items():
        if value is not None:
            query = query.where(column == value)
    if filters.title:
        query = query.where(Source.title.ilike(f"%{_escape_like(filters.title)}%", escape="\\"))
    if filters.url:
        query = query.where(Source.original_url.contains(filters.url, autoescape=True))
    if filters.changed is not None:
        query = query.where(linking.CHANGED if filters.changed else ~linking.CHANGED)
    return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_sources(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    filters: SourceFilters,
    *,
    cursor_id: uuid.UUID | None,
    direction: Direction,
    limit: int,
) -> Page[SourceView]:
    cursor = await _cursor(session, workspace_id, cursor_id)
    page = await keyset_page(
        session,
        _filtered(workspace_id, filters),
        Source.updated_at,
        Source.id,
        cursor=cursor,
        direction=direction,
        limit=limit,
    )
    shown = await _view_columns(session, [s.id for s in page.items])
    views = [SourceView(s, *shown[s.id]) for s in page.items]
    return Page(items=views, has_more=page.has_more)


async def _cursor(
    session: AsyncSession, workspace_id: uuid.UUID, cursor_id: uuid.UUID | None
) -> Cursor | None:
    if cursor_id is None:
        return None
    query = select(Source.updated_at, Source.id).where(
        Source.id == cursor_id, in_workspace(Source, workspace_id)
    )
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise InvalidInput(f"cursor {cursor_id} is not a document of this workspace")
    return Cursor(updated_at=row[0], id=row[1])


async def _view_columns(
    session: AsyncSession, source_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[str | None, bool]]:
    """Each source's latest job status and ``changed``, by source id."""
    if not source_ids:
        return {}
    rows = await session.execute(_viewed(select(Source.id).where(Source.id.in_(source_ids))))
    return {row[0]: (row[1], bool(row[2])) for row in rows.all()}


async def mark_generated(
    session: AsyncSession, workspace_id: uuid.UUID, source_ids: Sequence[uuid.UUID]
) -> None:
    """Knowledge was just generated from the sources' current content: they are not changed."""
    for source in await sources_by_ids(session, workspace_id, source_ids, "document_ids"):
        source.generated_hash = source.content_hash


async def ids_needing_generation(session: AsyncSession, workspace_id: uuid.UUID) -> list[uuid.UUID]:
    """Ingested sources whose content changed since knowledge was generated from it, or that
    never had knowledge generated at all (unless that content waits in a draft for review)."""
    query = (
        select(Source.id)
        .where(in_workspace(Source, workspace_id), linking.NEEDS_GENERATION)
        .order_by(Source.created_at, Source.id)
    )
    return list((await session.scalars(query)).all())
