"""Confluence Data Center / Server: REST API under /rest/api, offset paging, a personal token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kbsmith.connectors.base import DeletedUpstream
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

API_ROOT = "/rest/api/"
LIMIT = 100
ANY_STATUS = {"status": "any"}
"""Ask for trashed content too, so a trashed page is told apart from a missing one."""


class DataCenterApi:
    def __init__(
        self, site: str, personal_access_token: str, api_base: str, policy: FetchPolicy
    ) -> None:
        self._web_root = site
        self._http = ProviderHttp(
            "Confluence",
            api_base,
            policy,
            headers={"Authorization": f"Bearer {personal_access_token}"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def check(self) -> None:
        await json_object(self._http, f"{API_ROOT}space", params={"limit": 1})

    async def spaces(self) -> list[Space]:
        found = await self._every("space", {})
        return [space_from(item, self._web_root, "/display/{key}") for item in found]

    async def pages(self, space: Space) -> list[PageInfo]:
        params = {"spaceKey": space.key, "type": "page", "status": "current", "expand": "version"}
        return [
            page_info_from(item, self._web_root) for item in await self._every("content", params)
        ]

    async def page(self, page_id: str) -> PageContent:
        item = await json_object(
            self._http,
            f"{API_ROOT}content/{numeric_id(page_id)}",
            params={"expand": "body.storage,version", **ANY_STATUS},
        )
        return page_content_from(item, self._web_root)

    async def current_ids(self, page_ids: Sequence[str]) -> set[str]:
        """Data Center has no batch lookup: one cheap call per page."""
        found: set[str] = set()
        for page_id in page_ids:
            path = f"{API_ROOT}content/{numeric_id(page_id)}"
            try:
                item = await json_object(self._http, path, params=ANY_STATUS)
            except DeletedUpstream:
                continue
            if item.get("status", "current") == "current":
                found.add(page_id)
        return found

    async def _every(self, path: str, params: dict[str, Any]) -> list[Json]:
        return await every_result(
            self._http, f"{API_ROOT}{path}", {**params, "limit": LIMIT}, API_ROOT
        )
