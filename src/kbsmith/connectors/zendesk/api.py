"""The Help Center REST API: authenticated GETs within the minute budget, and paging."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from kbsmith.connectors.base import ConnectorError
from kbsmith.connectors.http import ProviderHttp
from kbsmith.connectors.zendesk.budget import MinuteBudget
from kbsmith.connectors.zendesk.credentials import ZendeskCredentials
from kbsmith.fetching import FetchPolicy

PAGE_SIZE = 100
MAX_PAGES = 2000
NAME = "Zendesk"


class ZendeskApi:
    def __init__(
        self, credentials: ZendeskCredentials, base_url: str | None, policy: FetchPolicy
    ) -> None:
        self.base_url = base_url or credentials.api_base
        self._http = ProviderHttp(
            NAME,
            self.base_url,
            policy,
            headers={"Accept": "application/json", **credentials.headers()},
            auth=credentials.auth(),
        )
        self._budget = MinuteBudget()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, path: str, params: dict[str, str | int] | None = None) -> dict[str, Any]:
        await self._budget.wait()
        response = await self._http.send("GET", path, params=params)
        self._budget.observe(response.headers)
        try:
            answer = json.loads(response.content)
        except ValueError:
            raise ConnectorError(f"{NAME} answered {path} with invalid JSON") from None
        if not isinstance(answer, dict):
            raise ConnectorError(f"{NAME} answered {path} with unexpected JSON")
        return answer

    async def list_all(self, path: str, key: str) -> list[dict[str, Any]]:
        """Every item of a list endpoint: cursor paging, or offset paging where a server uses it."""
        items: list[dict[str, Any]] = []
        params: dict[str, str | int] | None = {"page[size]": PAGE_SIZE}
        for _ in range(MAX_PAGES):
            page = await self.get(path, params)
            items.extend(item for item in page.get(key) or [] if isinstance(item, dict))
            following = self._following(path, page)
            if following is None:
                return items
            path, params = following
        raise ConnectorError(f"{NAME} listed more than {MAX_PAGES} pages of {key}")

    def _following(
        self, path: str, page: dict[str, Any]
    ) -> tuple[str, dict[str, str | int] | None] | None:
        meta = page.get("meta")
        if isinstance(meta, dict):
            cursor = meta.get("after_cursor")
            if meta.get("has_more") and isinstance(cursor, str) and cursor:
                return path, {"page[size]": PAGE_SIZE, "page[after]": cursor}
            return None
        return self._offset_next(page.get("next_page"))

    def _offset_next(self, next_page: object) -> tuple[str, dict[str, str | int] | None] | None:
        if not isinstance(next_page, str) or not next_page:
            return None
        target, base = urlsplit(next_page), urlsplit(self.base_url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise ConnectorError(f"{NAME} pointed its next page to another host")
        return (f"{target.path}?{target.query}" if target.query else target.path), None
