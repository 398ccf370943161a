"""Zendesk Help Center: categories → sections → articles, fetched as HTML."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kbsmith.connectors.base import (
    ConnectorError,
    CredentialsRejected,
    DeletedUpstream,
    DiscoveredNode,
    DiscoveredResource,
    ProviderDocument,
    ResourceRef,
)
from kbsmith.connectors.zendesk import document, tree
from kbsmith.connectors.zendesk.api import ZendeskApi
from kbsmith.connectors.zendesk.credentials import ZendeskCredentials
from kbsmith.fetching import FetchPolicy

HELP_CENTER = "/api/v2/help_center"


class ZendeskConnector:
    def __init__(
        self, credentials: ZendeskCredentials, base_url: str | None, policy: FetchPolicy
    ) -> None:
        self._credentials = credentials
        self._api = ZendeskApi(credentials, base_url, policy)

    async def aclose(self) -> None:
        await self._api.aclose()

    async def verify(self) -> str:
        """``users/me`` answers an anonymous user (no id) when no credentials were sent."""
        me = (await self._api.get("/api/v2/users/me.json")).get("user") or {}
        if not isinstance(me, dict) or me.get("id") is None:
            raise CredentialsRejected("Zendesk did not recognise the credentials")
        who = me.get("email") or me.get("name") or me.get("id")
        return f"{self._credentials.subdomain}.zendesk.com ({who})"

    async def discover(self) -> list[DiscoveredResource]:
        try:
            found = [
                tree.categories(await self._list("categories")),
                tree.sections(await self._list("sections")),
                tree.articles(await self._list("articles")),
            ]
        except DeletedUpstream:
            raise ConnectorError(f"no Help Center at {self._api.base_url}") from None
        return [resource for part in found for resource in part]

    async def _list(self, kind: str) -> list[dict[str, Any]]:
        return await self._api.list_all(f"{HELP_CENTER}/{kind}.json", kind)

    def arrange(self, resources: Sequence[DiscoveredResource]) -> list[DiscoveredNode]:
        return tree.category_tree(resources)

    async def fetch(self, ref: ResourceRef) -> ProviderDocument:
        article_id = _article_id(ref)
        try:
            answer = await self._api.get(f"{HELP_CENTER}/articles/{article_id}.json")
        except DeletedUpstream:
            raise DeletedUpstream(f"Zendesk article {article_id}") from None
        article = answer.get("article")
        if not isinstance(article, dict):
            raise ConnectorError(f"Zendesk answered article {article_id} without an article")
        return ProviderDocument(
            title=document.article_title(article),
            body=document.article_html(article),
            content_type="text/html; charset=utf-8",
            original_url=str(article.get("html_url") or ref.original_url),
            version=document.article_version(article),
        )

    async def existing_ids(self, refs: Sequence[ResourceRef]) -> set[str]:
        listed = {str(item.get("id")) for item in await self._list("articles")}
        return {ref.external_id for ref in refs if ref.external_id in listed}


def _article_id(ref: ResourceRef) -> str:
    if not ref.external_id.isdigit():
        raise ConnectorError(f"{ref.external_id!r} is not a Zendesk article id")
    return ref.external_id
