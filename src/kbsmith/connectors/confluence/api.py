"""What kbsmith reads from Confluence, whichever REST API (Cloud v2, Data Center) serves it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from kbsmith.connectors.base import ConnectorError
from kbsmith.connectors.http import ProviderHttp

MAX_LIST_PAGES = 1000
"""A bound on result pages per listing, in case a server keeps sending a next link."""
_NUMERIC_ID = re.compile(r"^[0-9]{1,30}$")

Json = dict[str, Any]


@dataclass(frozen=True)
class Space:
    id: str
    key: str
    name: str
    url: str


@dataclass(frozen=True)
class PageInfo:
    id: str
    title: str
    url: str
    status: str
    version: str


@dataclass(frozen=True)
class PageContent:
    info: PageInfo
    storage: str
    """The body in storage format (XHTML with ac:/ri: elements)."""


class ConfluenceApi(Protocol):
    async def check(self) -> None:
        """One cheap authenticated call."""
        ...

    async def spaces(self) -> list[Space]: ...

    async def pages(self, space: Space) -> list[PageInfo]:
        """The space's current pages."""
        ...

    async def page(self, page_id: str) -> PageContent: ...

    async def current_ids(self, page_ids: Sequence[str]) -> set[str]: ...

    async def aclose(self) -> None: ...


def is_numeric_id(value: str) -> bool:
    return bool(_NUMERIC_ID.match(value))


def numeric_id(value: str, what: str = "page") -> str:
    """Confluence page and space ids are numbers; anything else never reaches a URL path."""
    if not is_numeric_id(value):
        raise ConnectorError(f"{value!r} is not a Confluence {what} id")
    return value


async def json_object(http: ProviderHttp, path: str, **kwargs: Any) -> Json:
    answer = await http.json("GET", path, **kwargs)
    if not isinstance(answer, dict):
        raise ConnectorError("Confluence answered with an unexpected shape")
    return answer


async def every_result(
    http: ProviderHttp, path: str, params: dict[str, Any], api_root: str
) -> list[Json]:
    """All results of a listing, following `_links.next` (or the `Link` header) page by page.

    Only relative next links below `api_root` are followed, so a server cannot send kbsmith
    (and the credentials) elsewhere.
    """
    results: list[Json] = []
    target: str | None = path
    seen: set[str] = set()
    for _ in range(MAX_LIST_PAGES):
        if target is None or target in seen:
            break
        seen.add(target)
        response = await http.send("GET", target, params=params if target == path else None)
        answer = _json(response)
        results.extend(r for r in answer.get("results") or [] if isinstance(r, dict))
        target = _next_target(answer, response, api_root)
    return results


def _json(response: httpx.Response) -> Json:
    try:
        answer = response.json()
    except ValueError:
        raise ConnectorError("Confluence answered with invalid JSON") from None
    if not isinstance(answer, dict):
        raise ConnectorError("Confluence answered with an unexpected shape")
    return answer


def _next_target(answer: Json, response: httpx.Response, api_root: str) -> str | None:
    links = answer.get("_links")
    candidate = links.get("next") if isinstance(links, dict) else None
    if not isinstance(candidate, str):
        candidate = response.links.get("next", {}).get("url")
    if not isinstance(candidate, str) or not candidate:
        return None
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not parts.path.startswith(api_root):
        return None
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def space_from(item: Json, web_root: str, fallback_path: str) -> Space:
    """A space as listed; `fallback_path` ({key} filled in) when it has no web link."""
    key = str(item.get("key") or "")
    return Space(
        id=str(item.get("id") or ""),
        key=key,
        name=str(item.get("name") or key),
        url=web_url(item, web_root, fallback_path.format(key=key)),
    )


def page_info_from(item: Json, web_root: str) -> PageInfo:
    page_id = str(item.get("id") or "")
    version = item.get("version")
    number = version.get("number") if isinstance(version, dict) else None
    return PageInfo(
        id=page_id,
        title=str(item.get("title") or ""),
        url=web_url(item, web_root, f"/pages/viewpage.action?pageId={page_id}"),
        status=str(item.get("status") or "current"),
        version=str(number) if number is not None else "",
    )


def page_content_from(item: Json, web_root: str) -> PageContent:
    body = item.get("body")
    storage = body.get("storage") if isinstance(body, dict) else None
    value = storage.get("value") if isinstance(storage, dict) else None
    return PageContent(page_info_from(item, web_root), value if isinstance(value, str) else "")


def web_url(item: Json, web_root: str, fallback_path: str) -> str:
    """Where a person opens the item: the site's web root (never the API host) + webui."""
    links = item.get("_links")
    webui = links.get("webui") if isinstance(links, dict) else None
    path = webui if isinstance(webui, str) and webui.startswith("/") else fallback_path
    return f"{web_root}{path}"
