from __future__ import annotations

import asyncio
import time

import pytest

from kbsmith.fetching import (
    ConnectionFailed,
    FetchError,
    FetchResult,
    FetchTimeout,
    GuardedClient,
    HttpStatusError,
    RobotsDisallowed,
)
from kbsmith.fetching.politeness import PolitenessGate
from kbsmith.fetching.robots import ROBOTS_TTL, UNREACHABLE_TTL, RobotsCache
from kbsmith.fetching.urls import parse_fetch_url
from tests.support.hostile_server import HostileServer

from .conftest import FakeResolver, make_policy


async def test_disallowed_path_is_refused(client: GuardedClient, server: HostileServer) -> None:
    with pytest.raises(RobotsDisallowed) as caught:
        await client.fetch(server.url("/private/secret"))
    assert str(caught.value) == f"disallowed by robots.txt: {server.url('/private/secret')}"
    assert not caught.value.retryable


async def test_robots_can_be_ignored_by_policy(
    server: HostileServer, resolver: FakeResolver
) -> None:
    async with GuardedClient(make_policy(obey_robots=False), resolver=resolver) as client:
        result = await client.fetch(server.url("/private/secret"))
    assert result.status == 200


async def test_robots_txt_is_fetched_once_per_origin(
    client: GuardedClient, server: HostileServer
) -> None:
    before = len(server.requests_to("docs.test"))
    for path in ("/", "/articles/1", "/articles/2"):
        await client.fetch(server.url(path, host="docs.test"))
    targets = [entry.target for entry in server.requests_to("docs.test")[before:]]
    assert targets == ["/robots.txt", "/", "/articles/1", "/articles/2"]


async def test_allowed_by_robots_and_sitemaps(client: GuardedClient, server: HostileServer) -> None:
    assert await client.allowed_by_robots(server.url("/hello"))
    assert not await client.allowed_by_robots(server.url("/private/x"))
    assert await client.robots_sitemaps(server.url("/", host="docs.test")) == [
        server.url("/sitemap_index.xml", host="docs.test")
    ]


async def test_missing_robots_allows_everything(
    client: GuardedClient, server: HostileServer
) -> None:
    result = await client.fetch(server.url("/private/anything", host="norobots.test"))
    assert result.status == 200


async def test_failing_robots_allows(client: GuardedClient, server: HostileServer) -> None:
    result = await client.fetch(server.url("/page", host="robots500.test"))
    assert result.status == 200


def _robots_result(text: str) -> FetchResult:
    return FetchResult(
        url="http://a.test/robots.txt",
        status=200,
        headers={},
        content_type="text/plain",
        body=text.encode(),
    )


@pytest.mark.parametrize(
    ("failure", "ttl"),
    [
        (HttpStatusError(404), ROBOTS_TTL),
        (HttpStatusError(410), ROBOTS_TTL),
        (HttpStatusError(429), UNREACHABLE_TTL),
        (HttpStatusError(503), UNREACHABLE_TTL),
        (FetchTimeout("slow"), UNREACHABLE_TTL),
        (ConnectionFailed("refused"), UNREACHABLE_TTL),
    ],
)
async def test_robots_failures_allow_all_for_a_while(failure: FetchError, ttl: float) -> None:
    async def fetch(url: str) -> FetchResult:
        raise failure

    rules = await RobotsCache(fetch).rules_for(parse_fetch_url("http://a.test/x"))
    assert rules.allows("http://a.test/private", "kbsmith")
    assert ttl - 1 <= rules.expires_at - time.monotonic() <= ttl


async def test_robots_cache_shares_one_fetch_and_expires() -> None:
    fetched: list[str] = []

    async def fetch(url: str) -> FetchResult:
        fetched.append(url)
        await asyncio.sleep(0.01)
        return _robots_result("User-agent: kbsmith\nDisallow: /x\nCrawl-delay: 2\n")

    cache = RobotsCache(fetch, ttl=0.05)
    url = parse_fetch_url("http://a.test:8080/page?q=1")
    rules = await asyncio.gather(*(cache.rules_for(url) for _ in range(5)))
    assert fetched == ["http://a.test:8080/robots.txt"]
    assert not rules[0].allows("http://a.test:8080/x", "kbsmith")
    assert rules[0].allows("http://a.test:8080/x", "otherbot")
    assert rules[0].crawl_delay("kbsmith") == 2
    await asyncio.sleep(0.06)
    await cache.rules_for(url)
    assert len(fetched) == 2


async def test_crawl_delay_spaces_requests(client: GuardedClient, server: HostileServer) -> None:
    before = time.monotonic()
    await asyncio.gather(
        *(client.fetch(server.url(f"/page/{n}", host="polite.test")) for n in range(3))
    )
    starts = [e.started for e in server.requests_to("polite.test") if e.target != "/robots.txt"]
    assert len(starts) == 3
    # The server sees a request at or after its start, never before: the k-th start comes at
    # least k crawl delays (0.3 s, from robots.txt) after the fetches began, however loaded
    # the machine (a gap between two arrivals may shrink when the first one arrives late).
    after = [round(start - before, 3) for start in sorted(starts)]
    assert all(elapsed >= k * 0.3 for k, elapsed in enumerate(after)), after


async def test_crawl_delay_is_capped(server: HostileServer, resolver: FakeResolver) -> None:
    policy = make_policy(max_crawl_delay=0.05)
    async with GuardedClient(policy, resolver=resolver) as client:
        started = time.monotonic()
        for n in range(3):
            await client.fetch(server.url(f"/capped/{n}", host="polite.test"))
    assert time.monotonic() - started < 0.5


async def test_per_host_concurrency_is_bounded(
    client: GuardedClient, server: HostileServer
) -> None:
    await asyncio.gather(
        *(client.fetch(server.url("/slow", host="norobots.test")) for _ in range(5))
    )
    assert server.stats.max_in_flight["norobots.test"] == 2


async def test_gate_spacing_without_robots() -> None:
    gate = PolitenessGate(per_host_concurrency=4)
    starts: list[float] = []

    async def request() -> None:
        async with gate.slot("example.test", 0.1):
            starts.append(time.monotonic())

    await asyncio.gather(*(request() for _ in range(3)))
    assert starts[2] - starts[0] >= 0.19
