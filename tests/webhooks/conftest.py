"""Fixtures for webhook tests: a verifying receiver, fast retries, workers in process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from kbsmith.db.database import Database
from kbsmith.jobs.kinds import kbsmith_worker
from kbsmith.jobs.worker import Worker
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings
from tests.conftest import Keys
from tests.support.receiver import Receiver, ReceiverServer


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "fetch_allow_networks": "127.0.0.1/32",
            "fetch_total_timeout": 10.0,
            "generation_embeddings": False,
            "webhook_retry_base": 0.05,
            "webhook_retry_max": 0.2,
            "webhook_retry_window": 120.0,
        }
    )


@pytest.fixture
def receiver_server() -> Iterator[ReceiverServer]:
    server = ReceiverServer()
    with server:
        yield server


@pytest.fixture
def receiver(receiver_server: ReceiverServer) -> Receiver:
    return receiver_server.receiver


@pytest.fixture
async def workers(db: Database, app: FastAPI) -> AsyncIterator[Worker]:
    runtime: Runtime = app.state.runtime
    worker = kbsmith_worker(db, runtime, 4)
    task = asyncio.create_task(worker.run())
    yield worker
    worker.stop()
    await task


async def subscribe(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    url: str,
    events: list[str],
    receiver: Receiver | None = None,
) -> str:
    """Creates a webhook; hands its secret to the receiver; answers its id."""
    response = await client.post(
        "/v2/webhooks/public", json={"url": url, "events": events}, headers=headers
    )
    assert response.status_code == 200, response.text
    created = response.json()
    if receiver is not None:
        receiver.secret = created["secret"]
    webhook_id: str = created["id"]
    return webhook_id


@pytest.fixture
async def headers(keys: Keys) -> dict[str, str]:
    return await keys.headers("hooks")
