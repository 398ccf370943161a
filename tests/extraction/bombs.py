"""Hostile documents built in code, small on disk: each would cost far more than its budget."""

from __future__ import annotations

import io
import zipfile
import zlib

from tests.extraction.builders import docx_guide, pdf_with_lines


def docx_with_huge_xml(xml_bytes: int) -> bytes:
    """A valid DOCX whose word/document.xml unpacks to about *xml_bytes* (mostly one run of
    paragraphs), deflated to a few hundred kilobytes at most."""
    source = zipfile.ZipFile(io.BytesIO(docx_guide()))
    paragraph = b"<w:p><w:r><w:t>All work and no play makes a dull document.</w:t></w:r></w:p>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                head, tail = data.split(b"<w:body>", 1)
                data = head + b"<w:body>" + paragraph * (xml_bytes // len(paragraph)) + tail
            bomb.writestr(info.filename, data)
    return out.getvalue()


def pdf_with_pages(pages: int) -> bytes:
    """A PDF of *pages* one-line pages."""
    return pdf_with_lines([[f"Page {n} of the long manual."] for n in range(pages)])


def pdf_with_heavy_streams(pages: int, stream_bytes: int) -> bytes:
    """A PDF whose every page has a Flate content stream inflating to *stream_bytes* of text
    operations (each page about stream_bytes / 1000 on disk)."""
    line = b"BT /F1 11 Tf 72 740 Td (All work and no play makes a dull page.) Tj ET\n"
    content = zlib.compress(line * (stream_bytes // len(line)), 9)
    body = pdf_with_lines([["x"]] * pages)
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (
        len(content),
        content,
    )
    return _replace_contents(body, pages, stream)


def _replace_contents(body: bytes, pages: int, stream: bytes) -> bytes:
    """Rebuild the builder's PDF with every page's content object (5, 7, …) replaced."""
    from tests.extraction.builders import _serialise

    objects: dict[int, bytes] = {}
    for number in range(1, 4 + 2 * pages):
        start = body.index(b"\n%d 0 obj\n" % number) + len(b"\n%d 0 obj\n" % number)
        end = body.index(b"\nendobj\n", start)
        objects[number] = body[start:end]
    for page in range(pages):
        objects[5 + 2 * page] = stream
    return _serialise(objects)
