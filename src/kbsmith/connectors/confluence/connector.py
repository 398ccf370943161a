"""Confluence as a source: spaces with their pages; page bodies in storage format."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from kbsmith.connectors.base import (
    ConnectorError,
    DeletedUpstream,
    DiscoveredNode,
    DiscoveredResource,
    ProviderDocument,
    ResourceRef,
)
from kbsmith.connectors.confluence.api import ConfluenceApi, is_numeric_id
from kbsmith.connectors.confluence.cloud import CloudApi
from kbsmith.connectors.confluence.credentials import ConfluenceCredentials
from kbsmith.connectors.confluence.datacenter import DataCenterApi
from kbsmith.connectors.confluence.storage import has_text, storage_to_html
from kbsmith.connectors.registry import ProviderSpec, register
from kbsmith.fetching import FetchPolicy
from kbsmith.providers import Provider

HTML = "text/html; charset=utf-8"
DISCOVERY_MIME_TYPE = "text/html"
DELETED_STATUSES = frozenset({"trashed", "deleted", "purged"})

Json = dict[str, Any]


class ConfluenceConnector:
    def __init__(self, api: ConfluenceApi, account: str) -> None:
        self._api = api
        self._account = account

    async def aclose(self) -> None:
        await self._api.aclose()

    async def verify(self) -> str:
        await self._api.check()
        return self._account

    async def discover(self) -> list[DiscoveredResource]:
        found: list[DiscoveredResource] = []
        for space in await self._api.spaces():
            found.append(
                DiscoveredResource(
                    external_id=space.key,
                    title=space.name,
                    object_type="space",
                    original_url=space.url,
                    importable=False,
                )
            )
            found.extend(
                DiscoveredResource(
                    external_id=page.id,
                    title=page.title,
                    object_type="page",
                    original_url=page.url,
                    mime_type=DISCOVERY_MIME_TYPE,
                    parent_id=space.key,
                )
                for page in await self._api.pages(space)
            )
        return found

    def arrange(self, resources: Sequence[DiscoveredResource]) -> list[DiscoveredNode]:
        """Spaces with their pages; a space left without importable pages is not shown."""
        pages: dict[str, list[DiscoveredNode]] = {}
        for resource in resources:
            if resource.importable:
                pages.setdefault(resource.parent_id or "", []).append(DiscoveredNode(resource))
        return [
            DiscoveredNode(space, tuple(pages[space.external_id]))
            for space in resources
            if not space.importable and pages.get(space.external_id)
        ]

    async def fetch(self, ref: ResourceRef) -> ProviderDocument:
        content = await self._api.page(ref.external_id)
        info = content.info
        if info.status in DELETED_STATUSES:
            raise DeletedUpstream(f"the Confluence page {info.title!r}")
        document = storage_to_html(content.storage, info.title)
        if not has_text(document):
            raise ConnectorError(f"the Confluence page {info.title!r} has no text")
        return ProviderDocument(
            title=info.title,
            body=document.encode("utf-8"),
            content_type=HTML,
            original_url=info.url,
            version=info.version,
        )

    async def existing_ids(self, refs: Sequence[ResourceRef]) -> set[str]:
        ids = [ref.external_id for ref in refs if is_numeric_id(ref.external_id)]
        return await self._api.current_ids(ids) if ids else set()


def build(
    credentials: dict[str, Any], base_url: str | None, policy: FetchPolicy
) -> ConfluenceConnector:
    given = ConfluenceCredentials.model_validate(credentials)
    site = urlsplit(given.site)
    host = site.hostname or given.site
    # baseUrl replaces scheme, host and port; a Data Center's context path stays
    api_base = f"{base_url}{site.path}" if base_url else given.site
    if given.email is not None and given.api_token is not None:
        cloud = CloudApi(given.site, given.email, given.api_token, api_base, policy)
        return ConfluenceConnector(cloud, f"{given.email} on {host}")
    token = given.personal_access_token or ""
    return ConfluenceConnector(DataCenterApi(given.site, token, api_base, policy), host)


SPEC = register(ProviderSpec(Provider.CONFLUENCE, ConfluenceCredentials, build))
