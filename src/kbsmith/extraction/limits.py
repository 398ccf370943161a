"""Bounds that keep a hostile or huge input from costing more than its budget.

The per-document budgets (`LimitExceeded` names the one a document broke) are checked by the
extractors; the process budget (memory, CPU time, wall time) is enforced on the extraction
child process (`isolated.py`), which is killed and replaced when it runs over.
"""

from dataclasses import dataclass

MAX_HTML_CHARS = 5_000_000
"""Decoded HTML beyond this is cut before parsing."""
MAX_HTML_ELEMENTS = 30_000
"""HTML elements past this many (in document order) are dropped before extraction: the cost
of extraction grows with the element count, and real pages stay far below (WCXB's largest
has about 16,000)."""
MAX_TEXT_CHARS = 5_000_000
"""Decoded plain text / Markdown beyond this is cut."""
MAX_PDF_PAGES = 500
"""A PDF with more pages is refused (limit `pdf_pages`)."""
MAX_PDF_CONTENT_BYTES = 32_000_000
"""A PDF whose page content streams inflate to more than this is refused (`pdf_content_bytes`):
text extraction costs CPU in proportion, and a text page holds tens of kilobytes."""
MAX_DOCX_UNCOMPRESSED_BYTES = 200_000_000
"""A DOCX whose parts (media included) inflate to more than this is refused (zip bomb)."""
MAX_DOCX_XML_BYTES = 32_000_000
"""A DOCX whose XML parts inflate to more than this is refused before parsing
(`docx_xml_bytes`): parsed XML takes several times its size in memory."""
MAX_EXTRACTED_CHARS = 3_000_000
"""Extracted text longer than this is refused (`extracted_chars`)."""


@dataclass(frozen=True)
class ProcessBudget:
    """What one document may cost the extraction process."""

    cpu_seconds: float = 30.0
    """CPU time (RLIMIT_CPU in the child; `cpu_seconds`)."""
    wall_seconds: float = 90.0
    """Time until the child is killed (`wall_seconds`); above cpu_seconds for loaded machines."""
    memory_bytes: int = 384 * 1024 * 1024
    """Address space beyond the idle child's (RLIMIT_AS; `memory_bytes`)."""
