"""Bounds that keep a hostile or huge input from tying up a worker thread for minutes."""

MAX_HTML_CHARS = 5_000_000
"""Decoded HTML beyond this is cut before parsing."""
MAX_HTML_ELEMENTS = 30_000
"""HTML elements past this many (in document order) are dropped before extraction: the cost
of extraction grows with the element count, and real pages stay far below (WCXB's largest
has about 16,000)."""
MAX_TEXT_CHARS = 5_000_000
"""Decoded plain text / Markdown beyond this is cut."""
MAX_PDF_PAGES = 500
"""PDF pages past this are ignored."""
MAX_DOCX_UNCOMPRESSED_BYTES = 200_000_000
"""A DOCX whose parts inflate to more than this is refused (zip bomb)."""
