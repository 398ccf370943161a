"""Link extraction from HTML pages and cheap "is this a page?" guesses."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

NOT_PAGE_EXTENSIONS = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".bmp", ".tif", ".tiff",
        ".avif", ".css", ".js", ".mjs", ".map", ".woff", ".woff2", ".ttf", ".otf", ".eot",
        ".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".exe", ".msi", ".dmg",
        ".pkg", ".deb", ".rpm", ".apk", ".iso", ".bin", ".mp3", ".mp4", ".m4a", ".mov",
        ".avi", ".mkv", ".webm", ".wav", ".ogg", ".flac", ".rss", ".atom",
    }
)  # fmt: skip
"""Resources never worth listing as knowledge-base sources."""

DOCUMENT_EXTENSIONS = frozenset(
    {".pdf", ".doc", ".docx", ".odt", ".rtf", ".txt", ".md", ".xls", ".xlsx", ".ppt", ".pptx"}
)
"""Worth listing, but not worth fetching to look for links."""

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def path_extension(url: str) -> str:
    return posixpath.splitext(urlsplit(url).path)[1].lower()


def is_not_a_page(url: str) -> bool:
    return path_extension(url) in NOT_PAGE_EXTENSIONS


def may_contain_links(url: str) -> bool:
    extension = path_extension(url)
    return extension not in NOT_PAGE_EXTENSIONS and extension not in DOCUMENT_EXTENSIONS


class _AnchorCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if not href:
            return
        if tag == "base" and self.base is None:
            self.base = href.strip()
        elif tag in ("a", "area"):
            self.hrefs.append(href.strip())


def extract_links(html: str, page_url: str) -> list[str]:
    """Absolute targets of ``<a>``/``<area>`` links, resolved against ``<base>``/the page."""
    collector = _AnchorCollector()
    collector.feed(html)
    collector.close()
    base = urljoin(page_url, collector.base) if collector.base else page_url
    links: list[str] = []
    for href in collector.hrefs:
        try:
            links.append(urljoin(base, href))
        except ValueError:  # e.g. a malformed IPv6 literal
            continue
    return links
