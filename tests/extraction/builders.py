"""Documents built in code for the extraction tests."""

import io

import docx
from pypdf import PdfReader, PdfWriter


def pdf_with_lines(pages: list[list[str]], title: str = "") -> bytes:
    """A minimal valid PDF with one Helvetica text line per entry, one page per list."""
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % i for i in page_ids), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for page_id, lines in zip(page_ids, pages, strict=True):
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects[page_id + 1] = _stream(_text_operations(lines))
    body = _serialise(objects)
    if not title:
        return body
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(body)))
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(lines: list[str], password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_lines([lines]))))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _text_operations(lines: list[str]) -> bytes:
    escaped = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
    shows = b" 0 -16 Td ".join(b"(%s) Tj" % line.encode("cp1252") for line in escaped)
    return b"BT /F1 11 Tf 72 740 Td " + shows + b" ET"


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def _serialise(objects: dict[int, bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx_guide() -> bytes:
    """Heading, intro, bullet list, numbered list, table, closing paragraph."""
    document = docx.Document()
    document.core_properties.title = "Setup guide"
    document.add_heading("Installing", level=1)
    document.add_paragraph("Follow these steps.")
    document.add_paragraph("Download the package", style="List Bullet")
    document.add_paragraph("Run the | installer", style="List Bullet")
    document.add_heading("Limits", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, values in zip(
        table.rows, [("Plan", "Seats"), ("Free", "3"), ("Team", "50")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("First", style="List Number")
    document.add_paragraph("Second", style="List Number")
    document.add_paragraph("That is all.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
