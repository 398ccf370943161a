"""Zendesk Help Center through kbsmith's API: connect, discover, register, ingest, refresh."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kbsmith.db.database import Database
from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.connectors.fakes import zendesk as fake
from tests.connectors.fakes.zendesk import FakeZendesk
from tests.sources.conftest import settled
from tests.sources.test_listing import generate_article_by_hand

RESOURCES = "/v2/documents/public/resources/zendesk"


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    server = FakeZendesk()
    server.start()
    yield server
    server.stop()


async def connect(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, str]
) -> httpx.Response:
    return await client.put("/v2/connections/zendesk/public", headers=headers, json=body)


async def connected(client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk) -> dict[str, str]:
    headers = await keys.headers("acme")
    answer = await connect(client, headers, zendesk.credentials())
    assert answer.status_code == 200, answer.text
    return headers


async def discover(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = await client.get(RESOURCES, headers=headers)
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


async def register_and_ingest(
    client: httpx.AsyncClient, headers: dict[str, str], *articles: dict[str, Any]
) -> list[str]:
    registered = await client.post(RESOURCES, headers=headers, json={"resources": list(articles)})
    assert registered.status_code == 200, registered.text
    ids: list[str] = registered.json()["addedDocumentIds"]
    assert len(ids) == len(articles)
    queued = await client.post(
        "/v2/documents/public",
        headers=headers,
        json={"source": "zendesk", "documentIdsToAdd": ids},
    )
    assert queued.status_code == 200, queued.text
    return ids


async def refresh(client: httpx.AsyncClient, headers: dict[str, str], *ids: str) -> None:
    answer = await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": list(ids)}
    )
    assert answer.status_code == 200, answer.text


async def test_connect_checks_credentials_and_never_shows_secrets(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk
) -> None:
    headers = await keys.headers("acme")
    refused = await connect(client, headers, zendesk.credentials(apiToken="not-the-token"))
    assert refused.status_code == 400
    assert "Couldn't authenticate you" in refused.json()["message"]

    half = await connect(client, headers, {"subdomain": "acme", "email": fake.EMAIL})
    assert half.status_code == 400
    assert "apiToken" in half.json()["message"] and "oauthToken" in half.json()["message"]

    accepted = await connect(client, headers, zendesk.credentials())
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["provider"] == "zendesk"
    assert accepted.json()["baseUrl"] == zendesk.url
    assert fake.EMAIL in accepted.json()["account"]

    oauth = {"subdomain": "https://acme.zendesk.com/", "oauthToken": fake.OAUTH_TOKEN}
    by_oauth = await connect(client, headers, {**oauth, "baseUrl": zendesk.url})
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
    tree = await discover(client, headers)

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
    assert await discover(client, headers) == tree


async def test_an_article_goes_from_discovery_to_paragraphs_and_back(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk, workers: Worker, db: Database
) -> None:
    headers = await connected(client, keys, zendesk)
    articles = articles_of(await discover(client, headers))
    password_id, unicode_id, empty_id = await register_and_ingest(
        client,
        headers,
        articles["Reset your password"],
        articles[fake.UNICODE_TITLE],
        articles["Placeholder: tax invoices"],
    )

    password = await settled(client, headers, password_id)
    assert password["linkedJobStatus"] == "COMPLETED", password["error"]
    assert password["source"] == "zendesk" and password["externalId"] == "360003000001"
    assert password["title"] == "Reset your password"
    assert password["paragraphs"][0].startswith("# Reset your password\nForgot your password?")
    text = "\n".join(password["paragraphs"])
    assert "**Forgot password**" in text and "## The link expired" in text
    assert "- Links work once.\n- Only the newest link works." in text

    unicode = await settled(client, headers, unicode_id)
    assert unicode["linkedJobStatus"] == "COMPLETED", unicode["error"]
    assert unicode["title"] == fake.UNICODE_TITLE
    assert "返金は14日以内に処理されます。" in "\n".join(unicode["paragraphs"])

    empty = await settled(client, headers, empty_id)
    assert empty["linkedJobStatus"] == "FAILED" and empty["success"] is False
    assert "no text" in empty["error"]

    assert "Reset your password" not in articles_of(await discover(client, headers))

    await generate_article_by_hand(db, "acme", uuid.UUID(password_id))
    zendesk.edit(360003000001, body=fake.PASSWORD_BODY.replace("24 hours", "48 hours"))
    await refresh(client, headers, password_id)
    edited = await settled(client, headers, password_id)
    assert edited["linkedJobStatus"] == "COMPLETED", edited["error"]
    assert "48 hours" in "\n".join(edited["paragraphs"])
    assert edited["oldParagraphs"] == password["paragraphs"]
    assert edited["changed"] is True and edited["linkedKnowledgeId"] is not None

    zendesk.delete(360003000001)
    await refresh(client, headers, password_id)
    deleted = await settled(client, headers, password_id)
    assert deleted["linkedJobStatus"] == "FAILED" and deleted["success"] is False
    assert "deleted upstream" in deleted["error"]
    assert deleted["paragraphs"] == edited["paragraphs"]
    assert deleted["linkedKnowledgeId"] == edited["linkedKnowledgeId"]


async def test_a_storm_of_429s_ends_and_the_job_completes(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk, workers: Worker
) -> None:
    headers = await connected(client, keys, zendesk)
    articles = articles_of(await discover(client, headers))
    zendesk.storm(5)  # more than one job attempt retries: the queue retries the job too
    (document_id,) = await register_and_ingest(client, headers, articles["Reset your password"])
    document = await settled(client, headers, document_id)
    assert document["linkedJobStatus"] == "COMPLETED", document["error"]
    assert zendesk.storm_left == 0
    assert "Forgot your password?" in document["paragraphs"][0]


async def test_the_minute_budget_is_waited_for_instead_of_spent_on_429s(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk
) -> None:
    headers = await connected(client, keys, zendesk)
    zendesk.limit_budget(per_window=4, window=1.0)
    tree = await discover(client, headers)  # 9 requests: more than two windows' worth
    assert len(articles_of(tree)) == 14
    assert zendesk.throttled == 0


async def test_revoked_credentials_fail_the_sync_with_reconnect(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk, workers: Worker
) -> None:
    headers = await connected(client, keys, zendesk)
    articles = articles_of(await discover(client, headers))
    (document_id,) = await register_and_ingest(client, headers, articles["Reset your password"])
    first = await settled(client, headers, document_id)
    assert first["linkedJobStatus"] == "COMPLETED", first["error"]

    zendesk.revoke()
    await refresh(client, headers, document_id)
    failed = await settled(client, headers, document_id)
    assert failed["linkedJobStatus"] == "FAILED"
    assert "reconnect the provider" in failed["error"]
    assert failed["paragraphs"] == first["paragraphs"]
    discovery = await client.get(RESOURCES, headers=headers)
    assert discovery.status_code == 400 and "reconnect the provider" in discovery.json()["message"]


async def test_another_workspace_never_uses_the_connection(
    client: httpx.AsyncClient, keys: Keys, zendesk: FakeZendesk, workers: Worker
) -> None:
    headers = await connected(client, keys, zendesk)
    article = articles_of(await discover(client, headers))["Reset your password"]
    (document_id,) = await register_and_ingest(client, headers, article)
    await settled(client, headers, document_id)
    other = await keys.headers("other")
    seen = len(zendesk.requests)

    discovery = await client.get(RESOURCES, headers=other)
    assert discovery.status_code == 400 and "not connected" in discovery.json()["message"]
    registered = await client.post(RESOURCES, headers=other, json={"resources": [article]})
    assert registered.status_code == 400
    queued = await client.post(
        "/v2/documents/public",
        headers=other,
        json={"source": "zendesk", "documentIdsToRefresh": [document_id]},
    )
    assert queued.status_code == 400
    listed = await client.get("/v2/connections/public", headers=other)
    assert listed.json()["connections"] == []
    assert len(zendesk.requests) == seen
