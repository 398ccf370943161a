"""Zendesk Help Center through kbsmith's API: connect, discover, register, ingest, refresh."""

from __future__ import annotations

from typing import Any

import httpx

from kbsmith.connectors import service as connections
from kbsmith.connectors.base import ResourceRef
from kbsmith.fetching import FetchPolicy
from kbsmith.jobs.worker import Worker
from kbsmith.providers import Provider
from tests.conftest import Keys
from tests.connectors.fakes import zendesk as fake
from tests.connectors.fakes.zendesk import FakeZendesk
from tests.connectors.provider_flow import connect, discover, imported


async def connected(client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk) -> dict[str, str]:
    headers = await keys.headers("acme")
    answer = await connect(client, headers, "zendesk", zendesk.credentials())
    assert answer.status_code == 200, answer.text
    return headers


async def category_tree(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = await discover(client, headers, "zendesk")
    assert answer.status_code == 200, answer.text
    tree: list[dict[str, Any]] = answer.json()
    return tree


def articles_of(tree: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        article["title"]: article
        for category in tree
        for section in category["children"]
        for article in section["children"]
    }


async def import_articles(
    client: httpx.AsyncClient, headers: dict[str, str], *titles: str
) -> list[dict[str, Any]]:
    """Discover, register and ingest the articles; their settled records, in order."""
    articles = articles_of(await category_tree(client, headers))
    chosen = [articles[title] for title in titles]
    records = await imported(client, headers, "zendesk", chosen)
    return [records[article["externalId"]] for article in chosen]


async def test_connect_checks_credentials_and_never_shows_secrets(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk
) -> None:
    headers = await keys.headers("acme")
    refused = await connect(
        client, headers, "zendesk", zendesk.credentials(apiToken="not-the-token")
    )
    assert refused.status_code == 400
    assert "Couldn't authenticate you" in refused.json()["message"]

    half = await connect(client, headers, "zendesk", {"subdomain": "acme", "email": fake.EMAIL})
    assert half.status_code == 400
    assert "apiToken" in half.json()["message"] and "oauthToken" in half.json()["message"]

    accepted = await connect(client, headers, "zendesk", zendesk.credentials())
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["provider"] == "zendesk"
    assert accepted.json()["baseUrl"] == zendesk.url
    assert fake.EMAIL in accepted.json()["account"]

    oauth = {"subdomain": "https://acme.zendesk.com/", "oauthToken": fake.OAUTH_TOKEN}
    by_oauth = await connect(client, headers, "zendesk", {**oauth, "baseUrl": zendesk.url})
    assert by_oauth.status_code == 200, by_oauth.text

    listed = await client.get("/v2/connections/public", headers=headers)
    assert [c["provider"] for c in listed.json()["connections"]] == ["zendesk"]
    for answer in (refused, half, accepted, by_oauth, listed):
        assert fake.API_TOKEN not in answer.text and fake.OAUTH_TOKEN not in answer.text
        assert "not-the-token" not in answer.text


async def test_discovery_is_the_category_section_article_tree(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk
) -> None:
    headers = await connected(client, keys, zendesk)
    tree = await category_tree(client, headers)

    assert [(c["title"], c["object"]) for c in tree] == [
        ("Getting started", "category"),
        ("Billing", "category"),
    ]  # the empty "Announcements" category is left out
    sections = {s["title"]: s for c in tree for s in c["children"]}
    assert set(sections) == {"Account basics", "Troubleshooting / Mobile app", "Invoices"}
    assert {s["object"] for s in sections.values()} == {"section"}
    invoices = [a["title"] for a in sections["Invoices"]["children"]]
    assert [f"Invoice question {n}" for n in range(1, 10)] == invoices[-9:]

    articles = articles_of(tree)
    assert "Single sign-on (coming soon)" not in articles  # a draft
    password = articles["Reset your password"]
    assert password == {
        "externalId": "360003000001",
        "title": "Reset your password",
        "originalUrl": "https://acme.zendesk.com/hc/en-us/articles/360003000001-Reset-your-password",
        "object": "article",
        "mimeType": "text/html",
    }
    assert fake.UNICODE_TITLE in articles
    assert zendesk.requests.count("/api/v2/help_center/articles.json") >= 5  # paged by 3

    zendesk.offset_paging_only = True
    assert await category_tree(client, headers) == tree


async def test_imported_articles_become_paragraphs(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk, workers: Worker
) -> None:
    headers = await connected(client, keys, zendesk)
    password, unicode, empty = await import_articles(
        client, headers, "Reset your password", fake.UNICODE_TITLE, "Placeholder: tax invoices"
    )

    assert password["linkedJobStatus"] == "COMPLETED", password["error"]
    assert password["source"] == "zendesk" and password["externalId"] == "360003000001"
    assert password["title"] == "Reset your password"
    assert password["paragraphs"][0].startswith("# Reset your password\nForgot your password?")
    text = "\n".join(password["paragraphs"])
    assert "**Forgot password**" in text and "## The link expired" in text
    assert "- Links work once.\n- Only the newest link works." in text

    assert unicode["linkedJobStatus"] == "COMPLETED", unicode["error"]
    assert unicode["title"] == fake.UNICODE_TITLE
    assert "返金は14日以内に処理されます。" in "\n".join(unicode["paragraphs"])

    assert empty["linkedJobStatus"] == "FAILED" and empty["success"] is False
    assert "no text" in empty["error"]

    assert "Reset your password" not in articles_of(await category_tree(client, headers))


async def test_a_storm_of_429s_ends_and_the_job_completes(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk, workers: Worker
) -> None:
    headers = await connected(client, keys, zendesk)
    articles = articles_of(await category_tree(client, headers))
    zendesk.storm(4)  # more than one attempt's retries: the queue retries the job too
    records = await imported(client, headers, "zendesk", [articles["Reset your password"]])
    document = records["360003000001"]
    assert document["linkedJobStatus"] == "COMPLETED", document["error"]
    assert zendesk.storm_left == 0
    assert "Forgot your password?" in document["paragraphs"][0]


async def test_the_minute_budget_is_waited_for_instead_of_spent_on_429s(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk
) -> None:
    headers = await connected(client, keys, zendesk)
    zendesk.limit_budget(per_window=4, window=1.0)
    tree = await category_tree(client, headers)  # 9 requests: more than two windows' worth
    assert len(articles_of(tree)) == 14
    assert zendesk.throttled == 0


async def test_existing_ids_notice_deleted_articles(zendesk: FakeZendesk) -> None:
    credentials = connections.parse_credentials(Provider.ZENDESK, zendesk.credentials())
    connector = connections.build_connector(credentials, FetchPolicy.from_strings("127.0.0.1/32"))
    refs = [ResourceRef("360003000001"), ResourceRef("360003000002"), ResourceRef("360003000999")]
    try:
        assert await connector.existing_ids(refs) == {"360003000001", "360003000002"}
        zendesk.delete(360003000002)
        assert await connector.existing_ids(refs) == {"360003000001"}
    finally:
        await connector.aclose()
