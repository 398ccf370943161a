"""Listing with keyset pagination and filters, the changed flag, deletion, link crawling."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from kbsmith.db.database import Database
from kbsmith.jobs.worker import Worker
from kbsmith.knowledge import articles, folders
from kbsmith.knowledge.content import ArticleContent
from kbsmith.sources import service as sources
from kbsmith.workspaces import service as workspaces
from tests.conftest import Keys
from tests.sources.conftest import settled
from tests.sources.test_ingestion import ARTICLE, ingest
from tests.support.hostile_server import HostileServer, Page


async def list_all(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str | int
) -> list[dict[str, Any]]:
    response = await client.get("/v2/documents/public", headers=headers, params=params)
    assert response.status_code == 200, response.text
    documents: list[dict[str, Any]] = response.json()["documents"]
    return documents


async def test_keyset_pages_walk_forward_and_back(client: httpx.AsyncClient, keys: Keys) -> None:
    headers = await keys.headers()
    urls = [f"http://help.example/page/{n}" for n in range(23)]
    await ingest(client, headers, *urls)
    everything = await list_all(client, headers, limit=500)
    assert len(everything) == 23
    order = [(d["updatedAt"], d["id"]) for d in everything]
    assert order == sorted(order, reverse=True)

    pages, cursor = [], None
    while True:
        params: dict[str, str | int] = {"limit": 10}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get("/v2/documents/public", headers=headers, params=params)).json()
        pages.append([d["id"] for d in body["documents"]])
        if not body["hasMore"]:
            break
        cursor = body["documents"][-1]["id"]
    assert [len(p) for p in pages] == [10, 10, 3]
    assert [i for page in pages for i in page] == [d["id"] for d in everything]

    back = (
        await client.get(
            "/v2/documents/public",
            headers=headers,
            params={"limit": 10, "cursor": pages[2][0], "direction": "previous"},
        )
    ).json()
    assert [d["id"] for d in back["documents"]] == pages[1] and back["hasMore"] is True


async def test_list_parameters_are_validated(client: httpx.AsyncClient, keys: Keys) -> None:
    headers = await keys.headers()
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"cursor": "x"}, "cursor"),
        ({"direction": "sideways"}, "direction"),
        ({"source": "fax"}, "source"),
        ({"cursor": str(uuid.uuid4())}, "cursor"),
    ):
        response = await client.get("/v2/documents/public", headers=headers, params=params)
        assert response.status_code == 400, params
        assert field in response.json()["message"], response.json()


async def test_filters(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers()
    site.pages["/filters/reset"] = Page(ARTICLE)
    site.pages["/filters/billing"] = Page(
        ARTICLE.replace(b"Reset your password", b"Update billing_details 100%")
    )
    answer = await ingest(client, headers, site.url("/filters/reset"), site.url("/filters/billing"))
    reset_id, billing_id = answer.json()["addedDocumentIds"]
    for document_id in (reset_id, billing_id):
        await settled(client, headers, document_id)
    await client.post(
        "/v2/documents/public",
        headers=headers,
        json={"documentIdsToAdd": ["http://other.example/x"], "english": False},
    )

    def ids(documents: list[dict[str, Any]]) -> set[object]:
        return {d["id"] for d in documents}

    assert ids(await list_all(client, headers, title="RESET YOUR")) == {reset_id}
    assert ids(await list_all(client, headers, title="billing_")) == {billing_id}
    assert ids(await list_all(client, headers, title="100%")) == {billing_id}
    assert ids(await list_all(client, headers, title="_")) == {billing_id}
    assert ids(await list_all(client, headers, url="/filters/")) == {reset_id, billing_id}
    assert ids(await list_all(client, headers, id=reset_id)) == {reset_id}
    assert len(await list_all(client, headers, english="false")) == 1
    assert len(await list_all(client, headers, source="web")) == 3
    assert await list_all(client, headers, source="notion") == []


async def test_changed_follows_linked_knowledge(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker, db: Database
) -> None:
    headers = await keys.headers("acme")
    site.pages["/changed/page"] = Page(ARTICLE)
    (document_id,) = (await ingest(client, headers, site.url("/changed/page"))).json()[
        "addedDocumentIds"
    ]
    await settled(client, headers, document_id)
    article_id = await generate_article_by_hand(db, "acme", uuid.UUID(document_id))

    linked = (await client.get(f"/v2/documents/public/{document_id}", headers=headers)).json()
    assert linked["linkedKnowledgeId"] == str(article_id) and linked["changed"] is False
    assert await list_all(client, headers, changed="true") == []

    site.pages["/changed/page"] = Page(ARTICLE.replace(b"ten minutes", b"fifteen minutes"))
    await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
    )
    refreshed = await settled(client, headers, document_id)
    assert refreshed["changed"] is True
    assert [d["id"] for d in await list_all(client, headers, changed="true")] == [document_id]
    assert [
        d["id"] for d in await list_all(client, headers, linkedKnowledgeId=str(article_id))
    ] == [document_id]

    await client.post(
        "/v2/documents/public/refresh", headers=headers, json={"documentIds": [document_id]}
    )
    assert (await settled(client, headers, document_id))["changed"] is True  # same new content


async def generate_article_by_hand(db: Database, workspace: str, source_id: uuid.UUID) -> uuid.UUID:
    """What a generation job does on save, through the service layer."""
    async with db.write() as session:
        owner = await workspaces.get_or_create_workspace(session, workspace)
        folder = await folders.create_folder(session, owner.id, title="Help", description="")
        article = await articles.create_article(
            session,
            owner.id,
            ArticleContent(
                title="Reset your password",
                main_knowledge="Use the reset link.",
                questions=["How do I reset my password?"],
                keywords=["password"],
            ),
            parent_folder_id=folder.id,
            source_ids=[source_id],
        )
        await sources.mark_generated(session, owner.id, [source_id])
        return article.id


async def test_delete_with_and_without_articles(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker, db: Database
) -> None:
    headers = await keys.headers("acme")
    other = await keys.headers("other")
    site.pages["/delete/a"] = Page(ARTICLE)
    site.pages["/delete/b"] = Page(ARTICLE.replace(b"password", b"passphrase"))
    a_id, b_id = (
        await ingest(client, headers, site.url("/delete/a"), site.url("/delete/b"))
    ).json()["addedDocumentIds"]
    for document_id in (a_id, b_id):
        await settled(client, headers, document_id)
    article_id = await generate_article_by_hand(db, "acme", uuid.UUID(b_id))

    refused = await client.request(
        "DELETE", "/v2/documents/public", headers=other, json={"documentIds": [a_id]}
    )
    assert refused.status_code == 400
    assert (await client.get(f"/v2/documents/public/{a_id}", headers=headers)).status_code == 200

    kept = await client.request(
        "DELETE", "/v2/documents/public", headers=headers, json={"documentIds": [a_id]}
    )
    assert kept.status_code == 200
    assert kept.json() == {
        "deletedDocuments": [
            {"id": a_id, "title": "Reset your password", "originalUrl": site.url("/delete/a")}
        ],
        "deletedArticles": [],
    }
    assert (await client.get(f"/v2/documents/public/{a_id}", headers=headers)).status_code == 404

    both = await client.request(
        "DELETE",
        "/v2/documents/public",
        headers=headers,
        json={"documentIds": [b_id], "deleteArticles": True},
    )
    assert both.status_code == 200, both.text
    (deleted_article,) = both.json()["deletedArticles"]
    assert (
        deleted_article["id"] == str(article_id)
        and deleted_article["title"] == "Reset your password"
    )
    assert deleted_article["parentFolderId"]
    gone = await client.post(
        "/v2/hc-articles/ids/public", headers=headers, json={"articleIds": [str(article_id)]}
    )
    assert gone.json() == []


async def test_crawl_links_discovers_same_site_pages(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer
) -> None:
    headers = await keys.headers()
    site.pages["/crawl/index"] = Page(
        b'<html><body><a href="/crawl/one">One</a> <a href="two?utm_source=x#frag">Two</a>'
        b' <a href="https://elsewhere.example/">Away</a> <a href="/private/secret">Hidden</a>'
        b' <a href="/crawl/logo.png">Logo</a></body></html>'
    )
    site.pages["/crawl/one"] = Page(b'<html><body><a href="/crawl/three">Three</a></body></html>')
    site.pages["/crawl/two"] = Page(b"<html><body>two</body></html>")
    site.pages["/crawl/three"] = Page(b"<html><body>three</body></html>")
    response = await client.post(
        "/v2/documents/public/deep-crawl/links",
        headers=headers,
        json={"links": [site.url("/crawl/index")], "limit": 10},
    )
    assert response.status_code == 200, response.text
    found = response.json()["data"]
    assert found[0] == site.url("/crawl/index")
    assert {site.url("/crawl/one"), site.url("/crawl/two"), site.url("/crawl/three")} <= set(found)
    assert not any("elsewhere" in u or "private" in u or u.endswith(".png") for u in found)
    assert response.json()["message"]
    assert (await list_all(client, headers)) == []

    limited = await client.post(
        "/v2/documents/public/deep-crawl/links",
        headers=headers,
        json={"links": [site.url("/crawl/index")], "limit": 2},
    )
    assert len(limited.json()["data"]) == 2
    bodies: list[dict[str, Any]] = [{"links": []}, {"links": ["not a url"]}, {}]
    for body in bodies:
        bad = await client.post("/v2/documents/public/deep-crawl/links", headers=headers, json=body)
        assert bad.status_code == 400 and "links" in bad.json()["message"]
