"""Drive file types kbsmith imports, and how each becomes bytes for the extractors."""

from __future__ import annotations

from typing import Any

GOOGLE_DOC = "application/vnd.google-apps.document"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOWNLOADED = {
    "application/pdf": ".pdf",
    DOCX: ".docx",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/html": ".html",
}
"""Stored files fetched as they are (``alt=media``), with the extension their names carry."""
IMPORTABLE = (GOOGLE_DOC, *DOWNLOADED)
EXPORT_TYPE = "text/html"


def listing_query() -> str:
    """files.list ``q``: importable files that are not in the trash."""
    types = " or ".join(f"mimeType = '{mime}'" for mime in IMPORTABLE)
    return f"trashed = false and ({types})"


def title_of(file: dict[str, Any]) -> str:
    """A stored file's name without its extension ("Refunds.pdf" → "Refunds")."""
    name = str(file.get("name") or "")
    extension = DOWNLOADED.get(str(file.get("mimeType") or ""))
    if extension and name.lower().endswith(extension) and len(name) > len(extension):
        return name[: -len(extension)]
    return name


def version_of(file: dict[str, Any]) -> str:
    """Drive's ``version`` grows with every change; ``modifiedTime`` when it is missing."""
    return str(file.get("version") or file.get("modifiedTime") or "")
