"""The value `extract` returns and the errors it raises."""

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
    """The body holds no usable content; `str(error)` is a reason fit to show a user.

    The same bytes fail the same way every time: a job that meets one does not retry."""


class LimitExceeded(ExtractionError):
    """The document is over one of the extraction budgets; the message names it."""

    def __init__(self, limit: str, detail: str) -> None:
        super().__init__(f"the document is over the extraction limit {limit} ({detail})")
        self.limit = limit
