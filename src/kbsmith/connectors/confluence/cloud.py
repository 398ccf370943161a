"""Confluence Cloud: REST API v2 under /wiki/api/v2, cursor paging, basic auth with an API token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from kbsmith.connectors.confluence.api import (
    Json,
    PageContent,
    PageInfo,
    Space,
    every_result,
    json_object,
    numeric_id,
    page_content_from,
    page_info_from,
    space_from,
)
from kbsmith.connectors.http import ProviderHttp
from kbsmith.fetching import FetchPolicy

API_ROOT = "/wiki/api/v2/"
LIMIT = 250
"""The largest page of results the v2 API hands out."""


class CloudApi:
    def __init__(
        self, site: str, email: str, api_token: str, api_base: str, policy: FetchPolicy
    ) -> None:
        self._web_root = f"{site}/wiki"
        self._http = ProviderHttp(
            "Confluence", api_base, policy, auth=httpx.BasicAuth(email, api_token)
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def check(self) -> None:
        await json_object(self._http, f"{API_ROOT}spaces", params={"limit": 1})

    async def spaces(self) -> list[Space]:
        found = await self._every("spaces", {"status": "current"})
        return [space_from(item, self._web_root, "/spaces/{key}") for item in found]

    async def pages(self, space: Space) -> list[PageInfo]:
        path = f"spaces/{numeric_id(space.id, 'space')}/pages"
        found = await self._every(path, {"status": "current"})
        return [page_info_from(item, self._web_root) for item in found]

    async def page(self, page_id: str) -> PageContent:
        path = f"{API_ROOT}pages/{numeric_id(page_id)}"
        item = await json_object(self._http, path, params={"body-format": "storage"})
        return page_content_from(item, self._web_root)

    async def current_ids(self, page_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        ids = [numeric_id(i) for i in page_ids]
        for start in range(0, len(ids), LIMIT):
            batch = ",".join(ids[start : start + LIMIT])
            items = await self._every("pages", {"id": batch, "status": "current"})
            found.update(str(item.get("id")) for item in items)
        return found

    async def _every(self, path: str, params: dict[str, Any]) -> list[Json]:
        return await every_result(
            self._http, f"{API_ROOT}{path}", {**params, "limit": LIMIT}, API_ROOT
        )
