"""Link discovery for the crawl route and `kbsmith ingest --crawl`."""

from __future__ import annotations

from collections.abc import Sequence

from kbsmith.errors import InvalidInput
from kbsmith.fetching import (
    GuardedClient,
    InvalidUrl,
    discover_links,
    is_absolute_http_url,
    normalize_url,
)

DEFAULT_LIMIT = 250
MAX_LIMIT = 5000


async def discover(
    fetcher: GuardedClient, links: Sequence[str], limit: int = DEFAULT_LIMIT
) -> list[str]:
    if not links:
        raise InvalidInput("links must be a non-empty array of URLs")
    for link in links:
        if not is_absolute_http_url(link):
            raise InvalidInput(f"links: expected absolute http(s) URLs; got {link!r}")
        try:
            normalize_url(link)  # refuses what ingestion refuses: user names, bad ports
        except InvalidUrl as error:
            raise InvalidInput(f"links: {error}") from None
    return await discover_links(fetcher, list(links), limit)
