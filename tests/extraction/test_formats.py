"""Type resolution, plain text, Markdown, PDF, DOCX and the size bounds."""

import pytest
import trafilatura

from kbsmith.extraction import ExtractionError, content_hash, documents, extract, html
from kbsmith.extraction.mime import DOCX, sniff_file
from tests.extraction import builders, pages


def test_zero_bytes_is_an_empty_response_body() -> None:
    with pytest.raises(ExtractionError, match=r"^empty response body$"):
        extract(b"", "text/html")


@pytest.mark.parametrize("content_type", ["image/png", "application/zip; charset=binary"])
def test_unsupported_types_are_named(content_type: str) -> None:
    with pytest.raises(ExtractionError, match=f"^unsupported content type {content_type[:9]}"):
        extract(b"\x89PNG\r\n\x1a\n\x00\x00", content_type)


def test_plain_text_splits_on_blank_lines() -> None:
    body = b"First line\nwrapped here.\n\n\nSecond   paragraph.\n\n# Heading\nUnder it.\n"
    extracted = extract(body, "text/plain; charset=utf-8")
    assert extracted.mime_type == "text/plain"
    assert extracted.title == ""
    assert extracted.paragraphs == [
        "First line wrapped here.",
        "Second paragraph.",
        "# Heading\nUnder it.",
    ]


def test_markdown_keeps_headings_with_their_text_and_reads_front_matter() -> None:
    body = (
        b"---\ntitle: 'Quick start'\ntags: [a]\n---\n# Install\n\nRun it.\n\n"
        b"## Lists\n\n* one\n* two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    extracted = extract(body, "text/markdown")
    assert extracted.title == "Quick start"
    assert extracted.paragraphs == [
        "# Install\nRun it.",
        "## Lists\n- one\n- two",
        "| a | b |\n|---|---|\n| 1 | 2 |",
    ]


def test_markdown_title_falls_back_to_the_first_heading() -> None:
    assert extract(b"Intro.\n\n# Real title\n\nBody.", "text/markdown").title == "Real title"


@pytest.mark.parametrize(
    ("body", "content_type", "url", "mime_type"),
    [
        (pages.html_page("T", pages.article_body()).encode(), None, None, "text/html"),
        (
            pages.html_page("T", pages.article_body()).encode(),
            "application/octet-stream",
            None,
            "text/html",
        ),
        (builders.pdf_with_lines([["Some PDF text."]]), None, None, "application/pdf"),
        (builders.pdf_with_lines([["Some PDF text."]]), "text/html", None, "application/pdf"),
        (builders.docx_guide(), "application/octet-stream", None, DOCX),
        (b"# Notes\n\nText.", "text/plain", "https://x.test/docs/README.md", "text/markdown"),
        (b"Just some words.", None, None, "text/plain"),
    ],
)
def test_type_comes_from_header_then_bytes(
    body: bytes, content_type: str | None, url: str | None, mime_type: str
) -> None:
    assert extract(body, content_type, url).mime_type == mime_type


@pytest.mark.parametrize(
    ("body", "name", "mime_type"),
    [
        (builders.pdf_with_lines([["Some PDF text."]]), "notes.md", "application/pdf"),
        (builders.docx_guide(), "guide.txt", DOCX),
        (b"PK\x03\x04" + b"\x00" * 30, "guide.docx", "application/zip"),
        (pages.html_page("T", pages.article_body()).encode(), "page.txt", "text/html"),
        (b"# Notes\n\nText.", "notes.md", "text/markdown"),
        (b"# Notes\n\nText.", "notes.txt", "text/plain"),
        (b"<p>Only a fragment</p>", "fragment.html", "text/html"),
        (b"\n<h1>Returns</h1>\n<p>Within 30 days.</p>", "returns.txt", "text/html"),
        (b'<div class="x">Body</div>', "body", "text/html"),
        (b'<p align="center">Logo</p>\n\n# Project', "README.md", "text/markdown"),
        (b"<product> is our name for it", "notes.txt", "text/plain"),
        (b"<pre>not a listed tag", "notes.txt", "text/plain"),
        ("Text in UTF-16.".encode("utf-16"), "utf16.txt", "text/plain"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.pdf", "application/octet-stream"),
    ],
)
def test_an_uploaded_file_is_typed_by_its_bytes(body: bytes, name: str, mime_type: str) -> None:
    """Its name may only tell Markdown from plain text."""
    assert sniff_file(body, name) == mime_type


def test_binary_without_type_is_unsupported() -> None:
    with pytest.raises(ExtractionError, match="unsupported content type application/octet-stream"):
        extract(b"\x00\x01\x02garbage\x00", None)


def test_docx_headings_lists_and_tables_become_markdown() -> None:
    extracted = extract(builders.docx_guide(), DOCX)
    assert extracted.mime_type == DOCX
    assert extracted.title == "Setup guide"
    assert extracted.paragraphs == [
        "# Installing\nFollow these steps.",
        "- Download the package\n- Run the | installer",
        "## Limits\n| Plan | Seats |\n|---|---|\n| Free | 3 |\n| Team | 50 |",
        "1. First\n2. Second",
        "That is all.",
    ]


def test_same_content_hashes_the_same_as_docx_and_markdown() -> None:
    markdown = (
        "# Installing\n\nFollow these steps.\n\n* Download the package\n* Run the | installer\n\n"
        "## Limits\n\n| Plan | Seats |\n| --- | --- |\n| Free | 3 |\n| Team | 50 |\n\n"
        "1. First\n2. Second\n\nThat is all.\n"
    )
    from_markdown = extract(markdown.encode(), "text/markdown").paragraphs
    from_docx = extract(builders.docx_guide(), DOCX).paragraphs
    assert content_hash(from_markdown) == content_hash(from_docx)


def test_broken_docx_is_a_clear_error() -> None:
    with pytest.raises(ExtractionError, match="DOCX file could not be read"):
        extract(b"PK\x03\x04 not really a zip", DOCX)


WRAPPED_PAGE = [
    "Getting started",
    "Kbsmith turns the pages of your website into a knowledge base that support agents",
    "and customers can search. Each source is fetched, cleaned and split into para-",
    "graphs that stay stable from one crawl to the next.",
    "Every paragraph is limited in length so that it fits comfortably into a prompt,",
    "and long ones are split at sentence boundaries.",
    "• Fetch the page",
    "• Extract the main text",
    "2",
]


def test_pdf_lines_are_rebuilt_into_paragraphs() -> None:
    body = builders.pdf_with_lines([WRAPPED_PAGE, ["Second page text ends here."]], "Guide")
    extracted = extract(body, "application/pdf")
    assert extracted.mime_type == "application/pdf"
    assert extracted.title == "Guide"
    assert extracted.paragraphs == [
        "## Getting started\nKbsmith turns the pages of your website into a knowledge base "
        "that support agents and customers can search. Each source is fetched, cleaned and "
        "split into paragraphs that stay stable from one crawl to the next.",
        "Every paragraph is limited in length so that it fits comfortably into a prompt, "
        "and long ones are split at sentence boundaries.",
        "- Fetch the page\n- Extract the main text",
        "Second page text ends here.",
    ]


def test_a_pdf_over_the_page_limit_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_PDF_PAGES", 2)
    two = builders.pdf_with_lines([["Page one."], ["Page two."]])
    assert extract(two, "application/pdf").paragraphs == ["Page one. Page two."]
    three = builders.pdf_with_lines([["Page one."], ["Page two."], ["Page three."]])
    with pytest.raises(ExtractionError, match=r"extraction limit pdf_pages \(3 pages"):
        extract(three, "application/pdf")


def test_encrypted_pdf_is_a_clear_error() -> None:
    with pytest.raises(ExtractionError, match="password-protected"):
        extract(builders.encrypted_pdf(["Secret text."], "hunter2"), "application/pdf")


@pytest.mark.parametrize("body", [b"%PDF-1.4\nnot a pdf at all", b"%PDF-1.7\n1 0 obj <<"])
def test_broken_pdf_is_a_clear_error(body: bytes) -> None:
    with pytest.raises(ExtractionError, match="PDF could not be read"):
        extract(body, "application/pdf")


def test_html_beyond_the_size_cap_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    page = pages.html_page("Capped", pages.article_body(6) + "<p>THE-TAIL-MARKER is here.</p>")
    assert "THE-TAIL-MARKER" in "\n".join(extract(page.encode(), "text/html").paragraphs)
    monkeypatch.setattr(html, "MAX_HTML_CHARS", page.index("THE-TAIL-MARKER"))
    assert "THE-TAIL-MARKER" not in "\n".join(extract(page.encode(), "text/html").paragraphs)


def test_html_elements_beyond_the_cap_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    page = pages.html_page("Capped", pages.article_body(6) + "<p>THE-TAIL-MARKER is here.</p>")
    tree = trafilatura.load_html(page)
    assert tree is not None
    elements = len(list(tree.iter()))
    # the tail paragraph, then <footer><p> are the last three elements
    monkeypatch.setattr(html, "MAX_HTML_ELEMENTS", elements - 3)
    paragraphs = extract(page.encode(), "text/html").paragraphs
    assert "Administrators decide" in "\n".join(paragraphs)
    assert "THE-TAIL-MARKER" not in "\n".join(paragraphs)


def test_html_keeps_structure_as_markdown_and_finds_the_title() -> None:
    main = (
        "<h1>Billing FAQ</h1>" + pages.article_body(3) + "<h2>Plans</h2><ul><li>Free plan</li>"
        "<li>Team plan</li></ul><table><tr><th>Plan</th><th>Seats</th></tr>"
        "<tr><td>Free</td><td>3</td></tr></table>" + pages.article_body(2)
    )
    extracted = extract(pages.html_page("Billing FAQ | Acme", main).encode(), "text/html")
    assert extracted.title.startswith("Billing FAQ")
    assert "## Plans\n- Free plan\n- Team plan" in extracted.paragraphs
    assert "| Plan | Seats |\n|---|---|\n| Free | 3 |" in extracted.paragraphs
    assert all(p == p.strip() and "  " not in p for p in extracted.paragraphs)


def test_an_admonition_heading_is_not_the_title() -> None:
    # DocBook pages (the PostgreSQL manual) have no <h1>; trafilatura's guess is then the
    # first element of class "title", the heading of a "Warning" box.
    main = (
        pages.article_body(2)
        + '<div class="warning"><h3 class="title">Warning</h3><p>Back up first.</p></div>'
        + pages.article_body(2)
    )
    extracted = extract(pages.html_page("pg_dump", main).encode(), "text/html")
    assert extracted.title == "pg_dump"


def test_pdf_running_headers_are_dropped() -> None:
    pages_lines = [["Acme Manual", f"Content of page {n} ends here."] for n in range(1, 5)]
    paragraphs = extract(builders.pdf_with_lines(pages_lines), "application/pdf").paragraphs
    assert "Acme Manual" not in "\n".join(paragraphs)
    assert "Content of page 4 ends here." in "\n".join(paragraphs)
