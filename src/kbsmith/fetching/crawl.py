"""Discover the pages of a help center: sitemaps first, then same-site links."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from kbsmith.fetching.client import GuardedClient
from kbsmith.fetching.errors import FetchError, InvalidUrl
from kbsmith.fetching.links import HTML_TYPES, extract_links, is_not_a_page, may_contain_links
from kbsmith.fetching.sitemaps import Sitemap, parse_sitemap
from kbsmith.fetching.urls import normalize_url, parse_fetch_url

logger = logging.getLogger(__name__)

MAX_SITEMAP_DEPTH = 3
"""Sitemap indexes nest once by the protocol; allow a little more, not unbounded."""
MAX_SITEMAP_DOCUMENTS = 50
"""Per site: sitemap files fetched at most."""
SITEMAP_ACCEPT = "application/xml,text/xml;q=0.9,*/*;q=0.5"
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


async def discover_links(client: GuardedClient, seeds: list[str], limit: int = 250) -> list[str]:
    """Normalised URLs of the seeds' sites: seeds, sitemap entries, then BFS links.

    At most *limit* URLs; robots-disallowed URLs are left out, and so are the found pages that
    could not be fetched for good (HTTP 404, a blocked address, ...); the seeds always stay.
    Raises `InvalidUrl` for a seed that is not an absolute http(s) URL.
    """
    seed_urls = [normalize_url(seed) for seed in seeds]
    sites = list(dict.fromkeys(_site(url) for url in seed_urls))
    found = _Discovered(client, limit, set(sites))
    for url in seed_urls:
        await found.add(url)
    for site in sites:
        if found.full:
            break
        await _add_sitemap_pages(client, site, found)
    await _add_linked_pages(client, found, set(seed_urls))
    return found.urls


class _Discovered:
    """Ordered, deduplicated, robots-filtered URLs of the allowed sites, up to a limit."""

    def __init__(self, client: GuardedClient, limit: int, sites: set[str]) -> None:
        self.urls: list[str] = []
        self.limit = limit
        self.sites = sites
        self._client = client
        self._seen: set[str] = set()

    @property
    def full(self) -> bool:
        return len(self.urls) >= self.limit

    async def add(self, url: str) -> None:
        if self.full:
            return
        try:
            normalized = normalize_url(url)
            parse_fetch_url(normalized)
        except InvalidUrl:
            return
        if normalized in self._seen or _site(normalized) not in self.sites:
            return
        self._seen.add(normalized)
        if not is_not_a_page(normalized) and await self._allowed(normalized):
            self.urls.append(normalized)

    def drop(self, url: str) -> None:
        """A found page turned out unreachable: it leaves the list (and makes room)."""
        self.urls.remove(url)

    async def _allowed(self, url: str) -> bool:
        try:
            return await self._client.allowed_by_robots(url)
        except FetchError:
            return False


@dataclass(frozen=True)
class _SitemapTask:
    url: str
    depth: int


async def _add_sitemap_pages(client: GuardedClient, site: str, found: _Discovered) -> None:
    declared = await _robots_sitemaps(client, site)
    pending = deque(_SitemapTask(url, 0) for url in [*declared, f"{site}/sitemap.xml"])
    visited: set[str] = set()
    while pending and not found.full and len(visited) < MAX_SITEMAP_DOCUMENTS:
        task = pending.popleft()
        if task.url in visited:
            continue
        visited.add(task.url)
        sitemap = await _fetch_sitemap(client, task.url)
        if sitemap is None:
            continue
        if sitemap.kind == "urlset":
            for location in sitemap.locations:
                await found.add(location)
        elif task.depth < MAX_SITEMAP_DEPTH:
            children = [
                _SitemapTask(urljoin(task.url, loc), task.depth + 1) for loc in sitemap.locations
            ]
            pending.extendleft(reversed(children))  # depth first keeps document order


async def _robots_sitemaps(client: GuardedClient, site: str) -> list[str]:
    try:
        return await client.robots_sitemaps(f"{site}/")
    except FetchError:
        return []


async def _fetch_sitemap(client: GuardedClient, url: str) -> Sitemap | None:
    try:
        result = await client.fetch(url, accept=SITEMAP_ACCEPT)
    except FetchError as exc:
        logger.info("no sitemap at %s: %s", url, exc)
        return None
    return parse_sitemap(result.body, max_bytes=client.policy.max_bytes, source=url)


async def _add_linked_pages(client: GuardedClient, found: _Discovered, seeds: set[str]) -> None:
    """Breadth first over the discovered list itself, fetching at most *limit* pages."""
    position = fetched = 0
    while position < len(found.urls) and not found.full and fetched < found.limit:
        url = found.urls[position]
        position += 1
        if not may_contain_links(url):
            continue
        fetched += 1
        try:
            page = await _fetch_html(client, url)
        except FetchError as exc:
            if _gone_for_good(url, exc, seeds):
                found.drop(url)
                position -= 1
            continue
        if page is None:
            continue
        final_url, html = page
        if url in seeds:  # a seed that moved (http -> https, new domain) brings its site along
            found.sites.add(_site(normalize_url(final_url)))
        for link in extract_links(html, final_url):
            await found.add(link)


def _gone_for_good(url: str, error: FetchError, seeds: set[str]) -> bool:
    """A found page that failed for good (HTTP 404, a blocked address, ...) is not worth a job.
    A seed stays (the user named it: its job says why it fails), and so does a page that may
    answer later (a timeout, HTTP 503)."""
    if error.retryable or url in seeds:
        logger.info("not following the links of %s: %s", url, error)
        return False
    logger.info("dropping %s: %s", url, error)
    return True


async def _fetch_html(client: GuardedClient, url: str) -> tuple[str, str] | None:
    """The final URL and text of an HTML page; None for other content; raises FetchError."""
    result = await client.fetch(url, accept=HTML_ACCEPT)
    if result.content_type not in HTML_TYPES:
        return None
    try:
        return result.url, result.body.decode(result.charset or "utf-8", errors="replace")
    except LookupError:  # unknown charset name
        return result.url, result.body.decode("utf-8", errors="replace")


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
