"""A raw HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose.

It runs its own event loop in a thread so a slow or endless response cannot
block the tests' loop. Virtual hosts (chosen by the Host header, reached via a
fake resolver) separate the scenarios:

- ``127.0.0.1``: hostile endpoints (bombs, drips, redirects, statuses)
- ``docs.test``: a small help center for link discovery
- ``xxe.test``: malicious sitemaps
- ``polite.test``: robots.txt with a Crawl-delay
- ``norobots.test`` / ``robots500.test``: robots.txt missing / failing
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import gzip
import hashlib
import http
import ssl
import threading
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field

ONE_MIB_OF_ZEROS = bytes(1 << 20)
BOMB_EXPANDED_BYTES = 10 * 1024**3


def _gzip_bomb_blocks() -> tuple[bytes, bytes]:
    """The first block (with gzip header) and a block that can be repeated forever.

    After a full flush the compressor forgets its history, so every further
    megabyte of zeros compresses to the same ~1 KB: 10 GiB expand from ~10 MB.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = compressor.compress(ONE_MIB_OF_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(ONE_MIB_OF_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first, repeated


BOMB_FIRST, BOMB_REPEATED = _gzip_bomb_blocks()


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]

    @property
    def host(self) -> str:
        host = self.headers.get("host", "")
        return host.rsplit(":", 1)[0] if not host.startswith("[") else host


@dataclass
class LoggedRequest:
    host: str
    target: str
    started: float
    headers: dict[str, str]


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class Stats:
    log: list[LoggedRequest] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    bomb_bytes_sent: int = 0
    tls_server_names: list[str | None] = field(default_factory=list)


class HostileServer:
    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        if ssl_context is not None:
            ssl_context.sni_callback = self._record_server_name
        self.stats = Stats()
        self.port = 0
        self.secret_file = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self.pages: dict[str, Page] = {}
        """Pages a test publishes (and edits) at paths of 127.0.0.1, served with ETags."""

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(timeout=5)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_context)
        return int(self._server.sockets[0].getsockname()[1])

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        current = asyncio.current_task()
        for task in asyncio.all_tasks():
            if task is not current:
                task.cancel()

    def _record_server_name(
        self, _connection: ssl.SSLObject, name: str | None, _context: ssl.SSLContext
    ) -> None:
        self.stats.tls_server_names.append(name)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def requests_to(self, host: str) -> list[LoggedRequest]:
        return [entry for entry in self.stats.log if entry.host == host]

    # -- connection handling -----------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            request = await _read_request(reader)
            if request is not None:
                await self._dispatch(request, writer)
        with contextlib.suppress(Exception):
            writer.close()

    async def _dispatch(self, request: Request, writer: asyncio.StreamWriter) -> None:
        host = request.host
        self.stats.log.append(
            LoggedRequest(host, request.target, time.monotonic(), dict(request.headers))
        )
        self.stats.in_flight[host] = self.stats.in_flight.get(host, 0) + 1
        self.stats.max_in_flight[host] = max(
            self.stats.max_in_flight.get(host, 0), self.stats.in_flight[host]
        )
        try:
            await self._route(request, writer)
        finally:
            self.stats.in_flight[host] -= 1

    async def _route(self, request: Request, writer: asyncio.StreamWriter) -> None:
        sites = {
            "docs.test": self._docs_site,
            "xxe.test": self._xxe_site,
            "polite.test": self._polite_site,
            "norobots.test": self._norobots_site,
            "robots500.test": self._robots500_site,
        }
        handler = sites.get(request.host, self._hostile_site)
        await handler(request, writer)

    # -- 127.0.0.1: hostile endpoints --------------------------------------
    async def _hostile_site(self, request: Request, writer: asyncio.StreamWriter) -> None:
        path, _, query = request.target.partition("?")
        if path in self.pages:
            await _serve_page(self.pages[path], request, writer)
            return
        redirects = {
            "/loop-a": "/loop-b",
            "/loop-b": "/loop-a",
            "/to-private": "http://10.0.0.1/",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/to-v6-loopback": f"http://[::1]:{self.port}/hello",
            "/to-decimal-ip": f"http://2130706433:{self.port}/hello",
            "/to-ftp": "ftp://example.com/file",
            "/relative-redirect": "hello?from=redirect#frag",
            "/to-disallowed": "/private/secret",
        }
        if path in redirects:
            await send(writer, 302, {"Location": redirects[path]})
        elif path == "/chain":
            remaining = int(query.removeprefix("n=") or "0")
            if remaining:
                await send(writer, 302, {"Location": f"/chain?n={remaining - 1}"})
            else:
                await send(writer, 200, {"Content-Type": "text/plain"}, b"end of chain")
        elif path == "/gzip-bomb":
            await self._gzip_bomb(writer)
        elif path == "/endless":
            await send_chunked(writer, {"Content-Type": "text/plain"}, _endless())
        elif path == "/drip":  # ?interval=seconds between bytes
            await _drip(writer, float(query.removeprefix("interval=") or "1"))
        else:
            await self._simple_hostile(request, path, writer)

    async def _simple_hostile(
        self, request: Request, path: str, writer: asyncio.StreamWriter
    ) -> None:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            body = b"User-agent: *\nDisallow: /private\n\nUser-agent: otherbot\nDisallow: /\n"
            await send(writer, 200, {"Content-Type": "text/plain"}, body)
        elif path in ("/hello", "/private/secret"):
            await send(writer, 200, html, b"<p>hello</p>")
        elif path == "/echo-host":
            await send(
                writer, 200, {"Content-Type": "text/plain"}, request.headers["host"].encode()
            )
        elif path == "/echo-user-agent":
            agent = request.headers.get("user-agent", "").encode()
            await send(writer, 200, {"Content-Type": "text/plain"}, agent)
        elif path.startswith("/status/"):
            await send(writer, int(path.removeprefix("/status/")), {})
        elif path == "/too-many":
            await send(writer, 429, {"Retry-After": "7"})
        elif path == "/too-many-date":
            when = email.utils.formatdate(time.time() + 30, usegmt=True)
            await send(writer, 429, {"Retry-After": when})
        elif path == "/empty":
            await send(writer, 200, {"Content-Type": "text/plain"})
        elif path == "/gzip-small":
            headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
            await send(writer, 200, headers, gzip.compress(b"hello gzip"))
        elif path == "/big-declared":
            await send(writer, 200, {"Content-Length": str(10**12)}, b"x" * 10)
        elif path == "/etag":
            await _conditional(request, writer)
        else:
            await send(writer, 404, {"Content-Type": "text/plain"}, b"not found")

    async def _gzip_bomb(self, writer: asyncio.StreamWriter) -> None:
        headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
        await send_chunked(writer, headers, self._bomb_blocks())

    def _bomb_blocks(self) -> Iterable[bytes]:
        yield BOMB_FIRST
        for _ in range(BOMB_EXPANDED_BYTES // len(ONE_MIB_OF_ZEROS) - 1):
            self.stats.bomb_bytes_sent += len(BOMB_REPEATED)
            yield BOMB_REPEATED

    # -- docs.test: a help center ------------------------------------------
    async def _docs_site(self, request: Request, writer: asyncio.StreamWriter) -> None:
        origin = f"http://docs.test:{self.port}"
        path = request.target.partition("?")[0]
        if path == "/robots.txt":
            robots = f"User-agent: *\nDisallow: /private/\nSitemap: {origin}/sitemap_index.xml\n"
            await send(writer, 200, {"Content-Type": "text/plain"}, robots.encode())
        elif path == "/sitemap_index.xml":
            await send_xml(
                writer, sitemap_index([f"{origin}/sitemap-articles.xml.gz", "extra.xml"])
            )
        elif path == "/sitemap-articles.xml.gz":
            urlset = url_set(
                [
                    f"{origin}/articles/1",
                    f"{origin}/articles/2?utm_source=newsletter",
                    f"{origin}/articles/3",
                    f"{origin}/private/hidden",
                    "http://elsewhere.test/x",
                ]
            )
            await send(writer, 200, {"Content-Type": "application/x-gzip"}, gzip.compress(urlset))
        elif path == "/extra.xml":
            await send_xml(writer, url_set([f"{origin}/articles/3", f"{origin}/guides/"]))
        elif path in DOCS_PAGES:
            await send(writer, 200, {"Content-Type": "text/html"}, DOCS_PAGES[path].encode())
        else:
            await send(writer, 404, {"Content-Type": "text/plain"}, b"not found")

    # -- xxe.test: malicious sitemaps --------------------------------------
    async def _xxe_site(self, request: Request, writer: asyncio.StreamWriter) -> None:
        origin = f"http://xxe.test:{self.port}"
        path = request.target.partition("?")[0]
        if path == "/robots.txt":
            robots = f"Sitemap: {origin}/xxe.xml\nSitemap: {origin}/laughs.xml\n"
            await send(writer, 200, {"Content-Type": "text/plain"}, robots.encode())
        elif path == "/xxe.xml":
            await send_xml(writer, xxe_sitemap(self.secret_file, origin))
        elif path == "/laughs.xml":
            await send_xml(writer, billion_laughs(origin))
        elif path == "/sitemap.xml":
            await send_xml(writer, url_set([f"{origin}/ok-page"]))
        elif path in ("/", "/ok-page"):
            await send(writer, 200, {"Content-Type": "text/html"}, b"<p>nothing here</p>")
        else:
            await send(writer, 404, {})

    # -- politeness ---------------------------------------------------------
    async def _polite_site(self, request: Request, writer: asyncio.StreamWriter) -> None:
        if request.target == "/robots.txt":
            robots = b"User-agent: *\nCrawl-delay: 0.3\n"
            await send(writer, 200, {"Content-Type": "text/plain"}, robots)
        else:
            await send(writer, 200, {"Content-Type": "text/plain"}, b"ok")

    async def _norobots_site(self, request: Request, writer: asyncio.StreamWriter) -> None:
        if request.target == "/robots.txt":
            await send(writer, 404, {})
        elif request.target == "/slow":
            await asyncio.sleep(0.2)
            await send(writer, 200, {"Content-Type": "text/plain"}, b"slow")
        else:
            await send(writer, 200, {"Content-Type": "text/plain"}, b"ok")

    async def _robots500_site(self, request: Request, writer: asyncio.StreamWriter) -> None:
        status = 500 if request.target == "/robots.txt" else 200
        await send(writer, status, {"Content-Type": "text/plain"}, b"ok")


# -- pages and documents ---------------------------------------------------
DOCS_PAGES = {
    "/": """<html><body>
        <a href="/guides/">Guides</a>
        <a href="/articles/1">First article</a>
        <a href="/guides/setup#install">Setup</a>
        <img src="/logo.png"><a href="/logo.png">Logo</a>
        <a href="/style.css">css</a>
        <a href="mailto:help@docs.test">Mail us</a>
        <a href="javascript:void(0)">Menu</a>
        <a href="http://elsewhere.test/page">Elsewhere</a>
        <a href="https://docs.test/secure">Other scheme</a>
        <a href="/private/x">Private</a>
        <a href="/guides/faq?utm_campaign=spring&amp;lang=en">FAQ</a>
        </body></html>""",
    "/guides/": """<html><head><base href="/guides/"></head><body>
        <a href="setup">Setup</a> <a href="faq?lang=en">FAQ</a>
        <a href="../articles/4">Fourth</a> <a href="manual.pdf">Manual</a>
        </body></html>""",
    "/guides/setup": '<a href="/guides/deep">Deeper</a>',
    "/guides/faq": '<a href="/guides/deep">Deeper</a> <a href="/guides/deeper">Deepest</a>',
    "/guides/deep": "<p>deep</p>",
    "/guides/deeper": "<p>deeper</p>",
    "/articles/1": "<p>one</p>",
    "/articles/2": "<p>two</p>",
    "/articles/3": "<p>three</p>",
    "/articles/4": '<a href="/articles/5">Fifth</a>',
    "/articles/5": "<p>five</p>",
}

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def url_set(locations: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{loc.replace('&', '&amp;')}</loc></url>" for loc in locations)
    return f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}">{entries}</urlset>'.encode()


def sitemap_index(locations: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locations)
    return (
        f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>'.encode()
    )


def xxe_sitemap(secret_file: str, origin: str) -> bytes:
    return (
        '<?xml version="1.0"?>'
        f'<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file://{secret_file}">]>'
        f'<urlset xmlns="{SITEMAP_NS}"><url><loc>{origin}/&secret;</loc></url></urlset>'
    ).encode()


def billion_laughs(origin: str) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    return (
        f'<?xml version="1.0"?><!DOCTYPE urlset [{"".join(entities)}]>'
        f'<urlset xmlns="{SITEMAP_NS}"><url><loc>{origin}/&lol9;</loc></url></urlset>'
    ).encode()


# -- wire helpers ------------------------------------------------------------
async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    request_line = await reader.readline()
    if not request_line.strip():
        return None
    method, target, _ = request_line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(method, target, headers)


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(
    writer: asyncio.StreamWriter, status: int, headers: dict[str, str], body: bytes = b""
) -> None:
    headers = {"Connection": "close", "Content-Length": str(len(body)), **headers}
    writer.write(_head(status, headers) + body)
    await writer.drain()


async def send_xml(writer: asyncio.StreamWriter, body: bytes) -> None:
    await send(writer, 200, {"Content-Type": "application/xml"}, body)


async def send_chunked(
    writer: asyncio.StreamWriter,
    headers: dict[str, str],
    chunks: Iterable[bytes] | AsyncIterator[bytes],
) -> None:
    headers = {"Connection": "close", "Transfer-Encoding": "chunked", **headers}
    writer.write(_head(200, headers))
    async for chunk in _aiter(chunks):
        if writer.is_closing():
            return
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def _aiter(chunks: Iterable[bytes] | AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if isinstance(chunks, AsyncIterator):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk


async def _endless() -> AsyncIterator[bytes]:
    block = b"a" * 65536
    while True:
        yield block
        await asyncio.sleep(0)


async def _drip(writer: asyncio.StreamWriter, interval: float) -> None:
    writer.write(_head(200, {"Content-Type": "text/plain", "Content-Length": "60"}))
    for _ in range(60):
        if writer.is_closing():
            return
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(interval)


async def _conditional(request: Request, writer: asyncio.StreamWriter) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"}
    if request.headers.get("if-none-match") == '"v1"':
        await send(writer, 304, validators)
    else:
        await send(writer, 200, {"Content-Type": "text/plain", **validators}, b"version 1")


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    conditional: bool = True
    """False: If-None-Match is ignored, the whole page is sent every time."""

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


async def _serve_page(page: Page, request: Request, writer: asyncio.StreamWriter) -> None:
    if page.status != 200:
        await send(writer, page.status, {"Content-Type": page.content_type}, page.body)
    elif page.conditional and request.headers.get("if-none-match") == page.etag:
        await send(writer, 304, {"ETag": page.etag})
    else:
        await send(writer, 200, {"Content-Type": page.content_type, "ETag": page.etag}, page.body)
