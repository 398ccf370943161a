"""Each event is announced by the code where it happens: ingestion (source.changed only for a
real change, source.failed), generation (draft.created, job.completed, job.failed) and
publishing (article.published)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kbsmith.jobs.worker import Worker
from tests.schedules.conftest import call, received, wait_for_generation
from tests.sources.conftest import settled
from tests.support.changing_site import ChangingSite
from tests.support.receiver import ReceiverServer, subscribe

EVERY_EVENT = [
    "source.changed",
    "source.failed",
    "job.completed",
    "job.failed",
    "draft.created",
    "article.published",
]


@pytest.fixture
def site() -> Iterator[ChangingSite]:
    with ChangingSite(2) as running:
        yield running


async def test_ingestion_generation_and_publishing_announce_what_happened(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    site: ChangingSite,
    receiver_server: ReceiverServer,
    workers: Worker,
) -> None:
    receiver = receiver_server.receiver
    await subscribe(client, headers, receiver_server.url, EVERY_EVENT, receiver)
    added = await call(
        client,
        "POST",
        "/v2/documents/public",
        headers,
        json={"documentIdsToAdd": [site.url(0), f"{site.server.url}/page/99"]},
    )
    page, missing = added["addedDocumentIds"]
    await settled(client, headers, page)
    await settled(client, headers, missing)
    [failed] = await received(receiver, "source.failed", 1)
    assert failed.data["documentId"] == missing and "404" in failed.data["error"]

    # a refresh that finds nothing new announces nothing; a changed page does
    await call(
        client, "POST", "/v2/documents/public/refresh", headers, json={"documentIds": [page]}
    )
    await settled(client, headers, page)
    site.change(0)
    await call(
        client, "POST", "/v2/documents/public/refresh", headers, json={"documentIds": [page]}
    )
    await settled(client, headers, page)
    [changed] = await received(receiver, "source.changed", 1)
    assert changed.data["documentId"] == page

    refused = await call(
        client,
        "POST",
        "/v2/knowledge/public/bulk",
        headers,
        json={"documentIds": [page], "origin": "sources", "restrictedOps": ["UPDATE_ARTICLE"]},
    )
    drafted = await call(
        client,
        "POST",
        "/v2/knowledge/public/bulk",
        headers,
        json={"documentIds": [page], "origin": "sources", "isDraft": True},
    )
    [refused_job] = [j["backgroundJobId"] for j in refused["jobs"]]
    [draft_job] = [j["backgroundJobId"] for j in drafted["jobs"]]
    await wait_for_generation(client, headers, [refused_job, draft_job])
    [job_failed] = await received(receiver, "job.failed", 1)
    assert job_failed.data["jobId"] == refused_job
    [completed] = await received(receiver, "job.completed", 1)
    [draft] = await received(receiver, "draft.created", 1)
    assert completed.data["jobId"] == draft.data["jobId"] == draft_job
    assert draft.data["articleId"] == completed.data["hcArticleId"]

    await call(client, "POST", f"/v2/hc-articles/{draft.data['articleId']}/publish/public", headers)
    [published] = await received(receiver, "article.published", 1)
    assert published.data["articleId"] == draft.data["articleId"]
    assert len(receiver.of_type("source.changed")) == 1
    assert receiver.bad_signatures == 0
