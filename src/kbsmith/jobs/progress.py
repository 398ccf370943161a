"""Waiting for a set of jobs with a progress bar: the CLI's view of queued work."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kbsmith.db.database import Database
from kbsmith.jobs.models import TERMINAL_STATUSES, Job
from kbsmith.jobs.queue import get_jobs
from kbsmith.jobs.worker import Worker

POLL_SECONDS = 0.25


async def wait_with_progress(
    db: Database, job_ids: Sequence[uuid.UUID], description: str, console: Console
) -> list[Job]:
    """Poll until every job is COMPLETED or FAILED; returns the final job rows."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[summary]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(description, total=len(job_ids), summary="")
        while True:
            async with db.read() as session:
                jobs = list((await get_jobs(session, job_ids)).values())
            counts = Counter(job.status for job in jobs)
            done = sum(counts[status] for status in TERMINAL_STATUSES)
            summary = ", ".join(f"{n} {status.lower()}" for status, n in sorted(counts.items()))
            progress.update(task, completed=done, summary=summary)
            if done >= len(job_ids):
                return jobs
            await asyncio.sleep(POLL_SECONDS)


async def process_here(
    db: Database,
    worker: Worker,
    job_ids: Sequence[uuid.UUID],
    description: str,
    console: Console,
) -> list[Job]:
    """Run ``worker`` in this process until every job has ended, showing progress."""
    running = asyncio.create_task(worker.run())
    try:
        return await wait_with_progress(db, job_ids, description, console)
    finally:
        worker.stop()
        await running
