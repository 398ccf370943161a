"""A provider schedule sweeps deletions: a document gone upstream ends FAILED "deleted
upstream" and, with deleteArticles, its article goes back to a draft (nothing is erased)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.connectors.fakes.notion import FakeNotion, seed_workspace
from tests.connectors.provider_flow import imported
from tests.connectors.test_notion import connected, discovered
from tests.schedules.conftest import call, received, schedules_of, wait_for_generation
from tests.support.receiver import ReceiverServer, subscribe


@pytest.fixture
def notion() -> Iterator[FakeNotion]:
    fake = FakeNotion().start()
    yield fake
    fake.stop()


async def test_a_document_deleted_upstream_fails_and_its_article_becomes_a_draft(
    client: httpx.AsyncClient,
    keys: Keys,
    notion: FakeNotion,
    receiver_server: ReceiverServer,
    workers: Worker,
) -> None:
    pages = seed_workspace(notion)
    headers = await connected(client, keys, notion, "acme")
    items = await discovered(client, headers)
    records = await imported(
        client, headers, "notion", [items[pages.getting_started], items[pages.advanced_setup]]
    )
    kept, gone = records[pages.getting_started], records[pages.advanced_setup]
    bulk = await call(
        client,
        "POST",
        "/v2/knowledge/public/bulk",
        headers,
        json={"documentIds": [kept["id"], gone["id"]], "origin": "sources", "isDraft": False},
    )
    await wait_for_generation(client, headers, [j["backgroundJobId"] for j in bulk["jobs"]])
    receiver = receiver_server.receiver
    await subscribe(
        client,
        headers,
        receiver_server.url,
        ["source.failed", "draft.created", "schedule.finished"],
        receiver,
    )
    schedule = await call(
        client,
        "POST",
        "/v2/schedules/public",
        headers,
        json={"name": "notion", "source": "notion", "every": "PT1H", "deleteArticles": True},
    )
    notion.trash(pages.advanced_setup)

    await call(client, "POST", f"/v2/schedules/{schedule['id']}/run/public", headers)
    await received(receiver, "schedule.finished", 1)

    [shown] = await schedules_of(client, headers)
    assert (shown["lastRun"]["refreshed"], shown["lastRun"]["deleted"]) == (1, 1)
    after = await call(client, "GET", f"/v2/documents/public/{gone['id']}", headers)
    assert (after["linkedJobStatus"], after["success"], after["error"]) == (
        "FAILED",
        False,
        "deleted upstream",
    )
    assert after["paragraphs"] == gone["paragraphs"]
    article_id = after["linkedKnowledgeId"]
    [article] = await call(
        client, "POST", "/v2/hc-articles/ids/public", headers, json={"articleIds": [article_id]}
    )
    assert article["isDraft"] is True
    [failed] = receiver.of_type("source.failed")
    assert failed.data["documentId"] == gone["id"]
    [draft] = await received(receiver, "draft.created", 1)
    assert draft.data["articleId"] == article_id
    still = await call(client, "GET", f"/v2/documents/public/{kept['id']}", headers)
    assert (still["linkedJobStatus"], still["success"]) == ("COMPLETED", True)

    # the next run neither sweeps nor announces it again
    await call(client, "POST", f"/v2/schedules/{schedule['id']}/run/public", headers)
    await received(receiver, "schedule.finished", 2)
    [shown] = await schedules_of(client, headers)
    assert (shown["lastRun"]["refreshed"], shown["lastRun"]["deleted"]) == (1, 0)
    assert len(receiver.of_type("source.failed")) == 1
