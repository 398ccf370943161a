"""Help Center structure → discovered resources → the category → section → article tree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kbsmith.connectors.base import DiscoveredNode, DiscoveredResource

ARTICLE_MIME_TYPE = "text/html"
SECTION_PATH_SEPARATOR = " / "


def categories(items: Sequence[dict[str, Any]]) -> list[DiscoveredResource]:
    return [
        DiscoveredResource(
            external_id=str(item["id"]),
            title=str(item.get("name") or ""),
            object_type="category",
            original_url=str(item.get("html_url") or ""),
            importable=False,
        )
        for item in items
        if item.get("id") is not None
    ]


def sections(items: Sequence[dict[str, Any]]) -> list[DiscoveredResource]:
    """Sections under their category; a nested section is named after its parents."""
    by_id = {str(item["id"]): item for item in items if item.get("id") is not None}
    return [
        DiscoveredResource(
            external_id=section_id,
            title=_section_path(by_id, section_id),
            object_type="section",
            original_url=str(item.get("html_url") or ""),
            parent_id=str(item.get("category_id")),
            importable=False,
        )
        for section_id, item in by_id.items()
    ]


def _section_path(by_id: dict[str, dict[str, Any]], section_id: str) -> str:
    names: list[str] = []
    seen: set[str] = set()
    current: str | None = section_id
    while current is not None and current in by_id and current not in seen:
        seen.add(current)
        names.append(str(by_id[current].get("name") or ""))
        parent = by_id[current].get("parent_section_id")
        current = str(parent) if parent is not None else None
    return SECTION_PATH_SEPARATOR.join(reversed(names))


def articles(items: Sequence[dict[str, Any]]) -> list[DiscoveredResource]:
    """Published articles; drafts are not help-center knowledge yet."""
    return [
        DiscoveredResource(
            external_id=str(item["id"]),
            title=str(item.get("title") or item.get("name") or ""),
            object_type="article",
            original_url=str(item.get("html_url") or ""),
            mime_type=ARTICLE_MIME_TYPE,
            parent_id=str(item.get("section_id")),
        )
        for item in items
        if item.get("id") is not None and not item.get("draft")
    ]


def category_tree(resources: Sequence[DiscoveredResource]) -> list[DiscoveredNode]:
    """Categories holding sections holding articles; empty sections and categories left out."""
    children: dict[str | None, list[DiscoveredResource]] = {}
    for resource in resources:
        children.setdefault(resource.parent_id, []).append(resource)
    tree = []
    for category in (r for r in resources if r.object_type == "category"):
        nodes = []
        for section in _of_type(children.get(category.external_id, []), "section"):
            leaves = _of_type(children.get(section.external_id, []), "article")
            if leaves:
                nodes.append(DiscoveredNode(section, tuple(map(DiscoveredNode, leaves))))
        if nodes:
            tree.append(DiscoveredNode(category, tuple(nodes)))
    return tree


def _of_type(resources: list[DiscoveredResource], object_type: str) -> list[DiscoveredResource]:
    return [r for r in resources if r.object_type == object_type]
