"""Requests as Fini documents them, sent to kbsmith as they are, answer as documented."""

from __future__ import annotations

from typing import Any

import httpx

from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.generation.support import page, wait_jobs
from tests.generation.test_workflow import RESET
from tests.knowledge.conftest import JSON, Kb, article_body
from tests.sources.conftest import settled
from tests.support.hostile_server import HostileServer, Page

ARTICLE_FIELDS = {
    "id",
    "title",
    "mainKnowledge",
    "agentInstruction",
    "questions",
    "keywords",
    "escalation",
    "parentFolderId",
    "active",
    "public",
    "origin",
    "isDraft",
    "originalArticleId",
    "originalArticleVersion",
    "isDraftPublished",
    "version",
    "sourceIds",
    "createdAt",
    "updatedAt",
}
JOB_FIELDS = {
    "id",
    "jobStatus",
    "createdAt",
    "startedAt",
    "completedAt",
    "hcArticleId",
    "operation",
    "targetArticleId",
    "reason",
    "error",
}
ALL_OPERATIONS = ["ADD_ARTICLE_TO_FOLDER", "UPDATE_ARTICLE", "DO_NOTHING"]


def create_body(folder_id: str, *, is_draft: bool = False, **content: Any) -> JSON:
    """The create body with every field Fini documents for it."""
    documented = {"active": True, "public": True, "origin": "manual", "isDraft": is_draft}
    return article_body(folder_id, **documented) | content


def assert_article(answer: JSON, **expected: Any) -> None:
    assert set(answer) >= ARTICLE_FIELDS, answer
    assert {name: answer[name] for name in expected} == expected


async def ingest(kb: Kb, url: str) -> str:
    body = {"source": "web", "documentIdsToAdd": [url]}
    queued = await kb.ok("POST", "/v2/documents/public", body)
    assert set(queued) == {"addedDocumentIds", "updatedDocumentIds"}
    assert queued["updatedDocumentIds"] == []
    (document_id,) = queued["addedDocumentIds"]
    document = await settled(kb.client, kb.headers, document_id)
    assert document["linkedJobStatus"] == "COMPLETED", document["error"]
    return str(document_id)


async def generate_drafts(kb: Kb, document_ids: list[str]) -> list[JSON]:
    body = {
        "documentIds": document_ids,
        "origin": "sources",
        "isDraft": True,
        "restrictedOps": ALL_OPERATIONS,
        "instructions": "Write for customers, in plain words.",
    }
    queued = await kb.ok("POST", "/v2/knowledge/public/bulk", body)
    assert set(queued) == {"jobs"}
    assert [set(job) for job in queued["jobs"]] == [{"documentId", "backgroundJobId"}]
    assert [job["documentId"] for job in queued["jobs"]] == document_ids
    job_ids = [job["backgroundJobId"] for job in queued["jobs"]]
    await wait_jobs(kb.client, kb.headers, job_ids)
    status = await kb.ok("POST", "/v2/knowledge/public/jobs/status", {"jobIds": job_ids})
    assert set(status) == {"jobs"} and all(set(job) >= JOB_FIELDS for job in status["jobs"])
    jobs: list[JSON] = status["jobs"]
    return jobs


async def test_a_fini_script_ingests_generates_and_publishes_with_its_create_body(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    kb = Kb(client, await keys.headers("acme"))
    await kb.folder("Account")
    published = await kb.folder("Published")
    site.pages["/help/reset"] = Page(page("Reset your password", *RESET))
    document_id = await ingest(kb, site.url("/help/reset"))

    (job,) = await generate_drafts(kb, [document_id])
    assert (job["jobStatus"], job["operation"]) == ("COMPLETED", "ADD_ARTICLE_TO_FOLDER"), job
    draft = await kb.one(job["hcArticleId"])
    assert_article(draft, isDraft=True, sourceIds=[document_id])

    reviewed = create_body(published["id"], is_draft=True, title=draft["title"], origin="sources")
    path = f"/v2/hc-articles/{draft['id']}/publish/public"
    live = await kb.ok("POST", path, reviewed)
    assert_article(
        live,
        id=draft["id"],
        isDraft=False,
        parentFolderId=published["id"],
        title="Reset your password",
        origin="sources",
        sourceIds=[document_id],
    )


async def test_the_create_body_goes_as_it_is_to_create_update_draft_and_publish(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    kb = Kb(client, await keys.headers("acme"))
    folder_id = (await kb.folder())["id"]
    body = create_body(folder_id)
    created = await kb.ok("POST", "/v2/hc-articles/public", body)
    assert_article(created, isDraft=False, version=1, origin="manual", parentFolderId=folder_id)
    article = f"/v2/hc-articles/{created['id']}"

    updated = await kb.ok("PUT", f"{article}/public", body | {"title": "Cancel a plan"})
    assert_article(updated, id=created["id"], version=2, title="Cancel a plan")
    draft = await kb.ok("POST", f"{article}/draft/public", body)
    assert_article(draft, isDraft=True, originalArticleId=created["id"], originalArticleVersion=2)
    live = await kb.ok("POST", f"/v2/hc-articles/{draft['id']}/publish/public", body)
    assert_article(live, id=created["id"], isDraft=False, version=3, title=body["title"])


async def test_a_draft_created_with_is_draft_publishes_with_the_same_body(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    kb = Kb(client, await keys.headers("acme"))
    folder_id = (await kb.folder())["id"]
    body = create_body(folder_id, is_draft=True)
    draft = await kb.ok("POST", "/v2/hc-articles/public", body)
    assert_article(draft, isDraft=True, originalArticleId=None)
    updated = await kb.ok("PUT", f"/v2/hc-articles/{draft['id']}/public", body)
    assert_article(updated, isDraft=True, version=2)
    live = await kb.ok("POST", f"/v2/hc-articles/{draft['id']}/publish/public", body)
    assert_article(live, id=draft["id"], isDraft=False, version=3, parentFolderId=folder_id)
