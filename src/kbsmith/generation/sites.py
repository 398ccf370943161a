"""What a first folder is called: the site the pages come from, or the provider's name.

Extraction keeps neither a page's ``og:site_name`` nor its whole ``<title>``, so both are read
from the page's kept raw HTML (once per workspace: only a first folder needs them). The title
says the site after the page's own name: "Reset your password | Acme Help", "Invoices - Acme
Docs". The suffix the site's titles share is its name; a single title's suffix counts when it
is set off by "|" or names the host; else the host itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from lxml import html as lxml_html  # type: ignore[import-untyped]
from lxml.etree import ParserError  # type: ignore[import-untyped]

from kbsmith.extraction.charset import decode
from kbsmith.generation.text import (
    MAX_SITE_NAME_WORDS,
    STRONG_SEPARATOR,
    TITLE_SEPARATORS,
    names_host,
)

HEAD_CHARS = 200_000
"""A page's head is at its start: the rest is not parsed to find two names."""
PROVIDER_NAMES = {
    "confluence": "Confluence",
    "googledrive": "Google Drive",
    "notion": "Notion",
    "zendesk": "Zendesk",
}


def kept_html(body: bytes, content_type: str, max_chars: int | None = None) -> Any | None:
    """A kept page parsed (lxml), its first ``max_chars`` characters only when given; None for
    another kind of document or one that does not parse."""
    sniffed = not content_type and body[:256].lstrip().startswith(b"<")
    if "html" not in content_type.casefold() and not sniffed:
        return None
    try:
        return lxml_html.document_fromstring(decode(body, content_type, html=True)[:max_chars])
    except (ParserError, ValueError):
        return None


def page_names(body: bytes, content_type: str) -> tuple[str, str]:
    """An HTML page's ``og:site_name`` and ``<title>`` ("" for what it lacks)."""
    tree = kept_html(body, content_type, HEAD_CHARS)
    if tree is None:
        return "", ""
    site = tree.xpath('string(//meta[@property="og:site_name"]/@content)')
    title = tree.findtext(".//title") or ""
    return " ".join(str(site).split()), " ".join(title.split())


def site_name(title: str, other_titles: Sequence[str], host: str, declared: str = "") -> str:
    """The site's name: as the page declares it (``og:site_name``), else from its pages'
    titles (this page's first), else its host."""
    if declared and len(declared.split()) <= MAX_SITE_NAME_WORDS:
        return declared
    suffixes = Counter(s for s in map(title_suffix, [title, *other_titles]) if s)
    if suffixes:
        name, count = suffixes.most_common(1)[0]
        if count >= 2 or _stands_out(title, name, host):
            return name
    return host.removeprefix("www.")


def title_suffix(title: str) -> str:
    parts = TITLE_SEPARATORS.split(" ".join(title.split()))
    if len(parts) < 2 or not 1 <= len(parts[-1].split()) <= MAX_SITE_NAME_WORDS:
        return ""
    return parts[-1].strip()


def _stands_out(title: str, name: str, host: str) -> bool:
    """A single title's suffix is the site's name when set off by "|" or named in the host."""
    if title_suffix(title) != name:
        return False
    return bool(STRONG_SEPARATOR.search(title)) or names_host(name, host)


def provider_name(provider: str) -> str:
    return PROVIDER_NAMES.get(provider, provider.capitalize())
