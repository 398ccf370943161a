"""A console user: a browser-like HTTP client signed in with a key of the ``acme`` workspace;
for the browser tests, the local web server and in-process workers of the source tests."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from kbsmith.workspaces.service import Scope
from tests.conftest import Keys
from tests.knowledge.conftest import Kb
from tests.sources.conftest import app, settings, site, workers

__all__ = ["app", "settings", "site", "workers"]

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Console:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def sign_in(self, key: str) -> httpx.Response:
        return await self.client.post("/ui/sign-in", data={"key": key}, headers=self.origin)

    @property
    def origin(self) -> dict[str, str]:
        return {"Origin": str(self.client.base_url).rstrip("/")}

    async def page(self, path: str, **params: Any) -> str:
        answer = await self.client.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.text

    async def csrf(self, path: str = "/ui/queue") -> str:
        found = CSRF.search(await self.page(path))
        assert found is not None
        return found.group(1)

    async def post(self, path: str, data: dict[str, Any], *, token: bool = True) -> httpx.Response:
        body = {"csrf": await self.csrf()} | data if token else data
        return await self.client.post(path, data=body, headers=self.origin)


@pytest.fixture
async def console(app: Any, keys: Keys) -> Console:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://kbsmith.test")
    signed = Console(client)
    answer = await signed.sign_in(await keys.create("acme"))
    assert answer.status_code == 303, answer.text
    return signed


@pytest.fixture
async def reader(app: Any, keys: Keys) -> Console:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://kbsmith.test")
    signed = Console(client)
    answer = await signed.sign_in(await keys.create("acme", Scope.READ))
    assert answer.status_code == 303, answer.text
    return signed


@pytest.fixture
async def kb(client: httpx.AsyncClient, keys: Keys) -> Kb:
    return Kb(client, await keys.headers("acme"))
