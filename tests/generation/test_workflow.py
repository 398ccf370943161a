"""The contract's flows end to end: ingest → generate → poll; the changed-source refresh."""

from __future__ import annotations

import httpx

from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.generation.support import (
    all_articles,
    articles_by_id,
    bulk,
    document,
    ingest_pages,
    page,
    refresh,
)
from tests.support.hostile_server import HostileServer, Page

RESET = (
    "Open the sign-in page and choose Forgot password to receive a reset link by email.",
    "Reset links are valid for 24 hours; request a new one if yours has expired.",
    "For security, only the newest reset link works and each link works once.",
)


async def test_changed_source_refresh_workflow(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers("acme")
    site.pages["/kb/reset"] = Page(page("Reset your password", *RESET))
    (document_id,) = await ingest_pages(client, headers, site.url("/kb/reset"))

    (first,) = await bulk(client, headers, [document_id], isDraft=False)
    assert first["jobStatus"] == "COMPLETED", first["error"]
    assert first["operation"] == "ADD_ARTICLE_TO_FOLDER" and first["targetArticleId"] is None
    article_id = first["hcArticleId"]
    (article,) = await articles_by_id(client, headers, article_id)
    assert article["isDraft"] is False and article["title"] == "Reset your password"
    assert article["sourceIds"] == [document_id]
    assert "24 hours" in article["mainKnowledge"]
    assert article["questions"][0] == "How do I reset my password?"
    assert 3 <= len(article["questions"]) <= 8
    assert not article["mainKnowledge"].startswith(("# Reset your password", "Reset your password"))
    linked = await document(client, headers, document_id)
    assert linked["linkedKnowledgeId"] == article_id and linked["changed"] is False
    assert linked["linkedOperation"] == "ADD_ARTICLE_TO_FOLDER"

    site.pages["/kb/reset"] = Page(
        page("Reset your password", RESET[0], RESET[1].replace("24", "48"), RESET[2])
    )
    assert (await refresh(client, headers, document_id))["changed"] is True
    changed = await client.get("/v2/documents/public", headers=headers, params={"changed": "true"})
    assert [d["id"] for d in changed.json()["documents"]] == [document_id]

    tip = "Support tip: agents can resend the link from the admin console."
    edited = {
        **{k: article[k] for k in ("title", "questions", "keywords", "agentInstruction")},
        "mainKnowledge": article["mainKnowledge"] + "\n\n" + tip,
    }
    put = await client.put(f"/v2/hc-articles/{article_id}/public", headers=headers, json=edited)
    assert put.status_code == 200, put.text
    edited_version = put.json()["version"]

    (second,) = await bulk(
        client, headers, [document_id], isDraft=False, restrictedOps=["UPDATE_ARTICLE"]
    )
    assert second["jobStatus"] == "COMPLETED", second["error"]
    assert second["operation"] == "UPDATE_ARTICLE"
    assert second["hcArticleId"] == article_id and second["targetArticleId"] == article_id
    assert second["startedAt"] and second["completedAt"] and second["reason"]
    (updated,) = await articles_by_id(client, headers, article_id)
    assert updated["version"] == edited_version + 1
    assert "48 hours" in updated["mainKnowledge"] and "24 hours" not in updated["mainKnowledge"]
    assert tip in updated["mainKnowledge"]
    assert (await document(client, headers, document_id))["changed"] is False
    assert len(await all_articles(client, headers)) == 1

    (again,) = await bulk(client, headers, [document_id], isDraft=False)
    assert again["operation"] == "DO_NOTHING" and again["hcArticleId"] is None
    assert again["targetArticleId"] == article_id


async def test_drafts_are_reviewed_and_published(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers("acme")
    site.pages["/kb/draft"] = Page(page("Reset your password", *RESET))
    (document_id,) = await ingest_pages(client, headers, site.url("/kb/draft"))

    (added,) = await bulk(client, headers, [document_id])
    (draft,) = await articles_by_id(client, headers, added["hcArticleId"])
    assert draft["isDraft"] is True and draft["originalArticleId"] is None
    assert (await document(client, headers, document_id))["linkedKnowledgeId"] == draft["id"]
    published = await client.post(
        f"/v2/hc-articles/{draft['id']}/publish/public",
        headers=headers,
        json={k: draft[k] for k in ("title", "mainKnowledge", "questions", "keywords")},
    )
    assert published.status_code == 200, published.text
    live_id = published.json()["id"]
    assert (await document(client, headers, document_id))["linkedKnowledgeId"] == live_id

    site.pages["/kb/draft"] = Page(
        page("Reset your password", RESET[0], "Links now last two days.", RESET[2])
    )
    await refresh(client, headers, document_id)
    (update,) = await bulk(client, headers, [document_id])
    assert update["operation"] == "UPDATE_ARTICLE" and update["targetArticleId"] == live_id
    (fork,) = await articles_by_id(client, headers, update["hcArticleId"])
    assert fork["isDraft"] is True and fork["originalArticleId"] == live_id
    assert "two days" in fork["mainKnowledge"]
    (live,) = await articles_by_id(client, headers, live_id)
    assert "two days" not in live["mainKnowledge"]

    (noop,) = await bulk(client, headers, [document_id])
    assert noop["operation"] == "DO_NOTHING"
    assert noop["targetArticleId"] in (live_id, fork["id"])


async def test_what_the_source_no_longer_says_leaves_its_article(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/kb/removed"] = Page(page("Reset your password", *RESET))
    (document_id,) = await ingest_pages(client, headers, site.url("/kb/removed"))
    (first,) = await bulk(client, headers, [document_id], isDraft=False)
    site.pages["/kb/removed"] = Page(page("Reset your password", RESET[0], RESET[2]))
    assert (await refresh(client, headers, document_id))["changed"] is True

    (second,) = await bulk(client, headers, [document_id], isDraft=False)
    assert second["operation"] == "UPDATE_ARTICLE", second["reason"]
    (article,) = await articles_by_id(client, headers, first["hcArticleId"])
    assert "24 hours" not in article["mainKnowledge"]
    assert RESET[0] in article["mainKnowledge"] and RESET[2] in article["mainKnowledge"]
