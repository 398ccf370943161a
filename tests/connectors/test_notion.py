"""Notion through kbsmith's public API, against a fake Notion API on 127.0.0.1."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from kbsmith.connectors.base import ResourceRef
from kbsmith.connectors.notion import SPEC
from kbsmith.jobs.worker import Worker
from kbsmith.runtime import fetch_policy
from kbsmith.settings import Settings
from tests.conftest import Keys
from tests.connectors.fakes.notion import (
    PRICING_TITLE,
    TOKEN,
    FakeNotion,
    Workspace,
    seed_workspace,
)
from tests.connectors.provider_flow import (
    connect,
    discover,
    imported,
)

GETTING_STARTED_PARAGRAPHS = [
    "# Welcome to Acme\nAcme syncs your support inbox with your help center. **Every workspace**"
    " starts on the free plan and can upgrade at any time.",
    "## Before you begin\n"
    "- An admin account on your help desk\n"
    "- A browser we support\n"
    "  - Chrome or Edge, the last two versions\n"
    "  - Firefox ESR\n"
    "1. Open Settings and choose Integrations.\n"
    "2. Paste the API key from your help desk.\n"
    "3. Press Connect and wait for the first sync.\n"
    "- [x] Invite your teammates\n"
    "- [ ] Turn on weekly reports",
    "How long does the first sync take? Usually under ten minutes for up to fifty thousand"
    " tickets.",
    "> Syncing never changes tickets in your help desk; it only reads them.",
    "> Acme cut our first-response time in half. — Dana, support lead",
    "```\nacme sync --workspace demo --since 2026-01-01\n```",
    "### Plans at a glance\n| Plan | Seats | Price |\n|---|---|---|\n| Free | 3 | 0 € |\n"
    "| Team | 25 | 49 € |",
]
ADVANCED_SETUP_PARAGRAPHS = [
    "## Single sign-on\nAcme supports SAML 2.0 with any identity provider that signs its"
    " assertions.",
    "Okta Create a SAML app in Okta and paste its metadata URL into Acme.",
    "Troubleshooting Check that the clock of your server is in sync.",
]
WIRE_FIELDS = {"externalId", "title", "originalUrl", "mimeType", "iconLink", "object"}


@pytest.fixture
def workspace(notion: FakeNotion) -> Workspace:
    return seed_workspace(notion)


async def connected(
    client: httpx.AsyncClient, keys: Keys, notion: FakeNotion, name: str
) -> dict[str, str]:
    headers = await keys.headers(name)
    answer = await connect(client, headers, "notion", {"token": TOKEN, "baseUrl": notion.url})
    assert answer.status_code == 200, answer.text
    return headers


async def discovered(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> dict[str, dict[str, Any]]:
    answer = await discover(client, headers, "notion")
    assert answer.status_code == 200, answer.text
    return {item["externalId"]: item for item in answer.json()}


def offered(notion: FakeNotion, object_id: str) -> dict[str, Any]:
    """What discovery offers for an object, without asking (discovery has its own tests)."""
    item = notion.objects[object_id]
    return {
        "externalId": object_id,
        "title": "",
        "originalUrl": item["url"],
        "mimeType": "text/markdown",
        "object": item["object"],
    }


async def test_connect_without_secrets_in_any_answer(
    client: httpx.AsyncClient, keys: Keys, notion: FakeNotion
) -> None:
    headers = await keys.headers("acme")
    answer = await connect(client, headers, "notion", {"token": TOKEN, "baseUrl": notion.url})
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["provider"] == "notion" and view["baseUrl"] == notion.url
    assert view["account"] == "kbsmith sync (Acme Support)"
    listed = await client.get("/v2/connections/public", headers=headers)
    assert [c["provider"] for c in listed.json()["connections"]] == ["notion"]
    for text in (answer.text, listed.text):
        assert TOKEN not in text
    assert len(notion.calls_to("/v1/users/me")) == 1


async def test_refused_credentials_answer_400_with_notions_reason(
    client: httpx.AsyncClient, keys: Keys, notion: FakeNotion
) -> None:
    headers = await keys.headers("acme")
    wrong = await connect(
        client, headers, "notion", {"token": "secret_wrong", "baseUrl": notion.url}
    )
    assert wrong.status_code == 400
    assert "API token is invalid." in wrong.json()["message"]
    assert "secret_wrong" not in wrong.text
    missing = await connect(client, headers, "notion", {"baseUrl": notion.url})
    assert missing.status_code == 400 and "token" in missing.json()["message"]
    unknown_field = await connect(client, headers, "notion", {"token": TOKEN, "apiKey": "x"})
    assert unknown_field.status_code == 400 and "apiKey" in unknown_field.json()["message"]
    listed = await client.get("/v2/connections/public", headers=headers)
    assert listed.json()["connections"] == []


async def test_discovery_is_a_flat_list_of_every_shared_page_and_database(
    client: httpx.AsyncClient, keys: Keys, notion: FakeNotion, workspace: Workspace
) -> None:
    headers = await connected(client, keys, notion, "acme")
    items = await discovered(client, headers)
    assert len(items) == 13  # 4 pages, 1 database, its 2 rows, 6 release notes
    assert all(set(item) == WIRE_FIELDS for item in items.values())
    start = items[workspace.getting_started]
    assert start["title"] == "Getting started" and start["object"] == "page"
    assert start["mimeType"] == "text/markdown"
    assert start["iconLink"] == "https://www.notion.so/icons/flag_green.svg"
    assert start["originalUrl"].startswith("https://www.notion.so/Getting-started-")
    assert items[workspace.pricing_unicode]["title"] == PRICING_TITLE
    assert items[workspace.pricing_unicode]["iconLink"] is None  # an emoji is no link
    assert items[workspace.faq_database]["object"] == "database"
    searches = notion.calls_to("/v1/search")
    assert len(searches) == 3  # 13 results, 5 to a page
    gaps = [b.at - a.at for a, b in itertools.pairwise(searches)]
    assert min(gaps) >= 0.3  # Notion's three requests a second


async def test_imported_pages_and_databases_become_paragraphs(
    client: httpx.AsyncClient,
    keys: Keys,
    notion: FakeNotion,
    workspace: Workspace,
    workers: Worker,
) -> None:
    headers = await connected(client, keys, notion, "acme")
    items = await discovered(client, headers)
    wanted = [
        workspace.getting_started,
        workspace.advanced_setup,
        workspace.pricing_unicode,
        workspace.faq_database,
        workspace.empty,
    ]
    records = await imported(client, headers, "notion", [items[i] for i in wanted])

    start = records[workspace.getting_started]
    assert start["linkedJobStatus"] == "COMPLETED" and start["success"] is True
    assert start["source"] == "notion" and start["type"] == "page"
    assert start["title"] == "Getting started" and start["mimeType"] == "text/markdown"
    assert start["paragraphs"] == GETTING_STARTED_PARAGRAPHS
    assert records[workspace.advanced_setup]["paragraphs"] == ADVANCED_SETUP_PARAGRAPHS
    pricing = records[workspace.pricing_unicode]
    assert pricing["title"] == PRICING_TITLE
    assert pricing["paragraphs"] == [
        "Les factures sont émises le premier jour de chaque mois, en euros.",
        "請求書は毎月一日に発行されます。",
    ]
    assert records[workspace.faq_database]["paragraphs"] == [
        "| Question | Answer |\n|---|---|\n"
        "| Can I export my data? | Yes, as CSV from Settings → Export. |\n"
        "| Do you offer refunds? | Within 30 days of purchase, no questions asked. |"
    ]
    empty = records[workspace.empty]
    assert empty["linkedJobStatus"] == "FAILED" and empty["success"] is False
    assert empty["error"] == "the Notion page 'Empty draft' has no text"

    hidden = await discovered(client, headers)
    assert set(wanted) - set(hidden) == set(wanted) - {workspace.empty}
    assert workspace.empty in hidden  # not imported successfully: still offered


async def test_a_burst_of_429s_that_ends_still_completes(
    client: httpx.AsyncClient,
    keys: Keys,
    notion: FakeNotion,
    workspace: Workspace,
    workers: Worker,
) -> None:
    headers = await connected(client, keys, notion, "acme")
    notion.storm(4, retry_after=1)  # outlasts one job attempt's retries; the job retries
    page = offered(notion, workspace.pricing_unicode)
    records = await imported(client, headers, "notion", [page])
    record = records[workspace.pricing_unicode]
    assert record["linkedJobStatus"] == "COMPLETED", record["error"]
    assert len(record["paragraphs"]) == 2
    assert len(notion.calls_to(f"/v1/pages/{workspace.pricing_unicode}")) == 5


async def test_existing_ids_tells_live_pages_from_trashed_and_removed_ones(
    notion: FakeNotion, workspace: Workspace, settings: Settings
) -> None:
    notion.trash(workspace.advanced_setup)
    notion.remove(workspace.empty)
    connector = SPEC.build({"token": TOKEN}, notion.url, fetch_policy(settings))
    try:
        refs = [
            ResourceRef(workspace.getting_started, "page"),
            ResourceRef(workspace.advanced_setup, "page"),
            ResourceRef(workspace.empty, "page"),
            ResourceRef(workspace.faq_database, "database"),
        ]
        existing = await connector.existing_ids(refs)
    finally:
        await connector.aclose()
    assert existing == {workspace.getting_started, workspace.faq_database}
