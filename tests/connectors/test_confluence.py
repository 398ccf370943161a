"""Confluence (Cloud and Data Center) through kbsmith's public API, against a fake on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kbsmith.connectors.base import ResourceRef
from kbsmith.connectors.confluence import SPEC
from kbsmith.jobs.worker import Worker
from kbsmith.runtime import fetch_policy
from kbsmith.settings import Settings
from tests.conftest import Keys
from tests.connectors.fakes.confluence import (
    API_TOKEN,
    DC_SITE,
    EMAIL,
    PERSONAL_ACCESS_TOKEN,
    PROXY_TITLE,
    SITE,
    UNICODE_TITLE,
    FakeConfluence,
    Site,
    seed_site,
)
from tests.connectors.provider_flow import (
    connect,
    discover,
    imported,
    refreshed,
)
from tests.sources.conftest import settled
from tests.support.hostile_server import HostileServer, Page

INSTALL_PARAGRAPHS = [
    "## Download\nDownload the installer from the admin console and run it as an administrator."
    " The agent registers itself with your workspace — no restart needed.",
    "**Before you start**",
    "You need the **Admin** role to install agents on shared machines.",
    "## Supported systems\n- Windows 10 or later\n- macOS 13 or later\n"
    "  - Apple silicon is supported",
    "```\ncurl -fsSL https://get.acme.test/agent | sudo sh\n"
    "sudo acme-agent register --token <TOKEN>\n```",
    "**The agent does not show up**",
    "Wait five minutes, then check the proxy settings described in Proxy setup.",
    "| Plan | Agents |\n|---|---|\n| Basic | 5 |\n| Pro | 50 |",
]
PROXY_PARAGRAPHS = [
    "The agent talks to `api.acme.test` over HTTPS on port 443 only.",
    "### Corporate proxies\nSet the proxy address in the agent settings. Authenticated proxies"
    " need a user that may reach the internet without an interactive sign-in.",
    "1. Open the agent settings.\n2. Enter the proxy address and port.\n"
    "3. Restart the agent service.",
    "TLS inspection breaks certificate pinning; exempt api.acme.test from it.",
]
PROXY_ON_THE_WEB = """<!doctype html><html><head><title>Proxy setup - Acme Docs</title></head>
<body><nav><a href="/">Docs home</a> | <a href="/install">Install</a></nav>
<main><article>
<p>The agent talks to <code>api.acme.test</code> over HTTPS on port 443 only.</p>
<h3>Corporate proxies</h3>
<p>Set the proxy address in the agent settings. Authenticated proxies need a user that may
reach the internet without an interactive sign-in.</p>
<ol><li>Open the agent settings.</li><li>Enter the proxy address and port.</li>
<li>Restart the agent service.</li></ol>
<div class="warning"><p>TLS inspection breaks certificate pinning; exempt api.acme.test
from it.</p></div>
</article></main><footer>Copyright Acme Inc.</footer></body></html>"""
CLOUD = {"siteUrl": SITE, "email": EMAIL, "apiToken": API_TOKEN}
DATA_CENTER = {"siteUrl": DC_SITE, "personalAccessToken": PERSONAL_ACCESS_TOKEN}
SPACE_FIELDS = {"externalId", "title", "originalUrl", "object", "children"}
PAGE_FIELDS = {"externalId", "title", "originalUrl", "object", "mimeType"}


@pytest.fixture
def site_content(confluence: FakeConfluence) -> Site:
    return seed_site(confluence)


async def connected(
    client: httpx.AsyncClient,
    keys: Keys,
    confluence: FakeConfluence,
    name: str,
    credentials: dict[str, str] = CLOUD,
) -> dict[str, str]:
    headers = await keys.headers(name)
    answer = await connect(
        client, headers, "confluence", {**credentials, "baseUrl": confluence.url}
    )
    assert answer.status_code == 200, answer.text
    return headers


async def discovered(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = await discover(client, headers, "confluence")
    assert answer.status_code == 200, answer.text
    spaces: list[dict[str, Any]] = answer.json()
    return spaces


def pages_of(spaces: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {page["externalId"]: page for space in spaces for page in space["children"]}


def docs_id(confluence: FakeConfluence) -> str:
    return next(space.id for space in confluence.spaces if space.key == "DOCS")


async def test_connect_cloud_and_data_center_without_secrets_in_any_answer(
    client: httpx.AsyncClient, keys: Keys, confluence: FakeConfluence
) -> None:
    headers = await keys.headers("acme")
    cloud = await connect(client, headers, "confluence", {**CLOUD, "baseUrl": confluence.url})
    assert cloud.status_code == 200, cloud.text
    assert cloud.json()["account"] == f"{EMAIL} on acme.atlassian.net"
    assert cloud.json()["baseUrl"] == confluence.url
    other = await keys.headers("other")
    data_center = await connect(
        client, other, "confluence", {**DATA_CENTER, "baseUrl": confluence.url}
    )
    assert data_center.status_code == 200, data_center.text
    assert data_center.json()["account"] == "confluence.acme.test"
    listed = await client.get("/v2/connections/public", headers=headers)
    assert [c["provider"] for c in listed.json()["connections"]] == ["confluence"]
    for text in (cloud.text, data_center.text, listed.text):
        assert API_TOKEN not in text and PERSONAL_ACCESS_TOKEN not in text
    assert [c.path for c in confluence.calls] == [
        "/wiki/api/v2/spaces",
        "/confluence/rest/api/space",  # a Data Center keeps its context path behind baseUrl
    ]


async def test_refused_credentials_answer_400_with_confluences_reason(
    client: httpx.AsyncClient, keys: Keys, confluence: FakeConfluence
) -> None:
    headers = await keys.headers("acme")
    for credentials in (
        {**CLOUD, "apiToken": "wrong-token"},
        {**DATA_CENTER, "personalAccessToken": "wrong-token"},
    ):
        refused = await connect(
            client, headers, "confluence", {**credentials, "baseUrl": confluence.url}
        )
        assert refused.status_code == 400
        assert (
            "confluence refused the credentials: Confluence answered HTTP 401"
            in (refused.json()["message"])
        )
        assert "wrong-token" not in refused.text
    half = await connect(client, headers, "confluence", {"siteUrl": SITE, "email": EMAIL})
    assert half.status_code == 400 and "apiToken" in half.json()["message"]
    both = await connect(client, headers, "confluence", {**CLOUD, **DATA_CENTER})
    assert both.status_code == 400 and "personalAccessToken" in both.json()["message"]
    no_site = await connect(client, headers, "confluence", {**CLOUD, "siteUrl": "acme"})
    assert no_site.status_code == 400 and "siteUrl" in no_site.json()["message"]
    listed = await client.get("/v2/connections/public", headers=headers)
    assert listed.json()["connections"] == []


async def test_discovery_lists_spaces_with_their_pages(
    client: httpx.AsyncClient, keys: Keys, confluence: FakeConfluence, site_content: Site
) -> None:
    headers = await connected(client, keys, confluence, "acme")
    spaces = await discovered(client, headers)
    assert [(s["externalId"], s["title"]) for s in spaces] == [
        ("DOCS", "Product documentation"),
        ("HR", "Team handbook"),
        ("OPS", "Operations runbooks"),
    ]  # the sandbox space has no pages to import
    docs = spaces[0]
    assert set(docs) == SPACE_FIELDS and docs["object"] == "space"
    assert docs["originalUrl"] == f"{SITE}/wiki/spaces/DOCS"
    assert len(docs["children"]) == 8
    install = docs["children"][0]
    assert set(install) == PAGE_FIELDS
    assert install == {
        "externalId": site_content.install,
        "title": "Install the agent",
        "originalUrl": f"{SITE}/wiki/spaces/DOCS/pages/{site_content.install}/Install+the+agent",
        "object": "page",
        "mimeType": "text/html",
    }
    assert pages_of(spaces)[site_content.unicode_page]["title"] == UNICODE_TITLE
    space_listings = [c for c in confluence.calls if c.path == "/wiki/api/v2/spaces"]
    docs_listings = [
        c for c in confluence.calls if c.path.endswith(f"/{docs_id(confluence)}/pages")
    ]
    assert len(space_listings) == 3  # the connect check, then 4 spaces, 3 to a page
    assert len(docs_listings) == 3  # 8 pages, 3 to a page


async def test_imported_pages_become_paragraphs(
    client: httpx.AsyncClient,
    keys: Keys,
    confluence: FakeConfluence,
    site_content: Site,
    workers: Worker,
) -> None:
    headers = await connected(client, keys, confluence, "acme")
    pages = pages_of(await discovered(client, headers))
    wanted = [
        site_content.install,
        site_content.proxy,
        site_content.unicode_page,
        site_content.empty,
    ]
    records = await imported(client, headers, "confluence", [pages[i] for i in wanted])

    install = records[site_content.install]
    assert install["linkedJobStatus"] == "COMPLETED" and install["success"] is True
    assert install["source"] == "confluence" and install["type"] == "page"
    assert install["title"] == "Install the agent" and install["mimeType"] == "text/html"
    assert install["paragraphs"] == INSTALL_PARAGRAPHS
    assert records[site_content.proxy]["paragraphs"] == PROXY_PARAGRAPHS
    unicode_page = records[site_content.unicode_page]
    assert unicode_page["title"] == UNICODE_TITLE
    assert unicode_page["paragraphs"] == [
        "Die Plattform läuft in Rechenzentren in Frankfurt und Zürich.",
        "データはすべて EU 内に保存されます。",
    ]
    empty = records[site_content.empty]
    assert empty["linkedJobStatus"] == "FAILED"
    assert empty["error"] == "the Confluence page 'Empty page' has no text"
    raw = await client.get(install["storageUrl"], headers=headers)
    assert raw.status_code == 200 and b"<article>" in raw.content

    offered = pages_of(await discovered(client, headers))
    assert set(wanted) & set(offered) == {site_content.empty}


async def test_data_center_with_a_personal_access_token(
    client: httpx.AsyncClient,
    keys: Keys,
    confluence: FakeConfluence,
    site_content: Site,
    workers: Worker,
) -> None:
    headers = await connected(client, keys, confluence, "acme", DATA_CENTER)
    spaces = await discovered(client, headers)
    assert spaces[0]["originalUrl"] == f"{DC_SITE}/display/DOCS"
    pages = pages_of(spaces)
    assert len(pages) == 11
    records = await imported(client, headers, "confluence", [pages[site_content.proxy]])
    proxy = records[site_content.proxy]
    assert proxy["linkedJobStatus"] == "COMPLETED", proxy["error"]
    assert proxy["originalUrl"] == f"{DC_SITE}/display/DOCS/Proxy+setup"
    assert proxy["paragraphs"] == PROXY_PARAGRAPHS

    confluence.trash(site_content.proxy)
    trashed = await refreshed(client, headers, proxy)
    assert trashed["error"] == f"the Confluence page {PROXY_TITLE!r} was deleted upstream"
    assert all(call.path.startswith("/confluence/rest/api/") for call in confluence.calls)


async def test_the_same_page_on_the_web_has_the_same_paragraphs(
    client: httpx.AsyncClient,
    keys: Keys,
    confluence: FakeConfluence,
    site_content: Site,
    site: HostileServer,
    workers: Worker,
) -> None:
    headers = await connected(client, keys, confluence, "acme")
    pages = pages_of(await discovered(client, headers))
    records = await imported(client, headers, "confluence", [pages[site_content.proxy]])
    site.pages["/docs/proxy-setup"] = Page(PROXY_ON_THE_WEB.encode())
    answer = await client.post(
        "/v2/documents/public",
        headers=headers,
        json={"source": "web", "documentIdsToAdd": [site.url("/docs/proxy-setup")]},
    )
    (web_id,) = answer.json()["addedDocumentIds"]
    web = await settled(client, headers, web_id)
    assert web["linkedJobStatus"] == "COMPLETED", web["error"]
    assert web["paragraphs"] == records[site_content.proxy]["paragraphs"]


async def test_a_burst_of_429s_that_ends_still_completes(
    client: httpx.AsyncClient,
    keys: Keys,
    confluence: FakeConfluence,
    site_content: Site,
    workers: Worker,
) -> None:
    headers = await connected(client, keys, confluence, "acme")
    pages = pages_of(await discovered(client, headers))
    confluence.storm(4, retry_after=1)  # outlasts one job attempt's retries; the job retries
    records = await imported(client, headers, "confluence", [pages[site_content.proxy]])
    record = records[site_content.proxy]
    assert record["linkedJobStatus"] == "COMPLETED", record["error"]
    assert record["paragraphs"] == PROXY_PARAGRAPHS
    fetches = [c for c in confluence.calls if c.path == f"/wiki/api/v2/pages/{site_content.proxy}"]
    assert len(fetches) == 5


async def test_existing_ids_tells_current_pages_from_trashed_and_purged_ones(
    confluence: FakeConfluence, site_content: Site, settings: Settings
) -> None:
    confluence.trash(site_content.proxy)
    confluence.purge(site_content.empty)
    refs = [
        ResourceRef(site_content.install, "page"),
        ResourceRef(site_content.proxy, "page"),
        ResourceRef(site_content.empty, "page"),
        ResourceRef("../../spaces", "page"),
    ]
    policy = fetch_policy(settings)
    for credentials in (
        {"site_url": SITE, "email": EMAIL, "api_token": API_TOKEN},
        {"site_url": DC_SITE, "personal_access_token": PERSONAL_ACCESS_TOKEN},
    ):
        connector = SPEC.build(credentials, confluence.url, policy)
        try:
            assert await connector.existing_ids(refs) == {site_content.install}
        finally:
            await connector.aclose()
