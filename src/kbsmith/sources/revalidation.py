"""Revalidating many web pages at once: one conditional request each, and one write for every
page the server says has not changed, instead of an ingestion job per page. A schedule's tick
over a site that did not change costs its requests, not a job's transactions per page."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.fetching.client import GuardedClient
from kbsmith.fetching.errors import FetchError
from kbsmith.fetching.result import FetchResult
from kbsmith.providers import Provider
from kbsmith.sources.models import Source
from kbsmith.sources.tasks import fetch_values

REVALIDATION_CONCURRENCY = 16
"""Requests in flight at once (the fetcher's per-host limit applies as well)."""


def revalidatable(source: Source) -> bool:
    """A web page stored whole from a successful fetch that gave a validator to ask with."""
    return (
        source.provider == Provider.WEB
        and bool(source.success)
        and bool(source.paragraphs)
        and bool(source.etag or source.last_modified)
    )


async def not_modified(
    fetcher: GuardedClient, sources: Sequence[Source]
) -> dict[uuid.UUID, FetchResult]:
    """The revalidatable sources whose server answered 304, with that answer. Any other
    answer, an error included, leaves the source to its ingestion job, which fetches it again,
    extracts it and records errors and retries as a refresh always does."""
    gate = asyncio.Semaphore(REVALIDATION_CONCURRENCY)

    async def ask(source: Source) -> tuple[uuid.UUID, FetchResult] | None:
        async with gate:
            try:
                fetched = await fetcher.fetch(
                    source.original_url, etag=source.etag, last_modified=source.last_modified
                )
            except FetchError:
                return None
        return (source.id, fetched) if fetched.not_modified else None

    answers = await asyncio.gather(*(ask(s) for s in sources if revalidatable(s)))
    return dict(answer for answer in answers if answer is not None)


async def record_not_modified(
    session: AsyncSession, answers: Mapping[uuid.UUID, FetchResult]
) -> None:
    """What an ingestion job records for a 304, for each of *answers*."""
    for source_id, fetched in answers.items():
        await session.execute(
            update(Source)
            .where(Source.id == source_id)
            .values(**fetch_values(fetched, ""))
            .execution_options(synchronize_session=False)
        )
