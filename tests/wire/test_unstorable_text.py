"""No text a database cannot store reaches it: NUL (PostgreSQL refuses it in text) or a lone
surrogate (no UTF-8 for it) in any body field, query filter or form field is a 400 naming
the field, the same on SQLite and PostgreSQL; so are URLs that ingestion refuses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Keys
from tests.knowledge.conftest import JSON, article_body, assert_error

NUL = "\x00"


async def a_folder(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    created = await client.post("/v2/hc-folders/public", headers=headers, json={"title": "Help"})
    assert created.status_code == 200, created.text
    folder_id: str = created.json()["id"]
    return folder_id


def bodies(folder_id: str) -> list[tuple[str, str, JSON, str]]:
    """(method, path, body, the field the 400 must name)."""
    url = "https://kbsmith.invalid/help"
    return [
        ("POST", "/v2/bots/public", {"name": f"Support{NUL}bot"}, "name"),
        ("POST", "/v2/hc-folders/public", {"title": f"Billing{NUL}"}, "title"),
        ("POST", "/v2/hc-folders/public", {"title": "B", "description": NUL}, "description"),
        ("PUT", f"/v2/hc-folders/{folder_id}/public", {"title": f"A{NUL}B"}, "title"),
        ("POST", "/v2/hc-articles/public", article_body(folder_id, title=f"T{NUL}"), "title"),
        (
            "POST",
            "/v2/hc-articles/public",
            article_body(folder_id, mainKnowledge=f"Body {NUL} text."),
            "mainKnowledge",
        ),
        (
            "POST",
            "/v2/hc-articles/public",
            article_body(folder_id, questions=[f"How{NUL}?"]),
            "questions",
        ),
        ("POST", "/v2/documents/public", {"documentIdsToAdd": [f"{url}{NUL}"]}, "documentIdsToAdd"),
        (
            "POST",
            "/v2/documents/public/deep-crawl/links",
            {"links": ["http://u@host.test/"]},
            "links",
        ),
        (
            "POST",
            "/v2/documents/public/deep-crawl/links",
            {"links": ["http://host.test:99999/"]},
            "links",
        ),
    ]


@pytest.mark.parametrize("case", range(10))
async def test_a_body_field_that_cannot_be_stored_is_a_400_naming_it(
    client: httpx.AsyncClient, keys: Keys, case: int
) -> None:
    headers = await keys.headers()
    method, path, body, field = bodies(await a_folder(client, headers))[case]
    response = await client.request(method, path, headers=headers, json=body)
    assert_error(response, 400, field)


@pytest.mark.parametrize("field", ["title", "url", "source"])
async def test_a_query_filter_with_nul_is_a_400_naming_it(
    client: httpx.AsyncClient, keys: Keys, field: str
) -> None:
    headers = await keys.headers()
    response = await client.get("/v2/documents/public", headers=headers, params={field: f"a{NUL}"})
    assert_error(response, 400, field)


async def test_a_lone_surrogate_is_a_400_naming_the_field(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers() | {"content-type": "application/json"}
    raw = b'{"name": "Support \\ud800 bot"}'  # valid JSON, no valid UTF-8 for it
    assert_error(await client.post("/v2/bots/public", headers=headers, content=raw), 400, "name")


async def test_an_uploaded_file_name_or_csv_with_nul_is_a_400(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers()
    boundary = "kbsmith-boundary"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="notes{NUL}.txt"\r\nContent-Type: text/plain\r\n\r\nSome notes.\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    upload = await client.post(
        "/v2/documents/public/files",
        headers=headers | {"content-type": f"multipart/form-data; boundary={boundary}"},
        content=multipart,
    )
    assert_error(upload, 400, "file")
    csv: Any = ("folders.csv", f"path,description\nBilling{NUL},Invoices\n".encode(), "text/csv")
    persisted = await client.post(
        "/v2/knowledge/public/tree/persist", headers=headers, files={"file": csv}
    )
    assert_error(persisted, 400, "file")


async def test_stored_text_with_ordinary_characters_still_passes(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers()
    folder_id = await a_folder(client, headers)
    body = article_body(folder_id, title="Caf\u00e9 \U0001f600 opening hours")
    created = await client.post("/v2/hc-articles/public", headers=headers, json=body)
    assert created.status_code == 200, created.text
    assert created.json()["title"] == "Caf\u00e9 \U0001f600 opening hours"
