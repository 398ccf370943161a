"""Notion as a source: pages and databases shared with an internal integration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from kbsmith.connectors.base import (
    ConnectorError,
    DeletedUpstream,
    DiscoveredNode,
    DiscoveredResource,
    HeaderToken,
    ProviderDocument,
    ResourceRef,
    flat,
)
from kbsmith.connectors.notion import objects
from kbsmith.connectors.notion.blocks import BlockNode, render_markdown, table_markdown
from kbsmith.connectors.notion.client import NotionClient
from kbsmith.connectors.registry import ProviderSpec, register
from kbsmith.fetching import FetchPolicy
from kbsmith.providers import Provider

MARKDOWN = "text/markdown; charset=utf-8"
DISCOVERY_MIME_TYPE = "text/markdown"
MAX_DEPTH = 8
"""Nesting levels of blocks fetched below a page (toggles in toggles in lists...)."""
MAX_BLOCKS = 5000
"""Blocks fetched for one page at most; deeper content past this is left out."""
FETCHED_CHILDREN_SKIPPED = frozenset({"child_page", "child_database"})

Json = dict[str, Any]


class NotionCredentials(BaseModel):
    """PUT /v2/connections/notion/public: an internal integration's secret."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )

    token: Annotated[str, Field(min_length=1, max_length=500), HeaderToken]


@dataclass
class _Budget:
    blocks_left: int = MAX_BLOCKS


class NotionConnector:
    def __init__(self, client: NotionClient) -> None:
        self._client = client

    async def aclose(self) -> None:
        await self._client.aclose()

    async def verify(self) -> str:
        me = await self._client.me()
        bot = me.get("bot")
        workspace = bot.get("workspace_name") if isinstance(bot, dict) else None
        name = str(me.get("name") or "Notion integration")
        return f"{name} ({workspace})" if workspace else name

    async def discover(self) -> list[DiscoveredResource]:
        found = await self._client.search()
        return [
            _discovered(item)
            for item in found
            if item.get("object") in ("page", "database") and not objects.is_trashed(item)
        ]

    def arrange(self, resources: Sequence[DiscoveredResource]) -> list[DiscoveredNode]:
        return flat(resources)

    async def fetch(self, ref: ResourceRef) -> ProviderDocument:
        if ref.object_type == "database":
            return await self._fetch_database(ref.external_id)
        return await self._fetch_page(ref.external_id)

    async def existing_ids(self, refs: Sequence[ResourceRef]) -> set[str]:
        existing: set[str] = set()
        for ref in refs:
            try:
                item = await self._item(ref)
            except DeletedUpstream:
                continue
            if not objects.is_trashed(item):
                existing.add(ref.external_id)
        return existing

    async def _item(self, ref: ResourceRef) -> Json:
        if ref.object_type == "database":
            return await self._client.database(ref.external_id)
        return await self._client.page(ref.external_id)

    async def _fetch_page(self, page_id: str) -> ProviderDocument:
        page = await self._client.page(page_id)
        title = _live_title(page, "page")
        markdown = render_markdown(await self._tree(page_id, depth=1, budget=_Budget()))
        return _document(page, title, markdown, "page")

    async def _fetch_database(self, database_id: str) -> ProviderDocument:
        database = await self._client.database(database_id)
        title = _live_title(database, "database")
        rows = await self._client.database_rows(database_id)
        rows = [row for row in rows if not objects.is_trashed(row)]
        columns = objects.property_names(database, rows)
        cells = [[objects.property_text(row, name) for name in columns] for row in rows]
        table = table_markdown(columns, cells) if rows else ""  # no rows: no text
        edited = max([_edited(database), *(_edited(row) for row in rows)])
        return _document({**database, "last_edited_time": edited}, title, table, "database")

    async def _tree(self, block_id: str, depth: int, budget: _Budget) -> list[BlockNode]:
        """A block's children, recursively, up to MAX_DEPTH levels and MAX_BLOCKS blocks."""
        nodes = [BlockNode(block) for block in await self._client.block_children(block_id)]
        budget.blocks_left -= len(nodes)
        if depth >= MAX_DEPTH:
            return nodes
        for node in nodes:
            source = _children_source(node)
            if source and budget.blocks_left > 0:
                node.children = await self._tree(source, depth + 1, budget)
        return nodes


def _children_source(node: BlockNode) -> str | None:
    """Where a block's children are read from; a synced copy reads its original's."""
    if not node.block.get("has_children") or node.type in FETCHED_CHILDREN_SKIPPED:
        return None
    synced_from = node.content.get("synced_from") if node.type == "synced_block" else None
    if isinstance(synced_from, dict) and synced_from.get("block_id"):
        return str(synced_from["block_id"])
    return str(node.block.get("id") or "") or None


def _live_title(item: Json, kind: str) -> str:
    title = objects.title_of(item)
    if objects.is_trashed(item):
        raise DeletedUpstream(f"the Notion {kind} {title!r}")
    return title


def _document(item: Json, title: str, markdown: str, kind: str) -> ProviderDocument:
    if not markdown.strip():
        raise ConnectorError(f"the Notion {kind} {title!r} has no text")
    return ProviderDocument(
        title=title,
        body=markdown.encode("utf-8"),
        content_type=MARKDOWN,
        original_url=str(item.get("url") or ""),
        version=str(item.get("last_edited_time") or ""),
    )


def _edited(item: Json) -> str:
    return str(item.get("last_edited_time") or "")


def _discovered(item: Json) -> DiscoveredResource:
    return DiscoveredResource(
        external_id=str(item.get("id") or ""),
        title=objects.title_of(item),
        object_type=str(item.get("object")),
        original_url=str(item.get("url") or ""),
        mime_type=DISCOVERY_MIME_TYPE,
        icon_link=objects.icon_link(item) or "",
    )


def build(
    credentials: dict[str, Any], base_url: str | None, policy: FetchPolicy
) -> NotionConnector:
    token = NotionCredentials.model_validate(credentials).token
    return NotionConnector(NotionClient(token, base_url, policy))


SPEC = register(ProviderSpec(Provider.NOTION, NotionCredentials, build))
