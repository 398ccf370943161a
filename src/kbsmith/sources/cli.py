"""`kbsmith ingest`: queue web sources from a terminal, optionally process them here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rich.console import Console

from kbsmith.db.database import Database
from kbsmith.jobs.kinds import kbsmith_worker
from kbsmith.jobs.progress import process_here
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings
from kbsmith.sources import crawl, service
from kbsmith.sources.models import Source
from kbsmith.sources.providers import Provider
from kbsmith.workspaces.service import get_or_create_workspace

console = Console(stderr=True)


@dataclass(frozen=True)
class IngestOptions:
    urls: list[str]
    workspace: str
    crawl: bool
    limit: int
    wait: bool
    workers: int


async def ingest_from_cli(db: Database, settings: Settings, options: IngestOptions) -> None:
    runtime = Runtime(settings)
    try:
        urls = options.urls
        if options.crawl:
            urls = await crawl.discover(runtime.fetcher, urls, options.limit)
            console.print(f"found {len(urls)} pages")
        async with db.write() as session:
            workspace = await get_or_create_workspace(session, options.workspace)
            outcome = await service.ingest(
                session,
                workspace.id,
                service.IngestRequest(provider=Provider.WEB, to_add=urls, to_refresh=[]),
            )
        source_ids = outcome.added + outcome.updated
        console.print(
            f"queued {len(source_ids)} sources "
            f"({len(outcome.added)} new, {len(outcome.updated)} already known)"
        )
        if options.wait:
            await _process_and_report(db, settings, runtime, source_ids, options.workers)
    finally:
        await runtime.aclose()


async def _process_and_report(
    db: Database, settings: Settings, runtime: Runtime, source_ids: list[uuid.UUID], workers: int
) -> None:
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
        console.print(f"  {source.original_url if source else job.id}: {job.error}")
