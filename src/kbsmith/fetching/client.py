"""The one HTTP client of kbsmith for user-supplied URLs (SSRF-safe).

Every hop of a fetch: validate the URL, resolve the host once and refuse it if
ANY resolved address is blocked (a mix of public and internal addresses is a
rebinding or misconfiguration signal), consult robots.txt, wait for the host's
politeness slot, connect only to the vetted addresses (see `transport`), read
at most ``max_bytes`` decoded bytes, and follow redirects by hand.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import httpcore
import httpx

from kbsmith.fetching.addresses import IPAddress, check_address
from kbsmith.fetching.decoding import ACCEPT_ENCODING, BoundedDecoder
from kbsmith.fetching.errors import (
    BodyTooLarge,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HttpStatusError,
    InvalidUrl,
    RobotsDisallowed,
    TooManyRedirects,
    parse_retry_after,
)
from kbsmith.fetching.policy import FetchPolicy
from kbsmith.fetching.politeness import PolitenessGate
from kbsmith.fetching.result import FetchResult, content_type_parts
from kbsmith.fetching.robots import ROBOTS_MAX_BYTES, RobotsCache
from kbsmith.fetching.transport import PinnedTransport, pinned_addresses
from kbsmith.fetching.urls import host_ip, parse_fetch_url

Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress | str]]]
"""``(host, port) -> addresses``; may raise `ConnectionFailed`."""

DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve *host* with the operating system's resolver (``getaddrinfo``)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConnectionFailed(
            f"could not resolve host {host}: {exc.strerror}",
            retryable=exc.errno == socket.EAI_AGAIN,
        ) from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@dataclass(frozen=True)
class _Exchange:
    status: int
    headers: dict[str, str]
    body: bytes


class _Budget:
    """The overall deadline of one fetch, shared by all its hops.

    Time spent waiting for a politeness slot or for robots.txt is not charged.
    """

    def __init__(self, seconds: float) -> None:
        self._total = seconds
        self._remaining = seconds

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        started = time.monotonic()
        try:
            if self._remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(self._remaining):
                yield
        except TimeoutError as exc:
            raise FetchTimeout(f"no complete response within {self._total:g} seconds") from exc
        finally:
            self._remaining -= time.monotonic() - started


class GuardedClient:
    """``async with GuardedClient(policy) as client: await client.fetch(url)``."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._policy = policy or FetchPolicy()
        self._resolver = resolver or system_resolver
        self._transport = PinnedTransport(ssl_context=ssl_context)
        self._gate = PolitenessGate(self._policy.per_host_concurrency)
        self._robots = RobotsCache(self._fetch_robots_txt)
        self._timeouts = {
            "connect": self._policy.connect_timeout,
            "read": self._policy.total_timeout,
            "write": self._policy.total_timeout,
            "pool": self._policy.total_timeout,
        }

    @property
    def policy(self) -> FetchPolicy:
        return self._policy

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET *url*; raises a `FetchError` subclass unless the final answer is 2xx or 304."""
        headers = self._headers(DEFAULT_ACCEPT)
        optional = {"If-None-Match": etag, "If-Modified-Since": last_modified, "Accept": accept}
        for name, value in optional.items():
            if value:
                headers[name] = _header_value(name, value)
        return await self._follow(url, headers, self._policy.obey_robots, self._policy.max_bytes)

    async def allowed_by_robots(self, url: str) -> bool:
        """Whether robots.txt lets us fetch *url* (always True if robots are not obeyed)."""
        if not self._policy.obey_robots:
            return True
        rules = await self._robots.rules_for(parse_fetch_url(url))
        return rules.allows(url, self._policy.robots_agent)

    async def robots_sitemaps(self, url: str) -> list[str]:
        """The absolute ``Sitemap:`` URLs of the robots.txt of *url*'s origin."""
        rules = await self._robots.rules_for(parse_fetch_url(url))
        return rules.sitemaps()

    def _headers(self, accept: str) -> dict[str, str]:
        return {
            "User-Agent": self._policy.user_agent,
            "Accept": accept,
            "Accept-Encoding": ACCEPT_ENCODING,
        }

    async def _fetch_robots_txt(self, url: str) -> FetchResult:
        headers = self._headers("text/plain,*/*;q=0.5")
        max_bytes = min(self._policy.max_bytes, ROBOTS_MAX_BYTES)
        return await self._follow(url, headers, False, max_bytes)

    async def _follow(
        self, url: str, headers: Mapping[str, str], obey_robots: bool, max_bytes: int
    ) -> FetchResult:
        budget = _Budget(self._policy.total_timeout)
        current = parse_fetch_url(url)
        redirects: list[str] = []
        while True:
            exchange = await self._hop(current, headers, budget, obey_robots, max_bytes)
            target = _redirect_target(current, exchange)
            if target is None:
                return _result(current, exchange, headers, redirects)
            redirects.append(str(current))
            self._check_redirect(current, target, redirects)
            current = target

    def _check_redirect(self, current: httpx.URL, target: httpx.URL, history: list[str]) -> None:
        if str(target) in history:
            raise TooManyRedirects(f"redirect loop: {current} redirects back to {target}")
        if len(history) > self._policy.max_redirects:
            raise TooManyRedirects(f"too many redirects (more than {self._policy.max_redirects})")

    async def _check_robots(self, url: httpx.URL) -> None:
        rules = await self._robots.rules_for(url)
        if not rules.allows(str(url), self._policy.robots_agent):
            raise RobotsDisallowed(str(url))

    async def _crawl_delay(self, url: httpx.URL, obey_robots: bool) -> float:
        if not obey_robots:
            return self._policy.default_crawl_delay
        delay = (await self._robots.rules_for(url)).crawl_delay(self._policy.robots_agent)
        if delay is None:
            return self._policy.default_crawl_delay
        return min(delay, self._policy.max_crawl_delay)

    async def _hop(
        self,
        url: httpx.URL,
        headers: Mapping[str, str],
        budget: _Budget,
        obey_robots: bool,
        max_bytes: int,
    ) -> _Exchange:
        # Vet the address first: a blocked host must not even get a robots.txt request.
        async with budget.running():
            addresses = await self._vetted_addresses(url)
        if obey_robots:
            await self._check_robots(url)
        delay = await self._crawl_delay(url, obey_robots)
        async with self._gate.slot(url.raw_host.decode("ascii"), delay), budget.running():
            return await self._send(url, headers, addresses, max_bytes)

    async def _vetted_addresses(self, url: httpx.URL) -> list[IPAddress]:
        return await vet_addresses(url, self._policy, self._resolver)

    async def _send(
        self,
        url: httpx.URL,
        headers: Mapping[str, str],
        addresses: list[IPAddress],
        max_bytes: int,
    ) -> _Exchange:
        host = url.raw_host.decode("ascii")
        request = httpx.Request("GET", url, headers=headers, extensions={"timeout": self._timeouts})
        with pinned_addresses(host, addresses), _network_errors(host):
            response = await self._transport.handle_async_request(request)
            try:
                body = await _read_body(response, max_bytes) if response.is_success else b""
            finally:
                await response.aclose()
        headers_dict = {name: response.headers[name] for name in response.headers}
        return _Exchange(response.status_code, headers_dict, body)


async def vet_addresses(url: httpx.URL, policy: FetchPolicy, resolver: Resolver) -> list[IPAddress]:
    """Resolve the URL's host once; every address must pass the policy."""
    host = url.raw_host.decode("ascii")
    literal = host_ip(url)
    if literal is not None:
        addresses = [literal]
    else:
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = _as_addresses(host, await resolver(host, port))
    if not addresses:
        raise ConnectionFailed(f"could not resolve host {host}: no addresses")
    for address in addresses:
        check_address(address, policy, host=host)
    return addresses


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport for API clients whose base URL a user gave (provider connections).

    Each request, and so each redirect hop an ``httpx.AsyncClient`` follows, is validated,
    resolved once, checked against the policy and connected to the vetted addresses only.
    Robots.txt and politeness do not apply: these are APIs, not pages. Callers cap bodies.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._policy = policy or FetchPolicy()
        self._resolver = resolver or system_resolver
        self._pinned = PinnedTransport(ssl_context=ssl_context)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = parse_fetch_url(str(request.url))
        addresses = await vet_addresses(url, self._policy, self._resolver)
        host = url.raw_host.decode("ascii")
        with pinned_addresses(host, addresses), _network_errors(host):
            return await self._pinned.handle_async_request(request)

    async def aclose(self) -> None:
        await self._pinned.aclose()


def _header_value(name: str, value: str) -> str:
    if any(character in value for character in "\r\n\0"):
        raise FetchError(f"invalid {name} header value {value!r}")
    return value


def _as_addresses(host: str, resolved: Sequence[IPAddress | str]) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(address) for address in resolved]
    except ValueError as exc:
        raise ConnectionFailed(f"could not resolve host {host}: {exc}") from exc


@contextmanager
def _network_errors(host: str) -> Iterator[None]:
    try:
        yield
    except httpcore.LocalProtocolError as exc:
        raise FetchError(f"invalid request to {host}: {exc}") from exc
    except httpcore.TimeoutException as exc:
        raise FetchTimeout(f"timed out talking to {host}") from exc
    except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
        if _caused_by(exc, ssl.SSLCertVerificationError):
            message = f"TLS certificate of {host} could not be verified: {exc}"
            raise ConnectionFailed(message, retryable=False) from exc
        raise ConnectionFailed(f"connection to {host} failed: {exc or type(exc).__name__}") from exc


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


async def _read_body(response: httpx.Response, max_bytes: int) -> bytes:
    encoding = response.headers.get("content-encoding")
    declared = response.headers.get("content-length", "")
    if not encoding and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(max_bytes)
    decoder = BoundedDecoder(encoding, max_bytes)
    body = bytearray()
    async for raw in response.aiter_raw():
        for chunk in decoder.decode(raw):
            body += chunk
    return bytes(body)


def _redirect_target(current: httpx.URL, exchange: _Exchange) -> httpx.URL | None:
    location = exchange.headers.get("location")
    if exchange.status not in REDIRECT_STATUSES or not location:
        return None
    try:
        joined = current.join(location.strip())
    except httpx.InvalidURL as exc:
        raise InvalidUrl(f"invalid redirect location {location!r}: {exc}") from exc
    return parse_fetch_url(joined)


def _result(
    url: httpx.URL, exchange: _Exchange, request_headers: Mapping[str, str], redirects: list[str]
) -> FetchResult:
    headers = exchange.headers
    conditional = "If-None-Match" in request_headers or "If-Modified-Since" in request_headers
    not_modified = exchange.status == 304 and conditional
    if not (200 <= exchange.status < 300 or not_modified):
        retry_after = parse_retry_after(headers.get("retry-after"))
        raise HttpStatusError(exchange.status, retry_after=retry_after)
    etag = headers.get("etag")
    last_modified = headers.get("last-modified")
    if not_modified:  # a 304 need not repeat the validators the caller sent
        etag = etag or request_headers.get("If-None-Match")
        last_modified = last_modified or request_headers.get("If-Modified-Since")
    return FetchResult(
        url=str(url),
        status=exchange.status,
        headers=headers,
        content_type=content_type_parts(headers.get("content-type", ""))[0],
        body=exchange.body,
        not_modified=not_modified,
        etag=etag,
        last_modified=last_modified,
        redirects=redirects,
    )
