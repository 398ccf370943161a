"""A person's edit and later source changes, end to end: nothing the source changes is lost,
and a real conflict waits for a reviewer in a draft while the source stays changed."""

from __future__ import annotations

from typing import Any

import httpx

from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.generation.support import (
    articles_by_id,
    bulk,
    document,
    ingest_pages,
    refresh,
)
from tests.support.hostile_server import HostileServer, Page

BILLING = "Every plan is billed monthly and can be cancelled at any time from the billing page."
CHOOSE = "Choose the plan that fits your team; you can change plans whenever you like."
UPGRADE = "Upgrades take effect at once and are prorated for the rest of the month."
REFUND = "Refunds are issued to the original payment method within ten business days."
EDITED = "Upgrades take effect immediately and are prorated; our agents can backdate them."
URL = "/kb/plans"


def plans_page(price: str = "$15", choose: str = CHOOSE, upgrade: str = UPGRADE) -> Page:
    table = (
        "<table><thead><tr><th>Plan</th><th>Price per month</th></tr></thead><tbody>"
        f"<tr><td>Basic</td><td>{price}</td></tr><tr><td>Pro</td><td>$40</td></tr>"
        "</tbody></table>"
    )
    body = f"<p>{BILLING}</p><p>{choose}</p>{table}<p>{upgrade}</p><p>{REFUND}</p>"
    return Page(
        (
            "<!doctype html><html><head><title>Plans and prices | Acme Help</title></head><body>"
            f"<main><article><h1>Plans and prices</h1>{body}</article></main></body></html>"
        ).encode()
    )


async def live_article_edited_by_a_person(
    client: httpx.AsyncClient, headers: dict[str, str], site: HostileServer
) -> tuple[str, str]:
    """A live article generated from the page, whose upgrade paragraph a person rewrote."""
    site.pages[URL] = plans_page()
    (document_id,) = await ingest_pages(client, headers, site.url(URL))
    (added,) = await bulk(client, headers, [document_id], isDraft=False)
    assert added["operation"] == "ADD_ARTICLE_TO_FOLDER", added["error"]
    article_id: str = added["hcArticleId"]
    (article,) = await articles_by_id(client, headers, article_id)
    assert UPGRADE in article["mainKnowledge"] and "| $15 |" in article["mainKnowledge"]
    edited = {
        **{k: article[k] for k in ("title", "questions", "keywords", "agentInstruction")},
        "mainKnowledge": article["mainKnowledge"].replace(UPGRADE, EDITED),
    }
    put = await client.put(f"/v2/hc-articles/{article_id}/public", headers=headers, json=edited)
    assert put.status_code == 200, put.text
    return document_id, article_id


async def regenerate(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    site: HostileServer,
    document_id: str,
    page: Page,
) -> dict[str, Any]:
    site.pages[URL] = page
    assert (await refresh(client, headers, document_id))["changed"] is True
    (job,) = await bulk(
        client, headers, [document_id], isDraft=False, restrictedOps=["UPDATE_ARTICLE"]
    )
    assert job["jobStatus"] == "COMPLETED", job["error"]
    assert job["operation"] == "UPDATE_ARTICLE"
    return job


async def test_a_source_change_next_to_a_persons_edit_is_applied(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    document_id, article_id = await live_article_edited_by_a_person(client, headers, site)

    job = await regenerate(client, headers, site, document_id, plans_page(price="$18"))
    assert job["hcArticleId"] == article_id and job["targetArticleId"] == article_id
    assert "person" not in job["reason"] and job["conflicts"] == []
    assert job["conflictDraftId"] is None
    (article,) = await articles_by_id(client, headers, article_id)
    assert "| $18 |" in article["mainKnowledge"] and "$15" not in article["mainKnowledge"]
    assert EDITED in article["mainKnowledge"] and UPGRADE not in article["mainKnowledge"]
    assert (await document(client, headers, document_id))["changed"] is False

    choose = "Pick the plan that fits your team; plans can change whenever you like, for free."
    job = await regenerate(
        client, headers, site, document_id, plans_page(price="$18", choose=choose)
    )
    assert job["conflicts"] == []
    (article,) = await articles_by_id(client, headers, article_id)
    assert choose in article["mainKnowledge"] and CHOOSE not in article["mainKnowledge"]
    assert EDITED in article["mainKnowledge"] and "| $18 |" in article["mainKnowledge"]
    assert (await document(client, headers, document_id))["changed"] is False


async def test_a_conflict_keeps_the_edit_and_waits_in_a_draft_with_the_source_changed(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    document_id, article_id = await live_article_edited_by_a_person(client, headers, site)
    theirs = "Upgrades take effect at the next billing cycle and are not prorated."

    job = await regenerate(
        client, headers, site, document_id, plans_page(price="$18", upgrade=theirs)
    )
    assert job["hcArticleId"] == article_id
    assert job["conflicts"] == [{"ours": EDITED, "theirs": theirs, "base": UPGRADE}]
    assert "changed both by a person and at the source" in job["reason"]
    (live,) = await articles_by_id(client, headers, article_id)
    assert EDITED in live["mainKnowledge"] and theirs not in live["mainKnowledge"]
    assert "| $18 |" in live["mainKnowledge"]
    (draft,) = await articles_by_id(client, headers, job["conflictDraftId"])
    assert draft["isDraft"] is True and draft["originalArticleId"] == article_id
    assert theirs in draft["mainKnowledge"] and EDITED not in draft["mainKnowledge"]
    assert "| $18 |" in draft["mainKnowledge"]
    assert draft["generation"]["conflicts"] == job["conflicts"]
    assert draft["generation"]["sourceIds"] == [document_id]
    assert draft["generation"]["operation"] == "UPDATE_ARTICLE"
    source = await document(client, headers, document_id)
    assert source["changed"] is True and source["linkedKnowledgeId"] == article_id

    (again,) = await bulk(
        client, headers, [document_id], isDraft=False, restrictedOps=["UPDATE_ARTICLE"]
    )
    assert again["conflictDraftId"] == draft["id"], "the pending draft is reused"
    assert (await document(client, headers, document_id))["changed"] is True

    published = await client.post(
        f"/v2/hc-articles/{draft['id']}/publish/public",
        headers=headers,
        json={k: draft[k] for k in ("title", "mainKnowledge", "questions", "keywords")},
    )
    assert published.status_code == 200, published.text
    assert theirs in published.json()["mainKnowledge"]
    source = await document(client, headers, document_id)
    assert source["changed"] is False and source["linkedKnowledgeId"] == article_id

    (settled,) = await bulk(client, headers, [document_id], isDraft=False)
    assert settled["operation"] == "DO_NOTHING", settled["reason"]


async def test_a_conflict_in_a_draft_update_puts_the_sources_version_in_the_fork(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    document_id, article_id = await live_article_edited_by_a_person(client, headers, site)
    theirs = "Upgrades take effect at the next billing cycle and are not prorated."
    site.pages[URL] = plans_page(price="$18", upgrade=theirs)
    await refresh(client, headers, document_id)

    (job,) = await bulk(client, headers, [document_id], restrictedOps=["UPDATE_ARTICLE"])
    assert job["jobStatus"] == "COMPLETED", job["error"]
    assert job["conflicts"] == [{"ours": EDITED, "theirs": theirs, "base": UPGRADE}]
    assert job["conflictDraftId"] == job["hcArticleId"] != article_id
    (fork,) = await articles_by_id(client, headers, job["hcArticleId"])
    assert fork["originalArticleId"] == article_id and fork["generation"]["conflicts"]
    assert theirs in fork["mainKnowledge"] and "| $18 |" in fork["mainKnowledge"]
    (live,) = await articles_by_id(client, headers, article_id)
    assert EDITED in live["mainKnowledge"] and "| $15 |" in live["mainKnowledge"]
    assert (await document(client, headers, document_id))["changed"] is True

    published = await client.post(f"/v2/hc-articles/{fork['id']}/publish/public", headers=headers)
    assert published.status_code == 200, published.text
    source = await document(client, headers, document_id)
    assert source["changed"] is False and source["linkedKnowledgeId"] == article_id
