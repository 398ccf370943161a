"""Driving generation through the API: ingest pages, queue generation, wait for the jobs."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sources.conftest import settled
from tests.support.waiting import eventually

TERMINAL = ("COMPLETED", "FAILED")


def page(title: str, *paragraphs: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title} | Acme Help</title></head><body>"
        f"<nav>Home | Pricing | Blog</nav><main><article><h1>{title}</h1>{body}</article>"
        f"</main><footer>Copyright Acme Inc.</footer></body></html>"
    ).encode()


async def ingest_pages(client: httpx.AsyncClient, headers: dict[str, str], *urls: str) -> list[str]:
    answer = await client.post(
        "/v2/documents/public",
        headers=headers,
        json={"source": "web", "documentIdsToAdd": list(urls)},
    )
    assert answer.status_code == 200, answer.text
    ids: list[str] = answer.json()["addedDocumentIds"] + answer.json()["updatedDocumentIds"]
    for document_id in ids:
        document = await settled(client, headers, document_id)
        assert document["linkedJobStatus"] == "COMPLETED", document["error"]
    return ids


async def refresh(
    client: httpx.AsyncClient, headers: dict[str, str], document_id: str
) -> dict[str, Any]:
    await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
    )
    return await settled(client, headers, document_id)


async def bulk(
    client: httpx.AsyncClient, headers: dict[str, str], ids: list[str], **options: Any
) -> list[dict[str, Any]]:
    """Queue bulk generation and wait until every job has ended; answers their statuses."""
    answer = await client.post(
        "/v2/knowledge/public/bulk",
        headers=headers,
        json={"documentIds": ids, "origin": "sources", **options},
    )
    assert answer.status_code == 200, answer.text
    jobs = answer.json()["jobs"]
    assert [j["documentId"] for j in jobs] == ids
    return await wait_jobs(client, headers, [j["backgroundJobId"] for j in jobs])


async def wait_jobs(
    client: httpx.AsyncClient, headers: dict[str, str], job_ids: list[str]
) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]]:
        response = await client.post(
            "/v2/knowledge/public/jobs/status", headers=headers, json={"jobIds": job_ids}
        )
        assert response.status_code == 200, response.text
        jobs: list[dict[str, Any]] = response.json()["jobs"]
        return jobs

    return await eventually(probe, lambda jobs: all(j["jobStatus"] in TERMINAL for j in jobs), 60)


async def articles_by_id(
    client: httpx.AsyncClient, headers: dict[str, str], *ids: str
) -> list[dict[str, Any]]:
    response = await client.post(
        "/v2/hc-articles/ids/public", headers=headers, json={"articleIds": list(ids)}
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def all_articles(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/v2/hc-articles/public", headers=headers, params={"limit": 500})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["articles"]
    return found


async def document(
    client: httpx.AsyncClient, headers: dict[str, str], document_id: str
) -> dict[str, Any]:
    response = await client.get(f"/v2/documents/public/{document_id}", headers=headers)
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found
