"""A fetched page holding NUL and other control characters ingests clean, and its article is
generated and saved on both databases (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import httpx

from kbsmith.jobs.worker import Worker
from tests.conftest import Keys
from tests.generation.support import articles_by_id, bulk, document, ingest_pages, page
from tests.support.hostile_server import HostileServer, Page


async def test_a_page_with_nul_is_cleaned_and_generates_an_article(
    client: httpx.AsyncClient, keys: Keys, site: HostileServer, workers: Worker
) -> None:
    headers = await keys.headers("acme")
    site.pages["/kb/nul"] = Page(
        page(
            "Export\x00 your\x01 invoices",
            "Open Billing and choose Export\x00 to download every invoice as a CSV file.",
            "Exports\x1b cover the last twelve months; older invoices are sent by email.",
        )
    )
    (document_id,) = await ingest_pages(client, headers, site.url("/kb/nul"))
    ingested = await document(client, headers, document_id)
    text = ingested["title"] + "".join(ingested["paragraphs"])
    assert "choose Export to download" in text
    assert not any(ord(c) < 0x20 and c != "\n" for c in text), text

    (job,) = await bulk(client, headers, [document_id], isDraft=False)
    assert job["jobStatus"] == "COMPLETED", job["error"]
    (article,) = await articles_by_id(client, headers, job["hcArticleId"])
    assert "\x00" not in article["title"] + article["mainKnowledge"]
