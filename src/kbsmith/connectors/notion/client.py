"""The Notion REST API calls kbsmith makes, with Notion's cursor paging."""

from __future__ import annotations

import re
from typing import Any

from kbsmith.connectors.base import ConnectorError
from kbsmith.connectors.http import ProviderHttp
from kbsmith.fetching import FetchPolicy

NOTION_API = "https://api.notion.com"
NOTION_VERSION = "2022-06-28"
REQUEST_INTERVAL = 1 / 3
"""Notion allows an average of three requests a second per integration."""
PAGE_SIZE = 100
MAX_LIST_PAGES = 1000
"""A bound on cursor pages per listing, in case a server keeps answering has_more."""
_NOTION_ID = re.compile(r"^[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")

Json = dict[str, Any]


class NotionClient:
    def __init__(self, token: str, base_url: str | None, policy: FetchPolicy) -> None:
        self._http = ProviderHttp(
            "Notion",
            base_url or NOTION_API,
            policy,
            headers={"Authorization": f"Bearer {token}", "Notion-Version": NOTION_VERSION},
            min_interval=REQUEST_INTERVAL,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def me(self) -> Json:
        return await self._object("GET", "/v1/users/me")

    async def search(self) -> list[Json]:
        """Every page and database shared with the integration."""
        return await self._every("POST", "/v1/search")

    async def page(self, page_id: str) -> Json:
        return await self._object("GET", f"/v1/pages/{notion_id(page_id)}")

    async def database(self, database_id: str) -> Json:
        return await self._object("GET", f"/v1/databases/{notion_id(database_id)}")

    async def database_rows(self, database_id: str) -> list[Json]:
        return await self._every("POST", f"/v1/databases/{notion_id(database_id)}/query")

    async def block_children(self, block_id: str) -> list[Json]:
        return await self._every("GET", f"/v1/blocks/{notion_id(block_id)}/children")

    async def _object(self, method: str, path: str, **kwargs: Any) -> Json:
        answer = await self._http.json(method, path, **kwargs)
        if not isinstance(answer, dict):
            raise ConnectorError("Notion answered with an unexpected shape")
        return answer

    async def _every(self, method: str, path: str) -> list[Json]:
        """All results of a paginated list: follow next_cursor while has_more."""
        results: list[Json] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_LIST_PAGES):
            answer = await self._object(method, path, **_paging(method, cursor))
            results.extend(r for r in answer.get("results") or [] if isinstance(r, dict))
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not isinstance(cursor, str) or cursor in seen:
                break
            seen.add(cursor)
        return results


def _paging(method: str, cursor: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"page_size": PAGE_SIZE}
    if cursor:
        fields["start_cursor"] = cursor
    return {"params": fields} if method == "GET" else {"json": fields}


def notion_id(value: str) -> str:
    """A Notion id as given (with or without dashes); anything else never reaches a URL path."""
    if not _NOTION_ID.match(value):
        raise ConnectorError(f"{value!r} is not a Notion id")
    return value
