"""`kbsmith ingest`: queue web pages and local files from a terminal, optionally process them
here."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.composition import kbsmith_worker
from kbsmith.db.database import Database
from kbsmith.errors import InvalidInput
from kbsmith.fetching import is_absolute_http_url
from kbsmith.jobs.progress import process_here
from kbsmith.providers import Provider
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings
from kbsmith.sources import crawl, service, uploads
from kbsmith.sources.models import Source
from kbsmith.workspaces.service import get_or_create_workspace

console = Console(stderr=True)


@dataclass(frozen=True)
class IngestOptions:
    targets: list[str]
    """Absolute http(s) URLs and paths of local files."""
    workspace: str
    crawl: bool
    limit: int
    wait: bool
    workers: int


@dataclass(frozen=True)
class Targets:
    urls: list[str]
    files: list[Path]


def split_targets(values: Sequence[str]) -> Targets:
    """URLs and files apart; a value that is neither is refused before anything is queued."""
    urls: list[str] = []
    files: list[Path] = []
    for value in values:
        if is_absolute_http_url(value):
            urls.append(value)
        elif Path(value).is_file():
            files.append(Path(value))
        else:
            raise InvalidInput(f"{value!r} is neither an absolute http(s) URL nor an existing file")
    return Targets(urls, files)


async def ingest_from_cli(db: Database, settings: Settings, options: IngestOptions) -> int:
    """Queue the targets; with ``wait``, run their jobs here. The number of jobs that failed."""
    targets = split_targets(options.targets)
    files = await _read_files(targets.files, settings.upload_max_bytes)
    prepared = await uploads.prepare_in_thread(files, settings.upload_max_bytes) if files else []
    runtime = Runtime(settings)
    try:
        urls = targets.urls
        if options.crawl and urls:
            urls = await crawl.discover(runtime.fetcher, urls, options.limit)
            console.print(f"found {len(urls)} pages")
        async with db.write() as session:
            workspace = await get_or_create_workspace(session, options.workspace)
            outcome = await _queue(session, workspace.id, urls, prepared)
        source_ids = outcome.added + outcome.updated
        console.print(
            f"queued {len(source_ids)} sources "
            f"({len(outcome.added)} new, {len(outcome.updated)} already known)"
        )
        if options.wait:
            return await _process_and_report(db, runtime, source_ids, options.workers)
        return 0
    finally:
        await runtime.aclose()


async def _read_files(paths: list[Path], max_bytes: int) -> list[uploads.UploadedFile]:
    """Each file's bytes, at most one past the limit: enough to refuse it by name."""

    def read(path: Path) -> uploads.UploadedFile:
        with path.open("rb") as opened:
            return uploads.UploadedFile(path.name, opened.read(max_bytes + 1))

    return [await asyncio.to_thread(read, path) for path in paths]


async def _queue(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    urls: list[str],
    files: list[uploads.PreparedFile],
) -> service.IngestOutcome:
    """Pages and files in one transaction: a refusal of either queues nothing."""
    added: list[uuid.UUID] = []
    updated: list[uuid.UUID] = []
    if urls:
        request = service.IngestRequest(provider=Provider.WEB, to_add=urls, to_refresh=[])
        pages = await service.ingest(session, workspace_id, request)
        added, updated = pages.added, pages.updated
    if files:
        uploaded = await uploads.add_files(session, workspace_id, files, uploads.UploadOptions())
        added += uploaded.added
    return service.IngestOutcome(added=added, updated=updated)


async def _process_and_report(
    db: Database, runtime: Runtime, source_ids: list[uuid.UUID], workers: int
) -> int:
    async with db.read() as session:
        sources = [await session.get(Source, source_id) for source_id in source_ids]
    job_ids = [s.linked_job_id for s in sources if s is not None and s.linked_job_id]
    worker = kbsmith_worker(db, runtime, workers)
    jobs = await process_here(db, worker, job_ids, "ingesting", console)
    failed = [job for job in jobs if job.status == "FAILED"]
    console.print(f"[green]{len(jobs) - len(failed)} completed[/], [red]{len(failed)} failed[/]")
    by_source = {s.linked_job_id: s for s in sources if s is not None}
    for job in failed:
        source = by_source.get(job.id)
        if source is None or source.original_url:
            console.print(f"  {source.original_url if source else job.id}: {job.error}")
        else:  # an uploaded file's error names the file
            console.print(f"  {job.error}")
    return len(failed)
