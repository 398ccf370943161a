"""First-time tree: a CSV proposal to download, edit and persist."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from kbsmith.generation.tree import url_sections
from tests.conftest import Keys


async def folders_by_path(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    snapshot = (await client.get("/v2/hc-folders/public", headers=headers)).json()["snapshotObjV2"]
    found: dict[str, str] = {}

    def walk(nodes: list[dict[str, Any]], prefix: str) -> None:
        for node in nodes:
            path = f"{prefix}{node['title']}"
            found[path] = str(node["id"])
            walk(node["children"], f"{path}/")

    walk(snapshot, "")
    return found


async def test_initialize_proposes_topics_and_persist_creates_them_once(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers()
    existing = (
        await client.post("/v2/hc-folders/public", headers=headers, json={"title": "Billing"})
    ).json()
    answer = await client.post(
        "/v2/knowledge/public/tree/initialize",
        headers=headers,
        json={
            "initPrompt": "We sell software. Our help center covers billing, accounts and security."
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {r["path"] for r in rows} == {"Billing", "Accounts", "Security"}

    edited = answer.text + "Security/Two-factor authentication,Codes and recovery\n"
    persisted = await client.post(
        "/v2/knowledge/public/tree/persist",
        headers=headers,
        files={"file": ("folders.csv", edited.encode(), "text/csv")},
    )
    assert persisted.status_code == 200, persisted.text
    assert persisted.json() == {"status": "success", "message": "created 3 folders, reused 1"}
    paths = await folders_by_path(client, headers)
    assert paths["Billing"] == existing["id"]
    assert {"Accounts", "Security", "Security/Two-factor authentication"} <= set(paths)

    again = await client.post(
        "/v2/knowledge/public/tree/persist",
        headers=headers,
        files={"file": ("folders.csv", edited.encode(), "text/csv")},
    )
    assert again.json()["message"] == "created 0 folders, reused 4"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"name,notes\nBilling,x\n", "line 1"),
        (b"path,description\nBilling,x\n/Empty,\n", "line 3"),
        (b"path,description\nBilling,x,extra\n", "line 2"),
        (b"path,description\n\xff\xfe,x\n", "UTF-8"),
        (b"", "line 1"),
    ],
)
async def test_malformed_csv_is_a_400_naming_the_line(
    client: httpx.AsyncClient, keys: Keys, content: bytes, fragment: str
) -> None:
    headers = await keys.headers()
    response = await client.post(
        "/v2/knowledge/public/tree/persist",
        headers=headers,
        files={"file": ("folders.csv", content, "text/csv")},
    )
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]
    assert await folders_by_path(client, headers) == {}


async def test_persist_requires_the_file_and_initialize_the_prompt(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    headers = await keys.headers()
    missing = await client.post(
        "/v2/knowledge/public/tree/persist", headers=headers, files={"other": ("x", b"y")}
    )
    assert missing.status_code == 400 and "file" in missing.json()["message"]
    empty = await client.post(
        "/v2/knowledge/public/tree/initialize", headers=headers, json={"initPrompt": " "}
    )
    assert empty.status_code == 400 and "initPrompt" in empty.json()["message"]


@pytest.mark.parametrize(
    ("urls", "sections"),
    [
        # what every page of the site shares is no section: locale, version, "hc"
        (
            [
                "https://docs.acme.com/en/latest/billing/invoices.html",
                "https://docs.acme.com/en/latest/billing/refunds.html",
                "https://docs.acme.com/en/latest/account/password.html",
                "https://docs.acme.com/en/latest/index.html",
                "https://docs.acme.com/",  # index pages: no end to what the pages share
                "https://docs.acme.com/en/?lang=en",
            ],
            {"Billing": 2, "Account": 1},
        ),
        (
            [
                "https://acme.zendesk.com/hc/en-us/articles/1-Reset-password",
                "https://acme.zendesk.com/hc/en-us/articles/2-Cancel-plan",
            ],
            {},
        ),
        (
            [
                "https://acme.com/help/getting-started/install",
                "https://acme.com/help/getting_started/sign-in",
                "https://acme.com/help/billing/plans",
                "https://blog.acme.com/2024/news/launch",
                "https://blog.acme.com/2025/news/update",
            ],
            {"Getting started": 2, "Billing": 1, "2024": 1, "2025": 1},
        ),
        (["https://acme.com/help/billing/plans"], {}),  # one page: no site to compare
    ],
)
def test_sections_are_where_a_sites_pages_part(urls: list[str], sections: dict[str, int]) -> None:
    assert dict(url_sections(urls)) == sections
