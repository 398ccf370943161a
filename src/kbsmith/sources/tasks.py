"""The ingestion job: fetch (or, for an uploaded file, read its stored bytes), extract, store —
with the network part outside any transaction."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.connectors.base import ConnectorError, ResourceRef
from kbsmith.connectors.service import Credentials, build_connector, load_credentials
from kbsmith.db.base import utcnow
from kbsmith.errors import InvalidInput
from kbsmith.extraction import Extracted, ExtractionError, content_hash, storable_text
from kbsmith.extraction.isolated import IsolatedExtractor
from kbsmith.fetching import FetchError, FetchResult, HttpStatusError
from kbsmith.jobs.context import JobContext
from kbsmith.jobs.errors import PermanentJobError, RetryableJobError
from kbsmith.jobs.registry import FailedJob, JobRegistry
from kbsmith.metrics.instruments import FETCH_ERRORS
from kbsmith.providers import Provider
from kbsmith.runtime import Runtime
from kbsmith.sources import blobs
from kbsmith.sources.content import FetchedContent, extract_unless_known, fetch_and_extract
from kbsmith.sources.models import Source
from kbsmith.sources.service import INGEST_JOB
from kbsmith.sources.stored_files import StoredFile, extract_stored_file, load_stored_file
from kbsmith.webhooks import events

INGEST_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class _Target:
    url: str
    etag: str | None
    last_modified: str | None
    provider: Provider = Provider.WEB
    ref: ResourceRef | None = None
    credentials: Credentials | None = None
    fingerprint: str = ""
    """`content.body_fingerprint` of the bytes the current paragraphs came from, if any."""


def register(registry: JobRegistry, runtime: Runtime) -> None:
    async def ingest(ctx: JobContext) -> None:
        await ingest_source(ctx, runtime)

    registry.handler(INGEST_JOB, timeout=INGEST_TIMEOUT_SECONDS, on_failure=record_failure)(ingest)


async def ingest_source(ctx: JobContext, runtime: Runtime) -> None:
    source_id = uuid.UUID(ctx.payload["sourceId"])
    target = await _target(ctx, runtime.settings.resolved_secret_key, source_id)
    if target is None:
        return  # deleted, or superseded by a newer job for the same source
    if isinstance(target, StoredFile):
        await _ingest_stored_file(ctx, runtime.extractor, source_id, target)
        return
    try:
        content = await _fetch(runtime, target)
    except FetchError as error:
        raise _job_error(error) from None
    except ConnectorError as error:
        raise _connector_job_error(error) from None
    except ExtractionError as error:
        raise PermanentJobError(str(error)) from None
    # the CPU-bound parts (compression, hashing) before the writing transaction: on SQLite
    # it holds the database's one write lock, which every other worker is waiting for
    extracted = content.extracted
    if extracted is None:  # not modified (304, or the same bytes): no row to load, one UPDATE
        async with ctx.finishing() as session:
            await session.execute(
                update(Source)
                .where(Source.id == source_id)
                .values(**fetch_values(content.fetched, content.version))
                .execution_options(synchronize_session=False)
            )
        return
    packed, new_hash = await asyncio.to_thread(_prepare, content.fetched.body, extracted)
    async with ctx.finishing() as session:
        source = await session.get(Source, source_id)
        if source is not None:
            record_fetch(source, content.fetched)
            source.provider_version = content.version or source.provider_version
            content_type = content.fetched.headers.get("content-type", "")
            await blobs.keep_raw(session, source.id, packed, content_type)
            before = source.content_hash
            apply_content(source, extracted, new_hash)
            source.body_hash = content.fingerprint
            await announce_change(session, source, before)


async def _ingest_stored_file(
    ctx: JobContext, extractor: IsolatedExtractor, source_id: uuid.UUID, stored: StoredFile
) -> None:
    extracted, new_hash = await extract_stored_file(stored, extractor)
    async with ctx.finishing() as session:
        source = await session.get(Source, source_id)
        # a newer upload may have replaced the bytes meanwhile: its own job stores them
        if source is not None and source.linked_job_id == ctx.job.id:
            record_success(source)
            before = source.content_hash
            apply_content(source, extracted, new_hash)
            await announce_change(session, source, before)


def _prepare(body: bytes, extracted: Extracted) -> tuple[blobs.Packed, str]:
    return blobs.pack(body), content_hash(extracted.paragraphs)


async def _target(
    ctx: JobContext, secret: bytes, source_id: uuid.UUID
) -> _Target | StoredFile | None:
    async with ctx.db.read() as session:
        source = await session.get(Source, source_id)
        if source is None or source.linked_job_id != ctx.job.id:
            return None
        if source.provider == Provider.FILES:
            return await load_stored_file(session, source)
        conditional = bool(source.success and source.paragraphs)
        provider = Provider(source.provider)
        credentials = None
        if provider is not Provider.WEB:
            try:
                credentials = await load_credentials(session, source.workspace_id, provider, secret)
            except InvalidInput as error:
                raise PermanentJobError(error.message) from None
        return _Target(
            url=source.original_url,
            etag=source.etag if conditional else None,
            last_modified=source.last_modified if conditional else None,
            provider=provider,
            ref=ResourceRef(
                source.external_id, source.object_type, source.original_url, source.extra
            ),
            credentials=credentials,
            fingerprint=source.body_hash if conditional else "",
        )


async def _fetch(runtime: Runtime, target: _Target) -> FetchedContent:
    if target.credentials is None or target.ref is None:
        return await fetch_and_extract(
            runtime.fetcher,
            runtime.extractor,
            target.url,
            etag=target.etag,
            last_modified=target.last_modified,
            known_fingerprint=target.fingerprint,
        )
    connector = build_connector(target.credentials, runtime.policy)
    try:
        document = await connector.fetch(target.ref)
    finally:
        await connector.aclose()
    extracted, fingerprint = await extract_unless_known(
        runtime.extractor,
        document.body,
        document.content_type,
        document.original_url,
        target.fingerprint,
        document.title,
    )
    if extracted is not None and document.title:
        extracted = replace(extracted, title=document.title)
    fetched = FetchResult(
        url=document.original_url or target.url,
        status=200,
        headers={"content-type": document.content_type},
        content_type=document.content_type.split(";")[0].strip().lower(),
        body=document.body,
    )
    return FetchedContent(fetched, extracted, version=document.version, fingerprint=fingerprint)


def fetch_values(fetched: FetchResult, version: str) -> dict[str, Any]:
    """What `record_fetch` (and the provider version) changes, as UPDATE values."""
    values: dict[str, Any] = {"fetched_at": utcnow(), "success": True, "error": ""}
    optional = {"etag": fetched.etag, "last_modified": fetched.last_modified}
    values.update((name, value) for name, value in optional.items() if value)
    if version:
        values["provider_version"] = version
    return values


def record_fetch(source: Source, fetched: FetchResult) -> None:
    source.etag = fetched.etag or source.etag
    source.last_modified = fetched.last_modified or source.last_modified
    record_success(source)


def record_success(source: Source) -> None:
    source.fetched_at = utcnow()
    source.success = True
    source.error = ""


def apply_content(source: Source, extracted: Extracted, new_hash: str | None = None) -> None:
    """New paragraphs replace old ones only when the normalised content really changed.

    `new_hash`: `content_hash(extracted.paragraphs)`, when the caller computed it already.
    """
    source.title = " ".join(storable_text(extracted.title).split()) or source.title
    source.mime_type = extracted.mime_type
    new_hash = new_hash or content_hash(extracted.paragraphs)
    if new_hash == source.content_hash:
        return
    if source.paragraphs:
        source.old_paragraphs = source.paragraphs
    source.paragraphs = extracted.paragraphs
    source.content_hash = new_hash


async def announce_change(session: AsyncSession, source: Source, before: str) -> None:
    """source.changed when a refresh replaced content the source had (not on a first ingest)."""
    if before and source.content_hash != before:
        await events.emit(
            session, source.workspace_id, events.Event.SOURCE_CHANGED, source_event_data(source)
        )


def source_event_data(source: Source) -> dict[str, Any]:
    return {
        "documentId": str(source.id),
        "source": source.provider,
        "originalUrl": source.original_url,
        "title": source.title,
        "error": source.error,
    }


async def record_failure(session: AsyncSession, failed: FailedJob) -> None:
    """The job failed for good: say why on the source, keep its earlier good paragraphs."""
    source = await session.get(Source, uuid.UUID(failed.payload["sourceId"]))
    if source is not None and source.linked_job_id == failed.id:
        source.success = False
        source.error = failed.error
        await events.emit(
            session, source.workspace_id, events.Event.SOURCE_FAILED, source_event_data(source)
        )


def _connector_job_error(error: ConnectorError) -> PermanentJobError | RetryableJobError:
    FETCH_ERRORS.labels(type(error).__name__).inc()
    if error.retryable:
        return RetryableJobError(error.message, retry_after=error.retry_after)
    return PermanentJobError(error.message)


def _job_error(error: FetchError) -> PermanentJobError | RetryableJobError:
    FETCH_ERRORS.labels(type(error).__name__).inc()
    retry_after = error.retry_after if isinstance(error, HttpStatusError) else None
    if error.retryable:
        return RetryableJobError(str(error), retry_after=retry_after)
    return PermanentJobError(str(error))
