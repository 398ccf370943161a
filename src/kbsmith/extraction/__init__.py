"""Fetched bytes -> title + clean Markdown paragraphs (HTML, PDF, DOCX, text, Markdown)."""

from kbsmith.extraction.dispatch import extract
from kbsmith.extraction.paragraphs import content_hash, split_markdown, storable_text
from kbsmith.extraction.result import Extracted, ExtractionError

__all__ = [
    "Extracted",
    "ExtractionError",
    "content_hash",
    "extract",
    "split_markdown",
    "storable_text",
]
