"""A Help Center article as an HTML document for kbsmith's extractors."""

from __future__ import annotations

import html
import re
from typing import Any

TAG = re.compile(r"<[^>]*>")


def article_html(article: dict[str, Any]) -> bytes:
    """The body fragment inside a minimal page, with the title as its heading.

    An article without text gets no heading, so that extraction reports it as empty
    instead of keeping a lone title.
    """
    title = html.escape(article_title(article))
    body = str(article.get("body") or "")
    heading = f"<h1>{title}</h1>" if has_text(body) else ""
    page = (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><article>{heading}{body}</article></body></html>"
    )
    return page.encode("utf-8")


def article_title(article: dict[str, Any]) -> str:
    return str(article.get("title") or article.get("name") or "")


def has_text(fragment: str) -> bool:
    return bool(html.unescape(TAG.sub(" ", fragment)).strip())


def article_version(article: dict[str, Any]) -> str:
    """``edited_at`` moves with content edits only; ``updated_at`` with any change."""
    return str(article.get("edited_at") or article.get("updated_at") or "")
