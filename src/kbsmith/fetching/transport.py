"""An httpx transport that only ever connects to addresses vetted beforehand.

The connection pool stays keyed by the *hostname* from the URL, so the Host
header, TLS SNI and certificate verification all use the hostname as usual.
Only the TCP connect is redirected: `PinnedBackend.connect_tcp` looks the
hostname up in the pins of the current task (set with `pinned_addresses`) and
connects to those IP addresses; a host without pins is refused, so no DNS
lookup can ever happen behind the guard's back.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
import typing
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

import httpcore
import httpx

from kbsmith.fetching.addresses import IPAddress

_NO_PINS: Mapping[str, tuple[str, ...]] = MappingProxyType({})
_pins: ContextVar[Mapping[str, tuple[str, ...]]] = ContextVar("kbsmith_pins", default=_NO_PINS)


@contextmanager
def pinned_addresses(host: str, addresses: Iterable[IPAddress]) -> Iterator[None]:
    """Within this block (and this task), connections to *host* go to *addresses*."""
    token = _pins.set({host: tuple(str(address) for address in addresses)})
    try:
        yield
    finally:
        _pins.reset(token)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = _pins.get().get(host)
        if not addresses:
            raise httpcore.ConnectError(f"no vetted address for host {host!r}")
        connect = functools.partial(
            self._inner.connect_tcp,
            port=port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )
        # Try each vetted address in turn; the last one's failure is reported.
        for address in addresses[:-1]:
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return await connect(address)
        return await connect(addresses[-1])

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            await aclose()


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """Certificate-verifying context (certifi roots); built once, it is slow to load."""
    return httpx.create_ssl_context()


class PinnedTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 transport over `PinnedBackend`; no proxies, no environment settings.

    Network errors surface as ``httpcore`` exceptions.
    """

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or default_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(typing.cast(AsyncIterable[bytes], response.stream)),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
