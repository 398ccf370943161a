"""`extract`: bytes + Content-Type -> Extracted."""

from kbsmith.extraction import documents, mime
from kbsmith.extraction.html import extract_html
from kbsmith.extraction.limits import MAX_EXTRACTED_CHARS
from kbsmith.extraction.paragraphs import split_markdown, storable_text
from kbsmith.extraction.result import Extracted, ExtractionError, LimitExceeded
from kbsmith.extraction.text import extract_text


def extract(body: bytes, content_type: str | None, url: str | None = None) -> Extracted:
    """Title and paragraphs of a fetched body; raises ExtractionError when it has no content.

    Pure, CPU-bound and parsing untrusted bytes: async code runs it in an extraction child
    process (`isolated.IsolatedExtractor`), bounded in memory and time.
    """
    if not body:
        raise ExtractionError("empty response body")
    kind = mime.resolve(body, content_type, url)
    title, markdown = _to_markdown(kind, body, content_type, url)
    if len(markdown) > MAX_EXTRACTED_CHARS:
        raise LimitExceeded(
            "extracted_chars",
            f"{len(markdown):,} characters of text; the limit is {MAX_EXTRACTED_CHARS:,}",
        )
    paragraphs = split_markdown(markdown)
    if not paragraphs:
        raise ExtractionError("no text could be extracted")
    title = " ".join(storable_text(title).split())
    return Extracted(title=title, paragraphs=paragraphs, mime_type=kind)


def _to_markdown(kind: str, body: bytes, header: str | None, url: str | None) -> tuple[str, str]:
    if kind == mime.HTML:
        return extract_html(body, header, url)
    if kind in (mime.PLAIN, mime.MARKDOWN):
        return extract_text(body, header, kind)
    if kind == mime.PDF:
        return documents.extract_pdf(body)
    if kind == mime.DOCX:
        return documents.extract_docx(body)
    raise ExtractionError(f"unsupported content type {kind}")
