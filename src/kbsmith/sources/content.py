"""Fetch + extract: the one code path shared by ingestion jobs and `kbsmith extract`."""

from __future__ import annotations

from dataclasses import dataclass

from kbsmith.extraction import Extracted
from kbsmith.extraction.isolated import IsolatedExtractor
from kbsmith.fetching import FetchResult, GuardedClient


@dataclass(frozen=True)
class FetchedContent:
    fetched: FetchResult
    extracted: Extracted | None
    """None when the server answered 304 Not Modified."""
    version: str = ""
    """The provider's version marker, for provider documents."""


async def fetch_and_extract(
    fetcher: GuardedClient,
    extractor: IsolatedExtractor,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchedContent:
    fetched = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    if fetched.not_modified:
        return FetchedContent(fetched, None)
    extracted = await extractor.extract(fetched.body, _content_type(fetched), fetched.url)
    return FetchedContent(fetched, extracted)


def _content_type(fetched: FetchResult) -> str | None:
    return fetched.headers.get("content-type") or fetched.content_type or None
