"""The value `extract` returns and the error it raises."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Extracted:
    title: str
    """Document title, "" when none was found."""
    paragraphs: list[str]
    """Normalised Markdown paragraphs (see `split_markdown`)."""
    mime_type: str
    """Normalised type the body was read as, e.g. "text/html"."""


class ExtractionError(Exception):
    """The body holds no usable content; `str(error)` is a reason fit to show a user."""
