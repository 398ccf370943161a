"""Fixtures for source tests: a local web server, settings that admit it, running workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kbsmith.api.app import create_app
from kbsmith.api.deps import composition_of
from kbsmith.composition import kbsmith_worker
from kbsmith.db.database import Database
from kbsmith.jobs.models import TERMINAL_STATUSES
from kbsmith.jobs.worker import Worker
from kbsmith.runtime import Runtime
from kbsmith.settings import Settings
from tests.support.hostile_server import HostileServer
from tests.support.waiting import eventually


@pytest.fixture(scope="session")
def site() -> Iterator[HostileServer]:
    server = HostileServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "fetch_allow_networks": "127.0.0.1/32",
            "fetch_max_bytes": 2 * 1024 * 1024,
            # generous: a local answer can take seconds on a loaded machine, and a timeout
            # would then fail a test about something else (the tests of timeouts set theirs)
            "fetch_total_timeout": 15.0,
            "fetch_connect_timeout": 5.0,
        }
    )


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
async def workers(settings: Settings, db: Database, app: FastAPI) -> AsyncIterator[Worker]:
    """In-process workers sharing the app's runtime, as `kbsmith serve` runs them."""
    runtime: Runtime = composition_of(app).runtime
    worker = kbsmith_worker(db, runtime, 4)
    task = asyncio.create_task(worker.run())
    yield worker
    worker.stop()
    await task
    await runtime.aclose()


async def settled(
    client: httpx.AsyncClient, headers: dict[str, str], document_id: str, timeout: float = 30
) -> dict[str, Any]:
    """The document once its latest job has ended."""

    async def probe() -> dict[str, Any]:
        response = await client.get(f"/v2/documents/public/{document_id}", headers=headers)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    return await eventually(probe, lambda d: d["linkedJobStatus"] in TERMINAL_STATUSES, timeout)
