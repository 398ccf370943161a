"""Fetch + extract: the one code path shared by ingestion jobs and `kbsmith extract`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from kbsmith.extraction import Extracted, extract
from kbsmith.fetching import FetchResult, GuardedClient


@dataclass(frozen=True)
class FetchedContent:
    fetched: FetchResult
    extracted: Extracted | None
    """None when the server answered 304 Not Modified."""
    version: str = ""
    """The provider's version marker, for provider documents."""


async def fetch_and_extract(
    fetcher: GuardedClient, url: str, *, etag: str | None = None, last_modified: str | None = None
) -> FetchedContent:
    fetched = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    if fetched.not_modified:
        return FetchedContent(fetched, None)
    return FetchedContent(
        fetched, await extract_in_thread(fetched.body, _content_type(fetched), fetched.url)
    )


async def extract_in_thread(body: bytes, content_type: str | None, url: str | None) -> Extracted:
    """Extraction is CPU-bound: keep it off the event loop that serves requests and leases."""
    return await asyncio.to_thread(extract, body, content_type, url)


def _content_type(fetched: FetchResult) -> str | None:
    return fetched.headers.get("content-type") or fetched.content_type or None
