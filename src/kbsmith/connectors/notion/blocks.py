"""Notion blocks -> Markdown, which kbsmith's extractor splits with the usual paragraph rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kbsmith.connectors.notion.objects import plain_text

Json = dict[str, Any]

SKIPPED_TYPES = frozenset(
    {"child_page", "child_database", "divider", "table_of_contents", "breadcrumb", "unsupported"}
)
"""Sub-pages and databases are resources of their own; the rest carries no text."""
CAPTIONED_TYPES = frozenset(
    {"image", "video", "audio", "file", "pdf", "bookmark", "embed", "link_preview"}
)
CONTAINER_TYPES = frozenset({"column_list", "column", "synced_block", "template"})


@dataclass
class BlockNode:
    block: Json
    children: list[BlockNode] = field(default_factory=list)

    @property
    def type(self) -> str:
        return str(self.block.get("type") or "")

    @property
    def content(self) -> Json:
        value = self.block.get(self.type)
        return value if isinstance(value, dict) else {}

    @property
    def text(self) -> str:
        return rich_markdown(self.content.get("rich_text"))


def render_markdown(nodes: Sequence[BlockNode]) -> str:
    return "\n\n".join(_render_siblings(nodes)).strip()


def rich_markdown(rich_text: object) -> str:
    """Rich text with bold, italic and code kept as Markdown emphasis."""
    if not isinstance(rich_text, list):
        return ""
    return "".join(_span(part) for part in rich_text if isinstance(part, dict))


def _span(part: Json) -> str:
    text = str(part.get("plain_text") or "")
    annotations = part.get("annotations")
    if not isinstance(annotations, dict) or not text.strip():
        return text
    marker = "`" if annotations.get("code") else ""
    marker += "**" if annotations.get("bold") and not marker else ""
    marker += "*" if annotations.get("italic") and not marker else ""
    if not marker:
        return text
    # emphasis must hug the words: "**bold** " and not "**bold **"
    stripped = text.strip()
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{marker}{stripped}{marker[::-1]}{trail}"


def _render_siblings(nodes: Sequence[BlockNode]) -> list[str]:
    rendered: list[str] = []
    number = 0
    for node in nodes:
        number = number + 1 if node.type == "numbered_list_item" else 0
        text = _render(node, number)
        if text.strip():
            rendered.append(text)
    return rendered


def _render(node: BlockNode, number: int) -> str:
    kind = node.type
    if kind in SKIPPED_TYPES:
        return ""
    if kind in CONTAINER_TYPES:
        return _children(node)
    if kind in CAPTIONED_TYPES:
        return rich_markdown(node.content.get("caption"))
    renderer = _RENDERERS.get(kind)
    return renderer(node, number) if renderer else ""


def _children(node: BlockNode) -> str:
    return "\n\n".join(_render_siblings(node.children))


def _followed_by_children(head: str, node: BlockNode) -> str:
    return "\n\n".join(part for part in (head, _children(node)) if part.strip())


def _paragraph(node: BlockNode, _: int) -> str:
    return _followed_by_children(node.text, node)


def _heading(node: BlockNode, _: int) -> str:
    level = int(node.type[-1])
    return _followed_by_children(f"{'#' * level} {node.text}", node)


def _list_item(marker: str) -> Callable[[BlockNode, int], str]:
    def render(node: BlockNode, _: int) -> str:
        return _item(marker, node)

    return render


def _numbered(node: BlockNode, number: int) -> str:
    return _item(f"{number}.", node)


def _to_do(node: BlockNode, _: int) -> str:
    return _item("- [x]" if node.content.get("checked") else "- [ ]", node)


def _item(marker: str, node: BlockNode) -> str:
    """One list item; its text lines and nested blocks are indented under the marker."""
    indent = " " * (len(marker.split(" ")[0]) + 1)
    body = [node.text, *_render_siblings(node.children)]
    lines = "\n".join(body).split("\n")
    return "\n".join([f"{marker} {lines[0]}", *(f"{indent}{line}" for line in lines[1:])])


def _toggle(node: BlockNode, _: int) -> str:
    """A toggle's summary leads its hidden content, like a question and its answer."""
    return "\n".join(part for part in (node.text, _children(node)) if part.strip())


def _quote(node: BlockNode, _: int) -> str:
    text = _followed_by_children(node.text, node)
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.split("\n"))


def _code(node: BlockNode, _: int) -> str:
    language = str(node.content.get("language") or "").replace("plain text", "")
    code = plain_text(node.content.get("rich_text"))
    fence = "````" if "```" in code else "```"
    return f"{fence}{language}\n{code}\n{fence}"


def _equation(node: BlockNode, _: int) -> str:
    return str(node.content.get("expression") or "")


def _table(node: BlockNode, _: int) -> str:
    rows = [_table_row(row) for row in node.children if row.type == "table_row"]
    if not rows:
        return ""
    separator = "|" + "---|" * max(len(row) for row in rows)
    lines = [_table_line(row) for row in rows]
    return "\n".join([lines[0], separator, *lines[1:]])


def _table_row(row: BlockNode) -> list[str]:
    cells = row.content.get("cells")
    return [rich_markdown(cell) for cell in cells] if isinstance(cells, list) else []


def _table_line(cells: list[str]) -> str:
    return "| " + " | ".join(_cell(text) for text in cells) + " |"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def table_markdown(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table of plain-text cells (database rows)."""
    if not header:
        return ""
    lines = [_table_line(header), "|" + "---|" * len(header)]
    return "\n".join([*lines, *(_table_line(row) for row in rows)])


_RENDERERS: dict[str, Callable[[BlockNode, int], str]] = {
    "paragraph": _paragraph,
    "heading_1": _heading,
    "heading_2": _heading,
    "heading_3": _heading,
    "bulleted_list_item": _list_item("-"),
    "numbered_list_item": _numbered,
    "to_do": _to_do,
    "toggle": _toggle,
    "quote": _quote,
    "callout": _quote,
    "code": _code,
    "equation": _equation,
    "table": _table,
}
