"""Web ingestion through the API: fetch → extract → paragraphs, refresh and change detection."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from kbsmith.db.database import Database
from kbsmith.jobs.models import Job
from kbsmith.jobs.worker import Worker
from kbsmith.sources.models import Source
from tests.conftest import Keys
from tests.sources.conftest import settled
from tests.support.hostile_server import HostileServer, Page

ARTICLE = b"""<!doctype html><html><head><title>Reset your password</title></head><body>
<nav><a href="/">Home</a> | <a href="/pricing">Pricing</a></nav>
<main><article><h1>Reset your password</h1>
<p>If you forgot your password, open the sign-in page and choose "Forgot password". We send a
reset link to the email address of your account within a few minutes.</p>
<h2>The link expired</h2>
<p>Reset links are valid for 24 hours. Request a new one from the same page if yours expired,
and check your spam folder when nothing arrives after ten minutes.</p>
<ul><li>Links work once.</li><li>Only the newest link works.</li></ul>
</article></main><footer>Copyright Example Inc.</footer></body></html>"""


async def ingest(client: httpx.AsyncClient, headers: dict[str, str], *urls: str) -> httpx.Response:
    return await client.post(
        "/v2/documents/public",
        headers=headers,
        json={"source": "web", "documentIdsToAdd": list(urls)},
    )


async def job_count(db: Database) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(Job))).scalar_one())


async def test_a_page_becomes_paragraphs(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    site.pages["/help/reset"] = Page(ARTICLE)
    headers = await keys.headers()
    answer = await ingest(client, headers, site.url("/help/reset"))
    assert answer.status_code == 200, answer.text
    (document_id,) = answer.json()["addedDocumentIds"]
    assert answer.json()["updatedDocumentIds"] == []

    document = await settled(client, headers, document_id)
    assert document["linkedJobStatus"] == "COMPLETED"
    assert document["success"] is True and document["error"] == ""
    assert document["title"] == "Reset your password"
    assert document["mimeType"] == "text/html"
    paragraphs = document["paragraphs"]
    assert isinstance(paragraphs, list) and len(paragraphs) >= 2
    text = "\n".join(paragraphs)
    assert "Forgot password" in text and "24 hours" in text
    assert "Copyright Example" not in text and "Pricing" not in text
    assert document["oldParagraphs"] == [] and document["changed"] is False

    raw = await client.get(str(document["storageUrl"]), headers=headers)
    assert raw.status_code == 200 and raw.content == ARTICLE
    assert raw.headers["content-security-policy"] == "sandbox"


async def test_the_answer_comes_before_any_fetch(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, db: Database
) -> None:
    site.pages["/help/queued"] = Page(ARTICLE)
    headers = await keys.headers()
    before = len(site.stats.log)
    answer = await ingest(client, headers, site.url("/help/queued"))
    (document_id,) = answer.json()["addedDocumentIds"]
    document = (await client.get(f"/v2/documents/public/{document_id}", headers=headers)).json()
    assert document["linkedJobStatus"] == "PENDING" and document["paragraphs"] == []
    assert len(site.stats.log) == before
    assert await job_count(db) == 1


async def test_the_same_page_under_another_url_form_reuses_its_record(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    site.pages["/help/same"] = Page(ARTICLE)
    headers = await keys.headers()
    first = (await ingest(client, headers, site.url("/help/same"))).json()
    (document_id,) = first["addedDocumentIds"]
    await settled(client, headers, document_id)
    again = (await ingest(client, headers, site.url("/help/same?utm_source=mail#top"))).json()
    assert again == {"addedDocumentIds": [], "updatedDocumentIds": [document_id]}
    listed_twice = (
        await ingest(client, headers, site.url("/help/same"), site.url("/help/same#x"))
    ).json()
    assert listed_twice == {"addedDocumentIds": [], "updatedDocumentIds": [document_id]}


async def test_refresh_unchanged_and_changed(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    site.pages["/help/changing"] = Page(ARTICLE)
    headers = await keys.headers()
    (document_id,) = (await ingest(client, headers, site.url("/help/changing"))).json()[
        "addedDocumentIds"
    ]
    first = await settled(client, headers, document_id)

    refreshed = await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
    )
    assert refreshed.status_code == 200 and refreshed.json() == [document_id]
    unchanged = await settled(client, headers, document_id)
    assert unchanged["linkedJobId"] != first["linkedJobId"]
    for field in ("paragraphs", "oldParagraphs", "title", "success", "error", "changed"):
        assert unchanged[field] == first[field], field
    conditional = [r for r in site.stats.log if r.target == "/help/changing"][-1]
    assert conditional.headers.get("if-none-match") == Page(ARTICLE).etag

    site.pages["/help/changing"] = Page(ARTICLE.replace(b"24 hours", b"48 hours"))
    await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
    )
    changed = await settled(client, headers, document_id)
    assert any("48 hours" in p for p in changed["paragraphs"])
    assert changed["oldParagraphs"] == first["paragraphs"]
    assert changed["changed"] is False  # no knowledge is linked yet


async def test_a_not_modified_refresh_records_only_the_fetch(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker, db: Database
) -> None:
    site.pages["/help/same-bytes"] = Page(ARTICLE)
    headers = await keys.headers()
    (document_id,) = (await ingest(client, headers, site.url("/help/same-bytes"))).json()[
        "addedDocumentIds"
    ]
    await settled(client, headers, document_id)

    async def row() -> Source:
        async with db.read() as session:
            source = await session.get(Source, uuid.UUID(document_id))
            assert source is not None
            return source

    before = await row()
    await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
    )
    refreshed = await settled(client, headers, document_id)
    assert refreshed["linkedJobStatus"] == "COMPLETED"
    after = await row()
    conditional = [r for r in site.stats.log if r.target == "/help/same-bytes"][-1]
    assert conditional.headers.get("if-none-match") == Page(ARTICLE).etag  # answered 304
    assert after.fetched_at is not None and before.fetched_at is not None
    assert after.fetched_at > before.fetched_at
    assert (after.success, after.error, after.etag) == (True, "", before.etag)
    for field in ("paragraphs", "old_paragraphs", "content_hash", "title", "last_modified"):
        assert getattr(after, field) == getattr(before, field), field


def extractions(outcome: str) -> float:
    """This process's `kbsmith_extractions_total{outcome}` (the workers here run in it)."""
    return REGISTRY.get_sample_value("kbsmith_extractions_total", {"outcome": outcome}) or 0.0


async def test_a_refresh_of_the_same_bytes_is_not_extracted_again(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker, db: Database
) -> None:
    site.pages["/help/no-validators"] = Page(ARTICLE, conditional=False)
    headers = await keys.headers()
    (document_id,) = (await ingest(client, headers, site.url("/help/no-validators"))).json()[
        "addedDocumentIds"
    ]
    first = await settled(client, headers, document_id)
    assert first["linkedJobStatus"] == "COMPLETED" and first["paragraphs"]

    async def row() -> Source:
        async with db.read() as session:
            source = await session.get(Source, uuid.UUID(document_id))
            assert source is not None
            return source

    async def refresh() -> dict[str, Any]:
        answer = await client.post(
            "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
        )
        assert answer.status_code == 200, answer.text
        return await settled(client, headers, document_id)

    before = await row()
    assert before.body_hash
    extracted, skipped = extractions("extracted"), extractions("skipped")
    fetches = len([r for r in site.stats.log if r.target == "/help/no-validators"])
    unchanged = await refresh()
    assert unchanged["linkedJobStatus"] == "COMPLETED"
    refetches = [r for r in site.stats.log if r.target == "/help/no-validators"][fetches:]
    assert len(refetches) == 1 and refetches[0].headers.get("if-none-match") == Page(ARTICLE).etag
    # the server sent the whole page again; its bytes were not extracted a second time
    assert (extractions("extracted"), extractions("skipped")) == (extracted, skipped + 1)
    after = await row()
    assert after.fetched_at is not None and before.fetched_at is not None
    assert after.fetched_at > before.fetched_at
    for field in ("paragraphs", "old_paragraphs", "content_hash", "body_hash", "title"):
        assert getattr(after, field) == getattr(before, field), field

    site.pages["/help/no-validators"] = Page(
        ARTICLE.replace(b"24 hours", b"48 hours"), conditional=False
    )
    changed = await refresh()
    assert extractions("extracted") == extracted + 1
    assert any("48 hours" in p for p in changed["paragraphs"])
    assert (await row()).body_hash not in ("", before.body_hash)


async def test_a_failed_refresh_keeps_the_good_paragraphs(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    site.pages["/help/walled"] = Page(ARTICLE)
    headers = await keys.headers()
    (document_id,) = (await ingest(client, headers, site.url("/help/walled"))).json()[
        "addedDocumentIds"
    ]
    good = await settled(client, headers, document_id)
    site.pages["/help/walled"] = Page(b"", status=404, content_type="text/plain")
    await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
    )
    failed = await settled(client, headers, document_id)
    assert failed["linkedJobStatus"] == "FAILED" and failed["success"] is False
    assert "404" in str(failed["error"])
    assert failed["paragraphs"] == good["paragraphs"]


@pytest.mark.parametrize(
    "body",
    [
        {"source": "web"},
        {"source": "web", "documentIdsToAdd": []},
        {"source": "web", "documentIdsToAdd": ["3f1c9d7e-1111-4c1d-9d1f-0a8b7c6d5e4f"]},
        {"source": "web", "documentIdsToAdd": ["http://ok.example/", "ftp://files.example/"]},
        {"source": "web", "documentIdsToAdd": ["/relative/path"]},
        {"source": "gopher", "documentIdsToAdd": ["http://ok.example/"]},
        {"source": "notion", "documentIdsToAdd": ["abc"]},
        {"source": "web", "documentIdsToAdd": [f"http://ok.example/{n}" for n in range(1001)]},
    ],
    ids=[
        "no-arrays",
        "empty",
        "id-not-url",
        "one-bad-url",
        "relative",
        "unknown-source",
        "unconnected-provider",
        "too-many",
    ],
)
async def test_invalid_ingest_requests_queue_nothing(
    client: httpx.AsyncClient, keys: Keys, db: Database, body: dict[str, object]
) -> None:
    response = await client.post("/v2/documents/public", headers=await keys.headers(), json=body)
    assert response.status_code == 400, response.text
    assert response.json()["message"]
    assert await job_count(db) == 0


async def test_ingest_messages_name_the_problem(client: httpx.AsyncClient, keys: Keys) -> None:
    headers = await keys.headers()
    not_url = await client.post(
        "/v2/documents/public",
        headers=headers,
        json={"documentIdsToAdd": ["3f1c9d7e-1111-4c1d-9d1f-0a8b7c6d5e4f"]},
    )
    assert "documentIdsToAdd" in not_url.json()["message"] and "URLs" in not_url.json()["message"]
    empty = await client.post("/v2/documents/public", headers=headers, json={})
    assert "documentIdsToAdd" in empty.json()["message"]
    unknown = await client.post(
        "/v2/documents/public",
        headers=headers,
        json={"source": "gopher", "documentIdsToAdd": ["http://x.example/"]},
    )
    assert "source" in unknown.json()["message"]


async def test_refresh_validates_every_id_first(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, db: Database
) -> None:
    site.pages["/help/r"] = Page(ARTICLE)
    mine = await keys.headers("mine")
    theirs = await keys.headers("theirs")
    (own_id,) = (await ingest(client, mine, site.url("/help/r"))).json()["addedDocumentIds"]
    (foreign_id,) = (await ingest(client, theirs, site.url("/help/r"))).json()["addedDocumentIds"]
    jobs_before = await job_count(db)

    for ids in ([own_id, foreign_id], [own_id, "3f1c9d7e-1111-4c1d-9d1f-0a8b7c6d5e4f"], []):
        response = await client.post(
            "/v2/documents/public/refresh", headers=mine, json={"documentIds": ids}
        )
        assert response.status_code == 400, response.text
        assert "documentIds" in response.json()["message"]
    not_uuid = await client.post(
        "/v2/documents/public/refresh", headers=mine, json={"documentIds": ["x"]}
    )
    assert not_uuid.status_code == 400
    assert await job_count(db) == jobs_before


async def test_documents_of_other_workspaces_are_unknown(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer
) -> None:
    site.pages["/help/private"] = Page(ARTICLE)
    alice = await keys.headers("alice")
    bob = await keys.headers("bob")
    (bob_id,) = (await ingest(client, bob, site.url("/help/private"))).json()["addedDocumentIds"]
    foreign = await client.get(f"/v2/documents/public/{bob_id}", headers=alice)
    assert foreign.status_code == 404
    assert (
        await client.get(f"/v2/documents/public/{bob_id}/raw", headers=alice)
    ).status_code == 404
    assert (await client.get("/v2/documents/public/not-a-uuid", headers=alice)).status_code == 400


@pytest.mark.parametrize("provider", ["notion", "zendesk", "confluence"])
async def test_provider_resources_need_a_connection(
    client: httpx.AsyncClient, keys: Keys, provider: str
) -> None:
    headers = await keys.headers()
    listed = await client.get(f"/v2/documents/public/resources/{provider}", headers=headers)
    assert listed.status_code == 400 and "not connected" in listed.json()["message"]
    registered = await client.post(
        f"/v2/documents/public/resources/{provider}", headers=headers, json={"resources": []}
    )
    assert registered.status_code == 400 and "not connected" in registered.json()["message"]
    unknown = await client.get("/v2/documents/public/resources/myspace", headers=headers)
    assert unknown.status_code == 400 and "provider" in unknown.json()["message"]
