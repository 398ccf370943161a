"""Which kind of document a body is: the Content-Type header, checked against the bytes."""

import io
import mimetypes
import zipfile
from email.message import Message
from urllib.parse import urlsplit

HTML = "text/html"
PLAIN = "text/plain"
MARKDOWN = "text/markdown"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_ALIASES = {
    "application/xhtml+xml": HTML,
    "application/x-pdf": PDF,
    "text/x-markdown": MARKDOWN,
    "text/md": MARKDOWN,
}
_GENERIC = {
    "",
    "application/octet-stream",
    "binary/octet-stream",
    "application/binary",
    "application/unknown",
    "application/x-download",
    "application/force-download",
}
OCTET_STREAM = "application/octet-stream"

_MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta ", b"<title")
_SNIFF_BYTES = 1024
_OPENING_TAGS = tuple(
    f"<{name}".encode()
    for name in (
        *("html", "head", "body", "script", "iframe", "div", "font", "table", "a", "style"),
        *("title", "b", "br", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"),
        *("section", "article", "main"),
    )
)
"""What an HTML document or fragment starts with: WHATWG MIME sniffing's HTML patterns (each
followed by a space or ">"), and the block elements an exported article body opens with."""


def resolve(body: bytes, header: str | None, url: str | None) -> str:
    """The type to read `body` as: the header's unless missing, generic or contradicted."""
    if not header or not header.strip():
        return _sniff(body, url)
    message = Message()
    message["content-type"] = header
    declared = _ALIASES.get(message.get_content_type(), message.get_content_type())
    if declared in _GENERIC:
        return _sniff(body, url)
    if declared in (HTML, PLAIN):
        return _binary_magic(body) or _refine_plain(declared, url)
    return declared


def sniff_file(body: bytes, name: str) -> str:
    """The type of an uploaded file, from its bytes alone: its name may only tell Markdown
    from plain text (which no byte pattern does), never make bytes a PDF or a page."""
    magic = _binary_magic(body)
    if magic:
        return magic
    markdown = name.lower().endswith(_MARKDOWN_SUFFIXES)
    if _looks_like_html(body) or (not markdown and _starts_like_html(body)):
        return HTML  # a Markdown file may open with an HTML element and stays Markdown
    head = body[:_SNIFF_BYTES]
    if b"\x00" in head and not head.startswith(_UTF16_BOMS):
        return OCTET_STREAM
    return MARKDOWN if markdown else PLAIN


def _sniff(body: bytes, url: str | None) -> str:
    magic = _binary_magic(body)
    if magic:
        return magic
    if _looks_like_html(body):
        return HTML
    guessed = _from_url(url)
    if guessed in (HTML, PLAIN, MARKDOWN):
        return guessed
    if b"\x00" not in body[:_SNIFF_BYTES]:
        return _refine_plain(PLAIN, url)
    return OCTET_STREAM


def _looks_like_html(body: bytes) -> bool:
    head = body[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return any(marker in head for marker in _HTML_MARKERS)


def _starts_like_html(body: bytes) -> bool:
    head = body[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    if head.startswith(b"<!--"):
        return True
    return any(
        head.startswith(tag) and head[len(tag) : len(tag) + 1] in (b" ", b">", b"\t", b"\n")
        for tag in _OPENING_TAGS
    )


def _binary_magic(body: bytes) -> str | None:
    if b"%PDF-" in body[:_SNIFF_BYTES]:
        return PDF
    if body.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(body) else "application/zip"
    return None


def _is_docx(body: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _refine_plain(mime: str, url: str | None) -> str:
    """Markdown files are commonly served as text/plain (e.g. raw repository files)."""
    if mime == PLAIN and url and urlsplit(url).path.lower().endswith(_MARKDOWN_SUFFIXES):
        return MARKDOWN
    return mime


def _from_url(url: str | None) -> str | None:
    if not url:
        return None
    path = urlsplit(url).path.lower()
    if path.endswith(_MARKDOWN_SUFFIXES):
        return MARKDOWN
    guessed, _ = mimetypes.guess_type(path)
    return guessed
