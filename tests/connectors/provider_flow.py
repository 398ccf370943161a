"""The public-API steps of a connected-provider import, for the provider tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from tests.sources.conftest import settled


async def connect(
    client: httpx.AsyncClient, headers: dict[str, str], provider: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.put(f"/v2/connections/{provider}/public", headers=headers, json=body)


async def discover(
    client: httpx.AsyncClient, headers: dict[str, str], provider: str
) -> httpx.Response:
    return await client.get(f"/v2/documents/public/resources/{provider}", headers=headers)


async def register(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    provider: str,
    resources: Iterable[dict[str, Any]],
) -> httpx.Response:
    """Registers discovered items as discovery showed them (``iconLink: null`` included), their
    children aside."""
    body = {"resources": [{k: v for k, v in r.items() if k != "children"} for r in resources]}
    return await client.post(
        f"/v2/documents/public/resources/{provider}", headers=headers, json=body
    )


async def ingest(
    client: httpx.AsyncClient, headers: dict[str, str], provider: str, source_ids: list[str]
) -> httpx.Response:
    body = {"source": provider, "documentIdsToAdd": source_ids}
    return await client.post("/v2/documents/public", headers=headers, json=body)


async def refresh(
    client: httpx.AsyncClient, headers: dict[str, str], source_ids: list[str]
) -> httpx.Response:
    body = {"documentIds": source_ids}
    return await client.post("/v2/documents/public/refresh", headers=headers, json=body)


async def imported(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    provider: str,
    resources: list[dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Register and ingest resources; their settled source records by external id."""
    registered = await register(client, headers, provider, resources)
    assert registered.status_code == 200, registered.text
    source_ids = registered.json()["addedDocumentIds"] + registered.json()["updatedDocumentIds"]
    queued = await ingest(client, headers, provider, source_ids)
    assert queued.status_code == 200, queued.text
    records = [await settled(client, headers, source_id) for source_id in source_ids]
    return {record["externalId"]: record for record in records}


async def refreshed(
    client: httpx.AsyncClient, headers: dict[str, str], record: dict[str, Any]
) -> dict[str, Any]:
    """The record after a refresh job has ended."""
    answer = await refresh(client, headers, [record["id"]])
    assert answer.status_code == 200 and answer.json() == [record["id"]], answer.text
    after = await settled(client, headers, record["id"])
    assert after["linkedJobId"] != record["linkedJobId"]
    return after
