"""`extract`: bytes + Content-Type -> Extracted."""

from kbsmith.extraction import documents, mime
from kbsmith.extraction.html import extract_html
from kbsmith.extraction.paragraphs import split_markdown
from kbsmith.extraction.result import Extracted, ExtractionError
from kbsmith.extraction.text import extract_text


def extract(body: bytes, content_type: str | None, url: str | None = None) -> Extracted:
    """Title and paragraphs of a fetched body; raises ExtractionError when it has no content.

    Pure and CPU-bound: run it in a worker thread from async code.
    """
    if not body:
        raise ExtractionError("empty response body")
    kind = mime.resolve(body, content_type, url)
    title, markdown = _to_markdown(kind, body, content_type, url)
    paragraphs = split_markdown(markdown)
    if not paragraphs:
        raise ExtractionError("no text could be extracted")
    return Extracted(title=" ".join(title.split()), paragraphs=paragraphs, mime_type=kind)


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
