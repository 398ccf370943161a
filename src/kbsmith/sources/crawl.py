"""Link discovery for the crawl route and `kbsmith ingest --crawl`."""

from __future__ import annotations

from collections.abc import Sequence

from kbsmith.errors import InvalidInput
from kbsmith.fetching import GuardedClient, discover_links, is_absolute_http_url

DEFAULT_LIMIT = 250
MAX_LIMIT = 5000


async def discover(
    fetcher: GuardedClient, links: Sequence[str], limit: int = DEFAULT_LIMIT
) -> list[str]:
    if not links:
        raise InvalidInput("links must be a non-empty array of URLs")
    invalid = [link for link in links if not is_absolute_http_url(link)]
    if invalid:
        raise InvalidInput(f"links: expected absolute http(s) URLs; got {invalid[0]!r}")
    return await discover_links(fetcher, list(links), limit)
