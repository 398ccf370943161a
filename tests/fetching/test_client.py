from __future__ import annotations

import asyncio
import socket
import time
import tracemalloc

import httpcore
import httpx
import pytest

from kbsmith.fetching import (
    BlockedAddress,
    BodyTooLarge,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    GuardedClient,
    HttpStatusError,
    InvalidUrl,
    RobotsDisallowed,
    TooManyRedirects,
    system_resolver,
)
from kbsmith.fetching.transport import PinnedTransport
from tests.support.hostile_server import HostileServer

from .conftest import FakeResolver, make_policy

# -- addresses and URL forms --------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]:{port}/hello",
        "http://[::ffff:127.0.0.2]:{port}/hello",
        "http://[::ffff:127.0.0.1]:{port}/hello",
        "http://0.0.0.0:{port}/hello",
        "http://10.1.2.3/",
        "http://169.254.169.254/latest/meta-data/",
        "http://intranet.test/",
        "http://mixed.test:{port}/hello",
        "http://v6-loopback.test:{port}/hello",
        "http://metadata.test/latest/meta-data/",
    ],
)
async def test_blocked_addresses_are_refused(
    client: GuardedClient, server: HostileServer, url: str
) -> None:
    with pytest.raises(BlockedAddress) as caught:
        await client.fetch(url.format(port=server.port))
    assert str(caught.value).startswith("blocked address ")
    assert not caught.value.retryable


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433:{port}/hello",
        "http://0x7f.1:{port}/hello",
        "http://0177.0.0.1:{port}/hello",
        "http://127.1:{port}/hello",
        "http://user:pass@127.0.0.1:{port}/hello",
        "ftp://127.0.0.1:{port}/hello",
        "file:///etc/passwd",
        "/hello",
    ],
)
async def test_odd_urls_are_refused(client: GuardedClient, server: HostileServer, url: str) -> None:
    with pytest.raises(InvalidUrl):
        await client.fetch(url.format(port=server.port))


async def test_refused_before_any_request(
    client: GuardedClient, server: HostileServer, resolver: FakeResolver
) -> None:
    before = len(server.stats.log)
    with pytest.raises(BlockedAddress):
        await client.fetch("http://intranet.test/")
    assert len(server.stats.log) == before  # not even robots.txt was requested
    assert resolver.calls == ["intranet.test"]


async def test_allowed_address_is_fetched(client: GuardedClient, server: HostileServer) -> None:
    result = await client.fetch(server.url("/hello"))
    assert result.status == 200
    assert result.body == b"<p>hello</p>"
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.url == server.url("/hello")
    assert result.redirects == []
    assert not result.not_modified


async def test_connects_to_the_pinned_address_with_the_original_host_header(
    server: HostileServer, resolver: FakeResolver
) -> None:
    # docs.test does not exist in real DNS: only the pinned address can make this work.
    async with GuardedClient(make_policy(obey_robots=False), resolver=resolver) as client:
        result = await client.fetch(server.url("/", host="docs.test"))
    assert result.status == 200
    assert resolver.calls == ["docs.test"]  # resolved exactly once
    assert server.requests_to("docs.test")[-1].headers["host"] == f"docs.test:{server.port}"


async def test_sends_the_user_agent(client: GuardedClient, server: HostileServer) -> None:
    result = await client.fetch(server.url("/echo-user-agent"))
    assert result.body.decode() == client.policy.user_agent


async def test_transport_refuses_hosts_without_pins(server: HostileServer) -> None:
    transport = PinnedTransport()
    try:
        with pytest.raises(httpcore.ConnectError, match="no vetted address"):
            await transport.handle_async_request(httpx.Request("GET", server.url("/hello")))
    finally:
        await transport.aclose()


async def test_system_resolver_resolves_ip_and_localhost() -> None:
    assert [str(a) for a in await system_resolver("127.0.0.1", 80)] == ["127.0.0.1"]
    assert all(address.is_loopback for address in await system_resolver("localhost", 80))


async def test_system_resolver_failure_is_connection_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_such_host(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", no_such_host)
    with pytest.raises(ConnectionFailed, match=r"could not resolve host nowhere\.test") as caught:
        await system_resolver("nowhere.test", 80)
    assert not caught.value.retryable


async def test_header_injection_is_refused(client: GuardedClient, server: HostileServer) -> None:
    before = len(server.stats.log)
    with pytest.raises(FetchError, match="invalid If-None-Match") as caught:
        await client.fetch(server.url("/hello"), etag='"x"\r\nX-Injected: 1')
    assert not caught.value.retryable
    assert len(server.stats.log) == before


# -- redirects ------------------------------------------------------------------


async def test_redirect_chain_is_followed(client: GuardedClient, server: HostileServer) -> None:
    result = await client.fetch(server.url("/chain?n=3"))
    assert result.body == b"end of chain"
    assert result.url == server.url("/chain?n=0")
    assert result.redirects == [server.url(f"/chain?n={n}") for n in (3, 2, 1)]


async def test_relative_redirect_drops_fragment(
    client: GuardedClient, server: HostileServer
) -> None:
    result = await client.fetch(server.url("/relative-redirect"))
    assert result.url == server.url("/hello?from=redirect")


async def test_too_many_redirects(client: GuardedClient, server: HostileServer) -> None:
    with pytest.raises(TooManyRedirects, match=r"too many redirects \(more than 5\)"):
        await client.fetch(server.url("/chain?n=6"))


async def test_redirect_loop_ends_with_a_clear_error(
    client: GuardedClient, server: HostileServer
) -> None:
    with pytest.raises(TooManyRedirects, match="redirect loop"):
        await client.fetch(server.url("/loop-a"))


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata", "/to-v6-loopback"])
async def test_redirect_to_internal_address_is_blocked(
    client: GuardedClient, server: HostileServer, path: str
) -> None:
    with pytest.raises(BlockedAddress):
        await client.fetch(server.url(path))


@pytest.mark.parametrize("path", ["/to-decimal-ip", "/to-ftp"])
async def test_redirect_to_odd_url_is_refused(
    client: GuardedClient, server: HostileServer, path: str
) -> None:
    with pytest.raises(InvalidUrl):
        await client.fetch(server.url(path))


async def test_redirect_to_robots_disallowed_path(
    client: GuardedClient, server: HostileServer
) -> None:
    with pytest.raises(RobotsDisallowed):
        await client.fetch(server.url("/to-disallowed"))


# -- statuses -----------------------------------------------------------------


async def test_404_is_not_retryable(client: GuardedClient, server: HostileServer) -> None:
    with pytest.raises(HttpStatusError) as caught:
        await client.fetch(server.url("/status/404"))
    assert str(caught.value) == "HTTP 404 Not Found"
    assert caught.value.status == 404
    assert not caught.value.retryable


async def test_500_is_retryable(client: GuardedClient, server: HostileServer) -> None:
    with pytest.raises(HttpStatusError) as caught:
        await client.fetch(server.url("/status/500"))
    assert str(caught.value) == "HTTP 500 Internal Server Error"
    assert caught.value.retryable


async def test_429_carries_retry_after(client: GuardedClient, server: HostileServer) -> None:
    with pytest.raises(HttpStatusError) as caught:
        await client.fetch(server.url("/too-many"))
    assert caught.value.status == 429
    assert caught.value.retry_after == 7
    assert caught.value.retryable


async def test_retry_after_as_http_date(client: GuardedClient, server: HostileServer) -> None:
    with pytest.raises(HttpStatusError) as caught:
        await client.fetch(server.url("/too-many-date"))
    assert caught.value.retry_after is not None
    assert 25 <= caught.value.retry_after <= 31


async def test_zero_byte_body(client: GuardedClient, server: HostileServer) -> None:
    result = await client.fetch(server.url("/empty"))
    assert result.status == 200
    assert result.body == b""


async def test_conditional_get_not_modified(client: GuardedClient, server: HostileServer) -> None:
    first = await client.fetch(server.url("/etag"))
    assert first.body == b"version 1"
    assert first.etag == '"v1"'
    second = await client.fetch(
        server.url("/etag"), etag=first.etag, last_modified=first.last_modified
    )
    assert second.not_modified
    assert second.status == 304
    assert second.body == b""
    assert second.etag == '"v1"'
    sent = server.requests_to("127.0.0.1")[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == first.last_modified


async def test_gzip_body_is_decoded(client: GuardedClient, server: HostileServer) -> None:
    result = await client.fetch(server.url("/gzip-small"))
    assert result.body == b"hello gzip"


async def test_unreachable_port_is_connection_failed(client: GuardedClient) -> None:
    with pytest.raises(ConnectionFailed) as caught:
        await client.fetch("http://127.0.0.1:1/")
    assert caught.value.retryable


# -- hostile bodies -------------------------------------------------------------


async def test_gzip_bomb_aborts_quickly_with_bounded_memory(
    server: HostileServer, resolver: FakeResolver
) -> None:
    limit = 4 * 1024 * 1024
    async with GuardedClient(make_policy(max_bytes=limit), resolver=resolver) as client:
        await client.fetch(server.url("/hello"))  # warm up robots.txt and the pool
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(BodyTooLarge, match=f"response larger than {limit} bytes"):
                await client.fetch(server.url("/gzip-bomb"))
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert elapsed < 2
    assert peak < 3 * limit
    # The client read a few KB; the rest is what socket buffers took before it hung up.
    assert server.stats.bomb_bytes_sent < 5 * 1024 * 1024  # of a 10 MB / 10 GiB bomb


async def test_endless_body_stops_at_the_cap(client: GuardedClient, server: HostileServer) -> None:
    started = time.monotonic()
    with pytest.raises(BodyTooLarge, match="response larger than 1048576 bytes"):
        await client.fetch(server.url("/endless"))
    assert time.monotonic() - started < 1


async def test_declared_oversize_body_is_refused_early(
    client: GuardedClient, server: HostileServer
) -> None:
    with pytest.raises(BodyTooLarge):
        await client.fetch(server.url("/big-declared"))


@pytest.mark.parametrize("interval", ["1", "0.2"])
async def test_slow_drip_hits_the_overall_deadline(
    client: GuardedClient, server: HostileServer, interval: str
) -> None:
    # A byte every 0.2 s never trips a per-read timeout: only a real deadline stops it.
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match="within 1 seconds") as caught:
        await client.fetch(server.url(f"/drip?interval={interval}"))
    assert 0.9 <= time.monotonic() - started < 1.6
    assert caught.value.retryable
