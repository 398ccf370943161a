"""Documents (sources) on the wire: provider discovery, rendered from the connectors' typed
resources in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kbsmith.connectors.base import DiscoveredNode

Json = dict[str, Any]


def discovery(nodes: Sequence[DiscoveredNode]) -> list[Json]:
    """The contract's discovery answer: a flat list of documents with their icons (Notion,
    Google Drive), or containers holding documents (Confluence spaces; Zendesk categories and
    sections)."""
    icons = all(node.children is None for node in nodes)
    return [_node(node, icons) for node in nodes]


def _node(node: DiscoveredNode, icons: bool) -> Json:
    resource = node.resource
    shown: Json = {
        "externalId": resource.external_id,
        "title": resource.title,
        "originalUrl": resource.original_url,
        "object": resource.object_type,
    }
    if node.children is not None:
        shown["children"] = [_node(child, icons) for child in node.children]
        return shown
    shown["mimeType"] = resource.mime_type
    if icons:
        shown["iconLink"] = resource.icon_link or None
    return shown
