"""Reading Notion page and database objects: titles, icons, trash state, property values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

UNTITLED = "Untitled"

Json = dict[str, Any]


def plain_text(rich_text: object) -> str:
    """The text of a rich-text array, without formatting."""
    if not isinstance(rich_text, list):
        return ""
    return "".join(
        str(part.get("plain_text") or "") for part in rich_text if isinstance(part, dict)
    )


def title_of(item: Json) -> str:
    """A page's title property, or a database's title; Notion shows "Untitled" when empty."""
    if item.get("object") == "database":
        return plain_text(item.get("title")).strip() or UNTITLED
    for value in _properties(item).values():
        if value.get("type") == "title":
            return plain_text(value.get("title")).strip() or UNTITLED
    return UNTITLED


def icon_link(item: Json) -> str | None:
    """A URL for external, uploaded and custom-emoji icons; plain emoji have none."""
    icon = item.get("icon")
    if not isinstance(icon, dict):
        return None
    detail = icon.get(str(icon.get("type")))
    url = detail.get("url") if isinstance(detail, dict) else None
    return url if isinstance(url, str) and url else None


def is_trashed(item: Json) -> bool:
    return bool(item.get("archived") or item.get("in_trash"))


def property_names(database: Json, rows: Sequence[Json]) -> list[str]:
    """Column order for a database table: the title column first, then the others by name."""
    schema = _properties(database) or (_properties(rows[0]) if rows else {})
    titles = [name for name, value in schema.items() if value.get("type") == "title"]
    return titles + sorted(name for name in schema if name not in titles)


def property_text(row: Json, name: str) -> str:
    value = _properties(row).get(name)
    if value is None:
        return ""
    kind = str(value.get("type"))
    return _value_text(kind, value.get(kind))


def _value_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind in ("title", "rich_text"):
        return plain_text(value)
    if kind in ("select", "status"):
        return str(value.get("name") or "") if isinstance(value, dict) else ""
    if kind == "multi_select":
        return ", ".join(str(o.get("name") or "") for o in value if isinstance(o, dict))
    if kind == "people":
        return ", ".join(str(p.get("name") or "") for p in value if isinstance(p, dict))
    if kind == "date":
        return _date_text(value)
    if kind == "checkbox":
        return "yes" if value else "no"
    if kind == "formula" and isinstance(value, dict):
        inner = str(value.get("type"))
        return _value_text(inner, value.get(inner))
    if isinstance(value, str | int | float):
        return str(value)  # number, url, email, phone_number, created_time...
    return ""


def _date_text(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    start, end = value.get("start") or "", value.get("end")
    return f"{start} → {end}" if end else str(start)


def _properties(item: Json) -> dict[str, Json]:
    properties = item.get("properties")
    if not isinstance(properties, dict):
        return {}
    return {str(k): v for k, v in properties.items() if isinstance(v, dict)}
