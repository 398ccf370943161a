"""Reviewing what generation jobs write: every draft says why it exists, and dismissing a
conflict draft leaves its source changed only while the live article lags the source."""

from __future__ import annotations

from typing import Any

import httpx

from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.generation.support import articles_by_id, bulk, document, ingest_pages, page, refresh
from tests.generation.test_merging import (
    URL,
    live_article_edited_by_a_person,
    plans_page,
)
from tests.support.hostile_server import HostileServer, Page

THEIRS = "Upgrades take effect at the next billing cycle and are not prorated."


async def conflicting_job(
    client: httpx.AsyncClient, headers: dict[str, str], site: HostileServer, *, is_draft: bool
) -> tuple[str, str, dict[str, Any]]:
    """A live article a person edited, then a generation job after the source changed the
    same paragraph: (source id, live article id, the job's status with its conflicts)."""
    document_id, article_id = await live_article_edited_by_a_person(client, headers, site)
    site.pages[URL] = plans_page(price="$18", upgrade=THEIRS)
    await refresh(client, headers, document_id)
    (job,) = await bulk(client, headers, [document_id], isDraft=is_draft)
    assert job["conflicts"] and job["conflictDraftId"], job
    return document_id, article_id, job


async def pending(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    answer = await client.get(
        "/v2/hc-articles/public", headers=headers, params={"type": "draft", "review": "pending"}
    )
    assert answer.status_code == 200, answer.text
    return [a["id"] for a in answer.json()["articles"]]


async def dismiss(client: httpx.AsyncClient, headers: dict[str, str], article_id: str) -> None:
    answer = await client.post(f"/v2/hc-articles/{article_id}/dismiss/public", headers=headers)
    assert answer.status_code == 200, answer.text


async def test_drafts_and_no_op_records_say_which_job_wrote_them_and_why(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/kb/export"] = Page(page("Exporting invoices", "Open Billing, then Export."))
    (document_id,) = await ingest_pages(client, headers, site.url("/kb/export"))

    (added,) = await bulk(client, headers, [document_id], isDraft=True)
    (draft,) = await articles_by_id(client, headers, added["hcArticleId"])
    assert draft["generation"] == {
        "jobId": added["id"],
        "operation": "ADD_ARTICLE_TO_FOLDER",
        "reason": added["reason"],
        "sourceIds": [document_id],
        "conflicts": [],
    }
    await client.post(f"/v2/hc-articles/{draft['id']}/publish/public", headers=headers)

    (nothing,) = await bulk(client, headers, [document_id], isDraft=True)
    assert nothing["operation"] == "DO_NOTHING", nothing["reason"]
    (record,) = await articles_by_id(client, headers, nothing["hcArticleId"])
    assert record["generation"]["operation"] == "DO_NOTHING"
    assert record["generation"]["jobId"] == nothing["id"]
    assert await pending(client, headers) == [record["id"]]
    await dismiss(client, headers, record["id"])
    assert await pending(client, headers) == []


async def test_dismissing_a_conflict_beside_the_merged_live_article_settles_the_source(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    document_id, article_id, job = await conflicting_job(client, headers, site, is_draft=False)
    assert job["conflicts"] and job["conflictDraftId"] != job["hcArticleId"] == article_id
    assert await pending(client, headers) == [job["conflictDraftId"]]

    await dismiss(client, headers, job["conflictDraftId"])
    source = await document(client, headers, document_id)
    assert source["changed"] is False, "the live article holds the merge; the person chose"
    (live,) = await articles_by_id(client, headers, article_id)
    assert "| $18 |" in live["mainKnowledge"] and THEIRS not in live["mainKnowledge"]
    (again,) = await bulk(client, headers, [document_id], isDraft=False)
    assert again["operation"] == "DO_NOTHING", again["reason"]


async def test_dismissing_a_proposal_that_never_went_live_leaves_the_source_changed(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    document_id, article_id, job = await conflicting_job(client, headers, site, is_draft=True)
    assert job["conflicts"] and job["conflictDraftId"] == job["hcArticleId"] != article_id

    await dismiss(client, headers, job["conflictDraftId"])
    assert await pending(client, headers) == []
    source = await document(client, headers, document_id)
    assert source["changed"] is True, "the live article still says what the old page said"
    (live,) = await articles_by_id(client, headers, article_id)
    assert "| $15 |" in live["mainKnowledge"]


async def test_dismissing_a_draft_without_conflicts_leaves_its_source_changed(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    """A save clears ``changed`` (the contract), into a draft too; dismissing that draft gives
    the source back what the draft replaced, so it is changed again (a new article's draft,
    and an update's fork of a live article)."""
    headers = await keys.headers()
    site.pages["/kb/export"] = Page(page("Exporting invoices", "Open Billing, then Export."))
    (document_id,) = await ingest_pages(client, headers, site.url("/kb/export"))
    (added,) = await bulk(client, headers, [document_id], isDraft=True)
    assert added["operation"] == "ADD_ARTICLE_TO_FOLDER" and not added["conflicts"]
    assert (await document(client, headers, document_id))["changed"] is False, "saved"
    await dismiss(client, headers, added["hcArticleId"])
    source = await document(client, headers, document_id)
    assert source["changed"] is True, "no knowledge says what the page says"

    (live,) = await bulk(client, headers, [document_id], isDraft=False)
    assert live["operation"] == "ADD_ARTICLE_TO_FOLDER", live["reason"]
    assert (await document(client, headers, document_id))["changed"] is False
    site.pages["/kb/export"] = Page(
        page("Exporting invoices", "Open Billing, then Export.", "Exports are CSV files.")
    )
    assert (await refresh(client, headers, document_id))["changed"] is True
    (fork,) = await bulk(client, headers, [document_id], isDraft=True)
    assert fork["operation"] == "UPDATE_ARTICLE" and fork["targetArticleId"] == live["hcArticleId"]
    assert fork["hcArticleId"] != live["hcArticleId"] and not fork["conflicts"]
    assert (await document(client, headers, document_id))["changed"] is False, "saved"
    await dismiss(client, headers, fork["hcArticleId"])
    source = await document(client, headers, document_id)
    assert source["changed"] is True, "the live article still says what the old page said"
    assert source["linkedKnowledgeId"] == live["hcArticleId"]

    (again,) = await bulk(client, headers, [document_id], isDraft=True)
    assert again["operation"] == "UPDATE_ARTICLE" and again["hcArticleId"] != fork["hcArticleId"]
    published = await client.post(
        f"/v2/hc-articles/{again['hcArticleId']}/publish/public", headers=headers
    )
    assert published.status_code == 200, published.text
    assert "CSV" in published.json()["mainKnowledge"]
    assert (await document(client, headers, document_id))["changed"] is False


async def test_a_dismissed_draft_is_neither_updated_nor_taken_as_covering_a_source(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    text = ("Open Billing, then Export.", "Exports are CSV files, one row per invoice.")
    site.pages["/kb/export"] = Page(page("Exporting invoices", *text))
    site.pages["/kb/export-copy"] = Page(page("Exporting invoices", *text))
    first, copy = await ingest_pages(
        client, headers, site.url("/kb/export"), site.url("/kb/export-copy")
    )
    (added,) = await bulk(client, headers, [first], isDraft=True)
    assert added["operation"] == "ADD_ARTICLE_TO_FOLDER", added["reason"]
    await dismiss(client, headers, added["hcArticleId"])

    (again,) = await bulk(client, headers, [first], isDraft=True)
    assert again["operation"] == "ADD_ARTICLE_TO_FOLDER", again["reason"]
    assert again["targetArticleId"] is None and again["hcArticleId"] != added["hcArticleId"]
    await dismiss(client, headers, again["hcArticleId"])

    (covered,) = await bulk(client, headers, [copy], isDraft=True)
    assert covered["operation"] == "ADD_ARTICLE_TO_FOLDER", covered["reason"]
    assert covered["targetArticleId"] is None
    assert covered["hcArticleId"] not in (added["hcArticleId"], again["hcArticleId"])
    assert await pending(client, headers) == [covered["hcArticleId"]]
