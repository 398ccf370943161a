"""A small client for the knowledge routes, so tests read as what they check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from kbsmith.api.app import create_app
from kbsmith.db.database import Database
from kbsmith.settings import Settings
from tests.conftest import Keys

JSON = dict[str, Any]


def article_body(folder_id: str, **overrides: Any) -> JSON:
    body: JSON = {
        "title": "Canceling your subscription",
        "mainKnowledge": "Customers can cancel from Billing in the dashboard.",
        "agentInstruction": "Use this only for self-serve web plans.",
        "questions": ["How do I cancel?"],
        "keywords": ["cancel", "billing"],
        "escalation": False,
        "parentFolderId": folder_id,
    }
    return body | overrides


def content_body(**overrides: Any) -> JSON:
    body = article_body("")
    del body["parentFolderId"]
    return body | overrides


def assert_error(response: httpx.Response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"statusCode", "error", "message"}
    assert body["statusCode"] == status
    for fragment in fragments:
        assert fragment in body["message"], body


class Kb:
    """One workspace seen through its key."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def call(self, method: str, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        headers = self.headers | kwargs.pop("headers", {})
        return await self.client.request(method, path, json=json, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, json: Any = None, **kwargs: Any) -> Any:
        response = await self.call(method, path, json, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    async def folder(self, title: str = "Billing", parent: str | None = None, **extra: Any) -> JSON:
        body = {"title": title, "parentFolderId": parent} | extra
        created: JSON = await self.ok("POST", "/v2/hc-folders/public", body)
        return created

    async def article(self, folder_id: str, **overrides: Any) -> JSON:
        body = article_body(folder_id, **overrides)
        created: JSON = await self.ok("POST", "/v2/hc-articles/public", body)
        return created

    async def bot(self, name: str = "Support bot") -> JSON:
        created: JSON = await self.ok("POST", "/v2/bots/public", {"name": name})
        return created

    async def by_ids(self, *ids: str) -> list[JSON]:
        found: list[JSON] = await self.ok(
            "POST", "/v2/hc-articles/ids/public", {"articleIds": list(ids)}
        )
        return found

    async def one(self, article_id: str) -> JSON:
        (found,) = await self.by_ids(article_id)
        return found

    async def snapshot(self, bot_id: str | None = None) -> JSON:
        params = {"botId": bot_id} if bot_id else {}
        found: JSON = await self.ok("GET", "/v2/hc-folders/public", params=params)
        return found

    async def junction(self, bot_id: str, folder_id: str, action: str = "ADD") -> None:
        body = {"junctions": [{"botId": bot_id, "folderId": folder_id, "action": action}]}
        assert await self.ok("POST", "/v2/hc-bot-folder-junctions/public", body) == {"status": True}


@pytest.fixture
async def kb(client: httpx.AsyncClient, keys: Keys) -> Kb:
    return Kb(client, await keys.headers("acme"))


@pytest.fixture
async def roomy(settings: Settings, db: Database, keys: Keys) -> AsyncIterator[Kb]:
    """The workspace of ``kb`` through an app that takes bodies big enough to reach the
    bounds of articles and id arrays."""
    app = create_app(settings.model_copy(update={"max_body_bytes": 1_000_000}), db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kbsmith.test") as http:
        yield Kb(http, await keys.headers("acme"))


@pytest.fixture
async def other(client: httpx.AsyncClient, keys: Keys) -> Kb:
    """A second workspace, to check that ids never cross workspaces."""
    return Kb(client, await keys.headers("globex"))
