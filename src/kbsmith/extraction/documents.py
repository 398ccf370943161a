"""PDF (pypdf) and DOCX (python-docx) bodies -> (title, markdown)."""

import contextlib
import io
import re
import statistics
import zipfile
from collections import Counter
from typing import Any

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from kbsmith.extraction.limits import (
    MAX_DOCX_UNCOMPRESSED_BYTES,
    MAX_DOCX_XML_BYTES,
    MAX_PDF_CONTENT_BYTES,
    MAX_PDF_PAGES,
)
from kbsmith.extraction.result import ExtractionError, LimitExceeded

_BULLET = re.compile("^[\u2022\u25e6\u25aa\u2023\u25cf\u25cb\u25a0\u25a1\u2013\uf0b7]\\s*")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s")
_LIST_LINE = re.compile(r"^\s*(?:-|\d{1,9}[.)])\s")
_PARAGRAPH_END = re.compile('[.!?:;"\u201d\u2019)]$')
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?$", re.IGNORECASE)
_HYPHENATED = re.compile(r"[^\W\d_]-$")
# a line this much shorter than the page's usual line width ends its paragraph
_SHORT_LINE_RATIO = 0.8
_HEADING_MAX_WORDS = 12
_RUNNING_MIN_PAGES = 3


def extract_pdf(body: bytes) -> tuple[str, str]:
    reader = _open_pdf(body)
    pages = len(reader.pages)
    if pages > MAX_PDF_PAGES:
        raise LimitExceeded("pdf_pages", f"{pages} pages; the limit is {MAX_PDF_PAGES}")
    _check_pdf_content(reader)
    texts = []
    for page in reader.pages:
        try:
            texts.append(page.extract_text() or "")
        except Exception:  # noqa: S112 -- one broken page must not lose the others
            continue
    title = ""
    with contextlib.suppress(Exception):  # a damaged info dictionary only costs the title
        title = str(reader.metadata.title or "").strip() if reader.metadata else ""
    return title, _pdf_markdown(texts)


def _check_pdf_content(reader: PdfReader) -> None:
    """Refuse a PDF whose page contents inflate past the budget before extracting any text,
    which costs about a CPU second per megabyte of content."""
    total = 0
    for page in reader.pages:
        total += _content_size(page)
        if total > MAX_PDF_CONTENT_BYTES:
            raise LimitExceeded(
                "pdf_content_bytes",
                f"page contents inflate past {MAX_PDF_CONTENT_BYTES:,} bytes",
            )


def _content_size(page: Any) -> int:
    """Inflated bytes of a page's content streams (decoded, not parsed: pypdf's
    `get_contents` would parse every operation); a damaged page counts nothing here."""
    try:
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else []
        streams = contents if isinstance(contents, list) else [contents]
        return sum(len(stream.get_object().get_data()) for stream in streams)
    except Exception:  # the page fails (or is skipped) when its text is extracted
        return 0


def _open_pdf(body: bytes) -> PdfReader:
    # pypdf raises a wide range of exception types on malformed input
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("the PDF is password-protected")
        len(reader.pages)  # forces the page tree to load, where damage usually shows
    except ExtractionError:
        raise
    except Exception as error:
        raise ExtractionError("the PDF could not be read (damaged or not a PDF)") from error
    return reader


def _pdf_markdown(page_texts: list[str]) -> str:
    """Rebuild blocks from PDF text lines, which carry no paragraph marks.

    Body lines run close to the full width; a notably shorter line ends its block. A short
    unpunctuated line that starts with a capital is taken for a heading.
    """
    pages = [[line.strip() for line in text.splitlines() if line.strip()] for text in page_texts]
    running = _running_lines(pages)
    lines = [
        line
        for page in pages
        for line in page
        if line not in running and not _PAGE_NUMBER.match(line)
    ]
    if not lines:
        return ""
    short = _SHORT_LINE_RATIO * _typical_width(lines)
    blocks: list[str] = []
    ended = True
    for line in lines:
        item = _BULLET.sub("- ", line)
        is_item = item != line or bool(_NUMBERED.match(line))
        if blocks and not ended and not is_item:
            blocks[-1] = _join_wrapped(blocks[-1], item)
        elif ended and not is_item and _looks_like_heading(line, short):
            blocks.append(f"## {line}")
            continue
        else:
            blocks.append(item)
        punctuated = bool(_PARAGRAPH_END.search(line))
        ended = len(line) < short and (punctuated or _is_list_item(blocks[-1]))
    return _join_blocks(blocks)


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Running headers and footers: edge lines repeated on most pages."""
    if len(pages) < _RUNNING_MIN_PAGES:
        return set()
    counts = Counter(line for page in pages for line in {*page[:2], *page[-2:]})
    needed = max(_RUNNING_MIN_PAGES, len(pages) // 2)
    return {line for line, count in counts.items() if count >= needed}


def _looks_like_heading(line: str, short: float) -> bool:
    return (
        len(line) < short
        and not _PARAGRAPH_END.search(line)
        and line[:1].isupper()
        and len(line.split()) <= _HEADING_MAX_WORDS
    )


def _typical_width(lines: list[str]) -> float:
    lengths = sorted(len(line) for line in lines)
    return float(statistics.quantiles(lengths, n=10)[-1]) if len(lengths) > 1 else lengths[0]


def _join_wrapped(previous: str, line: str) -> str:
    if _HYPHENATED.search(previous) and line[:1].islower():
        return previous[:-1] + line
    return f"{previous} {line}"


def extract_docx(body: bytes) -> tuple[str, str]:
    _check_docx_size(body)
    try:
        document = docx.Document(io.BytesIO(body))
    except Exception as error:  # python-docx surfaces zip, XML and key errors alike
        raise ExtractionError("the DOCX file could not be read") from error
    blocks: list[str] = []
    for item in document.iter_inner_content():
        block = _table_markdown(item) if isinstance(item, Table) else _paragraph_markdown(item)
        if block:
            blocks.append(block)
    title = str(document.core_properties.title or "").strip()
    return title, _join_blocks(_number_lists(blocks))


def _check_docx_size(body: bytes) -> None:
    """Refuse a zip bomb from its directory, before inflating anything: a member's stated
    size bounds what zipfile will inflate (more fails its length and CRC check)."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise ExtractionError("the DOCX file could not be read") from error
    inflated = sum(info.file_size for info in members)
    if inflated > MAX_DOCX_UNCOMPRESSED_BYTES:
        raise LimitExceeded(
            "docx_unpacked_bytes",
            f"{inflated:,} bytes unpacked; the limit is {MAX_DOCX_UNCOMPRESSED_BYTES:,}",
        )
    xml = sum(info.file_size for info in members if info.filename.endswith((".xml", ".rels")))
    if xml > MAX_DOCX_XML_BYTES:
        raise LimitExceeded(
            "docx_xml_bytes", f"{xml:,} bytes of XML unpacked; the limit is {MAX_DOCX_XML_BYTES:,}"
        )


def _paragraph_markdown(paragraph: Paragraph) -> str:
    text = " ".join(paragraph.text.split())
    if not text:
        return ""
    style = paragraph.style.name if paragraph.style is not None else ""
    if style == "Title":
        return f"# {text}"
    if style.startswith("Heading "):
        level = style.removeprefix("Heading ")
        return f"{'#' * min(int(level), 6)} {text}" if level.isdigit() else text
    list_level = _list_level(paragraph, style)
    if list_level is not None:
        marker = "1." if "Number" in style else "-"
        return f"{'  ' * list_level}{marker} {text}"
    return text


def _list_level(paragraph: Paragraph, style: str) -> int | None:
    """Nesting level of a list paragraph (numbering or a List style), None otherwise."""
    properties: Any = paragraph._p.pPr
    numbering = properties.numPr if properties is not None else None
    if numbering is not None:
        return int(numbering.ilvl.val) if numbering.ilvl is not None else 0
    if style.startswith("List"):
        suffix = style.rsplit(" ", 1)[-1]
        return int(suffix) - 1 if suffix.isdigit() else 0
    return None


def _table_markdown(table: Table) -> str:
    rows = [_row_cells(row) for row in table.rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    lines = [_table_line(row + [""] * (width - len(row))) for row in rows]
    lines.insert(1, "|" + "---|" * width)
    return "\n".join(lines)


def _row_cells(row: Any) -> list[str]:
    cells: list[str] = []
    previous = None
    for cell in row.cells:
        if cell._tc is previous:  # a merged cell is reported once per grid column it spans
            continue
        previous = cell._tc
        cells.append(" ".join(cell.text.split()).replace("|", "\\|"))
    return cells


def _table_line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _number_lists(blocks: list[str]) -> list[str]:
    """Word numbers list paragraphs at render time; count each run of "1." items per level."""
    counters: dict[int, int] = {}
    numbered = []
    for block in blocks:
        indent = len(block) - len(block.lstrip(" "))
        if not block.lstrip(" ").startswith("1. "):
            counters = {} if not _is_list_item(block) else counters
            numbered.append(block)
            continue
        counters = {level: n for level, n in counters.items() if level <= indent}
        counters[indent] = counters.get(indent, 0) + 1
        numbered.append(f"{' ' * indent}{counters[indent]}.{block.lstrip(' ')[2:]}")
    return numbered


def _join_blocks(blocks: list[str]) -> str:
    """Blank lines between blocks, except between items of the same list."""
    out: list[str] = []
    for block in blocks:
        if out and _is_list_item(block) and _is_list_item(out[-1].rsplit("\n", 1)[-1]):
            out[-1] = f"{out[-1]}\n{block}"
        else:
            out.append(block)
    return "\n\n".join(out)


def _is_list_item(line: str) -> bool:
    return bool(_LIST_LINE.match(line))
