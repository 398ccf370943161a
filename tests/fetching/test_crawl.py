from __future__ import annotations

import gzip
import time

import pytest

from kbsmith.fetching import GuardedClient, InvalidUrl, discover_links
from kbsmith.fetching.links import extract_links
from kbsmith.fetching.sitemaps import parse_sitemap
from tests.support.hostile_server import (
    HostileServer,
    Page,
    billion_laughs,
    sitemap_index,
    url_set,
    xxe_sitemap,
)

from .conftest import SECRET


def _docs(server: HostileServer, *paths: str) -> list[str]:
    return [server.url(path, host="docs.test") for path in paths]


def _pages_fetched_since(server: HostileServer, host: str, count: int) -> list[str]:
    return [
        entry.target
        for entry in server.requests_to(host)[count:]
        if entry.target != "/robots.txt"
        and "sitemap" not in entry.target
        and not entry.target.endswith(".xml")
    ]


async def test_sitemaps_first_then_breadth_first_links(
    client: GuardedClient, server: HostileServer
) -> None:
    links = await discover_links(client, [server.url("/", host="docs.test")])
    assert links == _docs(
        server,
        "/",
        # sitemap index -> gzip sitemap (utm dropped, private and foreign dropped) -> extra.xml
        "/articles/1",
        "/articles/2",
        "/articles/3",
        "/guides/",
        # links of "/" (fragment and tracking dropped; images, css, mailto, other hosts dropped)
        "/guides/setup",
        "/guides/faq?lang=en",
        # links of "/guides/" resolved against <base>
        "/articles/4",
        "/guides/manual.pdf",
        "/guides/deep",
        "/guides/deeper",
        "/articles/5",
    )


async def test_limit_is_honoured_without_fetching_pages(
    client: GuardedClient, server: HostileServer
) -> None:
    before = len(server.requests_to("docs.test"))
    links = await discover_links(client, [server.url("/", host="docs.test")], limit=3)
    assert links == _docs(server, "/", "/articles/1", "/articles/2")
    targets = [entry.target for entry in server.requests_to("docs.test")[before:]]
    assert targets == ["/robots.txt", "/sitemap_index.xml", "/sitemap-articles.xml.gz"]


async def test_only_needed_pages_are_fetched(client: GuardedClient, server: HostileServer) -> None:
    before = len(server.requests_to("docs.test"))
    links = await discover_links(client, [server.url("/", host="docs.test")], limit=7)
    assert links[-2:] == _docs(server, "/guides/setup", "/guides/faq?lang=en")
    assert _pages_fetched_since(server, "docs.test", before) == ["/"]


async def test_seeds_come_first_and_are_deduplicated(
    client: GuardedClient, server: HostileServer
) -> None:
    seeds = [
        server.url("/articles/5", host="docs.test"),
        server.url("/articles/5#top", host="docs.test"),
        server.url("/private/hidden", host="docs.test"),
        server.url("/", host="docs.test"),
    ]
    links = await discover_links(client, seeds, limit=4)
    assert links == _docs(server, "/articles/5", "/", "/articles/1", "/articles/2")


async def test_found_pages_that_cannot_be_fetched_for_good_are_left_out(
    client: GuardedClient, server: HostileServer
) -> None:
    server.pages["/gone-crawl/"] = Page(
        b'<a href="/gone-crawl/pricing">Pricing</a> <a href="/gone-crawl/busy">Busy</a>'
        b' <a href="/gone-crawl/guide">Guide</a> <a href="/gone-crawl/faq">FAQ</a>'
    )
    server.pages["/gone-crawl/pricing"] = Page(b"not found", status=404)
    server.pages["/gone-crawl/busy"] = Page(b"try later", status=503)
    server.pages["/gone-crawl/guide"] = Page(b"<p>guide</p>")
    server.pages["/gone-crawl/faq"] = Page(b"<p>faq</p>")
    seed = server.url("/gone-crawl/")
    links = await discover_links(client, [seed])
    # the 404 is dropped; a 503 may answer later, so it stays for its job to say
    assert links == [seed, *(server.url(f"/gone-crawl/{p}") for p in ("busy", "guide", "faq"))]


async def test_a_seed_that_cannot_be_fetched_stays(
    client: GuardedClient, server: HostileServer
) -> None:
    server.pages["/gone-seed"] = Page(b"not found", status=404)
    seed = server.url("/gone-seed")
    assert await discover_links(client, [seed]) == [seed]


async def test_invalid_seed_is_refused(client: GuardedClient) -> None:
    with pytest.raises(InvalidUrl):
        await discover_links(client, ["not a url"])


async def test_malicious_sitemaps_are_refused_safely(
    client: GuardedClient, server: HostileServer
) -> None:
    started = time.monotonic()
    links = await discover_links(client, [server.url("/", host="xxe.test")])
    assert time.monotonic() - started < 2
    assert links == [server.url("/", host="xxe.test"), server.url("/ok-page", host="xxe.test")]
    assert not any(SECRET in link or "lol" in link for link in links)


def test_parse_sitemap_refuses_external_entities(server: HostileServer) -> None:
    body = xxe_sitemap(server.secret_file, "http://xxe.test")
    assert parse_sitemap(body, max_bytes=10**6) is None


def test_parse_sitemap_refuses_entity_expansion() -> None:
    assert parse_sitemap(billion_laughs("http://x.test"), max_bytes=10**6) is None


def test_parse_sitemap_handles_gzip_index_and_urlset() -> None:
    index = parse_sitemap(sitemap_index(["http://a.test/s1.xml"]), max_bytes=10**6)
    assert index is not None
    assert (index.kind, index.locations) == ("index", ["http://a.test/s1.xml"])
    urls = parse_sitemap(gzip.compress(url_set(["http://a.test/1"])), max_bytes=10**6)
    assert urls is not None
    assert (urls.kind, urls.locations) == ("urlset", ["http://a.test/1"])


def test_parse_sitemap_ignores_garbage_and_gzip_bombs() -> None:
    assert parse_sitemap(b"<html><body>not a sitemap</body></html>", max_bytes=10**6) is None
    assert parse_sitemap(b"\x00\x01 not xml", max_bytes=10**6) is None
    assert parse_sitemap(gzip.compress(bytes(5 * 10**6)), max_bytes=10**6) is None


def test_extract_links_uses_base_and_keeps_document_order() -> None:
    html = """<head><base href="https://cdn.test/docs/"></head>
        <a href="a">A</a><a href=" /b ">B</a><area href="c"><a>no href</a><a href="">empty</a>"""
    assert extract_links(html, "https://site.test/page") == [
        "https://cdn.test/docs/a",
        "https://cdn.test/b",
        "https://cdn.test/docs/c",
    ]
