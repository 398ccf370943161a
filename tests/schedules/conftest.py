"""Fixtures for schedule tests: a changing local site, a verifying webhook receiver, and the
steps a user takes before a schedule keeps things in step (ingest, generate live articles)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kbsmith.api.deps import composition_of
from kbsmith.composition import kbsmith_worker
from kbsmith.db.database import Database
from kbsmith.jobs.models import TERMINAL_STATUSES
from kbsmith.jobs.worker import Worker
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings
from tests.conftest import Keys
from tests.support.changing_site import ChangingSite
from tests.support.receiver import Received, Receiver, ReceiverServer
from tests.support.waiting import eventually

PAGES = 4


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "fetch_allow_networks": "127.0.0.1/32",
            "fetch_total_timeout": 15.0,
            "generation_embeddings": False,
            "webhook_retry_base": 0.05,
            "webhook_retry_max": 0.2,
            "schedule_min_interval": 0.5,
            "schedule_poll_interval": 0.05,
        }
    )


@pytest.fixture
def site() -> Iterator[ChangingSite]:
    with ChangingSite(PAGES) as running:
        yield running


@pytest.fixture
def receiver_server() -> Iterator[ReceiverServer]:
    server = ReceiverServer()
    with server:
        yield server


@pytest.fixture
async def headers(keys: Keys) -> dict[str, str]:
    return await keys.headers("sync")


@pytest.fixture
async def workers(db: Database, app: FastAPI) -> AsyncIterator[Worker]:
    async with running_worker(db, composition_of(app).runtime) as worker:
        yield worker


async def call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], **kwargs: Any
) -> Any:
    response = await client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


async def wait_for_generation(
    client: httpx.AsyncClient, headers: dict[str, str], job_ids: list[str], timeout: float = 120
) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]]:
        answer = await call(
            client, "POST", "/v2/knowledge/public/jobs/status", headers, json={"jobIds": job_ids}
        )
        jobs: list[dict[str, Any]] = answer["jobs"]
        return jobs

    return await eventually(
        probe, lambda jobs: all(j["jobStatus"] in TERMINAL_STATUSES for j in jobs), timeout
    )


async def ingested_and_generated(
    client: httpx.AsyncClient, headers: dict[str, str], site: ChangingSite, timeout: float = 120
) -> list[str]:
    """The site's pages as sources with live articles generated from them; answers their ids
    in page order."""
    urls = [site.url(n) for n in range(len(site.revisions))]
    added = await call(
        client, "POST", "/v2/documents/public", headers, json={"documentIdsToAdd": urls}
    )
    ids: list[str] = added["addedDocumentIds"]

    async def statuses() -> list[str]:
        found = []
        for document_id in ids:
            document = await call(client, "GET", f"/v2/documents/public/{document_id}", headers)
            found.append(document["linkedJobStatus"])
        return found

    final = await eventually(statuses, lambda s: all(x in TERMINAL_STATUSES for x in s), timeout)
    assert set(final) == {"COMPLETED"}, final
    bulk = await call(
        client,
        "POST",
        "/v2/knowledge/public/bulk",
        headers,
        json={"documentIds": ids, "origin": "sources", "isDraft": False},
    )
    jobs = await wait_for_generation(client, headers, [j["backgroundJobId"] for j in bulk["jobs"]])
    assert {j["jobStatus"] for j in jobs} == {"COMPLETED"}, jobs
    return ids


async def schedules_of(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await call(client, "GET", "/v2/schedules/public", headers))[
        "schedules"
    ]
    return found


async def received(
    receiver: Receiver, event: str, count: int, timeout: float = 60
) -> list[Received]:
    """The receiver's deliveries of ``event`` once there are at least ``count``."""

    async def probe() -> list[Received]:
        return receiver.of_type(event)

    return await eventually(probe, lambda found: len(found) >= count, timeout)


@asynccontextmanager
async def running_worker(db: Database, runtime: Runtime) -> AsyncIterator[Worker]:
    worker = kbsmith_worker(db, runtime, 4)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        worker.stop()
        await task
