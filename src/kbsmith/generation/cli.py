"""`kbsmith generate`: queue generation for sources from a terminal, optionally run it here."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from rich.console import Console

from kbsmith.composition import kbsmith_worker
from kbsmith.db.database import Database
from kbsmith.generation import service
from kbsmith.generation.operations import ALL_OPERATIONS
from kbsmith.generation.request import GenerationRequest
from kbsmith.jobs.progress import process_here
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings
from kbsmith.sources.service import ids_needing_generation
from kbsmith.workspaces.service import require_workspace

console = Console(stderr=True)


@dataclass(frozen=True)
class GenerateOptions:
    workspace: str
    source_ids: list[uuid.UUID]
    all_changed: bool
    live: bool
    wait: bool
    workers: int


async def generate_from_cli(db: Database, settings: Settings, options: GenerateOptions) -> int:
    """Queue the generation jobs; with ``wait``, run them here. The number that failed."""
    async with db.write() as session:
        workspace = await require_workspace(session, options.workspace)
        ids = list(options.source_ids)
        if options.all_changed:
            ids += await ids_needing_generation(session, workspace.id)
        ids = list(dict.fromkeys(ids))
        if not ids:
            console.print("nothing to generate: every source's knowledge is current")
            return 0
        template = GenerationRequest(
            origin="sources", allowed=ALL_OPERATIONS, is_draft=not options.live
        )
        pairs = await service.generate_bulk(session, workspace.id, ids, template)
    console.print(f"queued {len(pairs)} generation jobs ({'live' if options.live else 'drafts'})")
    if options.wait:
        job_ids = [job_id for _, job_id in pairs]
        return await _process_and_summarise(db, settings, job_ids, options.workers)
    return 0


async def _process_and_summarise(
    db: Database, settings: Settings, job_ids: list[uuid.UUID], workers: int
) -> int:
    runtime = Runtime(settings)
    worker = kbsmith_worker(db, runtime, workers)
    try:
        jobs = await process_here(db, worker, job_ids, "generating", console)
    finally:
        await runtime.aclose()
    operations = Counter((job.result or {}).get("operation", "FAILED") for job in jobs)
    console.print(
        ", ".join(f"{count} {operation}" for operation, count in sorted(operations.items()))
    )
    failed = [job for job in jobs if job.status == "FAILED"]
    for job in failed:
        console.print(f"  {job.payload.get('documentId')}: {job.error}")
    return len(failed)
