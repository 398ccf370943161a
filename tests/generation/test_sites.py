"""A first folder is named after the site (the suffix its page titles share) or provider."""

from __future__ import annotations

import pytest

from kbsmith.generation.sites import page_names, provider_name, site_name


@pytest.mark.parametrize(
    ("title", "others", "host", "name"),
    [
        ("Reset your password | Acme Help", [], "127.0.0.1", "Acme Help"),
        (
            "Invoices - Acme Docs",
            ["Refunds - Acme Docs", "Plans - Acme Docs"],
            "127.0.0.1",
            "Acme Docs",
        ),
        ("Invoices - Acme Docs", [], "docs.acme.com", "Acme Docs"),
        ("Web Courses Defined - Online Learning", [], "www.example.edu", "example.edu"),
        ("Reset your password", ["Change your plan"], "www.acme.com", "acme.com"),
        (
            "Reset your password",
            ["Invoices | Acme Help", "Plans | Acme Help"],
            "127.0.0.1",
            "Acme Help",
        ),
        (
            "Online Tuition and Financing | Liberty University",
            [],
            "www.liberty.edu",
            "Liberty University",
        ),
        ("A | B | C D E F G H", [], "x.test", "x.test"),
    ],
)
def test_a_site_is_named_by_its_titles_else_its_host(
    title: str, others: list[str], host: str, name: str
) -> None:
    assert site_name(title, others, host) == name


def test_a_provider_is_named_as_its_makers_write_it() -> None:
    assert [provider_name(p) for p in ("googledrive", "zendesk", "other")] == [
        "Google Drive",
        "Zendesk",
        "Other",
    ]


@pytest.mark.parametrize(
    ("body", "content_type", "names"),
    [
        (
            b'<html><head><meta property="og:site_name" content=" Acme  Help ">'
            b"<title>Reset | Acme Help</title></head><body>x</body></html>",
            "text/html; charset=utf-8",
            ("Acme Help", "Reset | Acme Help"),
        ),
        (b"<html><head><title>Plans - Acme</title></head></html>", "", ("", "Plans - Acme")),
        (b"<html><body><p>No head</p></body></html>", "text/html", ("", "")),
        (b"%PDF-1.7 <title>x</title>", "application/pdf", ("", "")),
    ],
)
def test_a_pages_declared_names_are_read_from_its_html(
    body: bytes, content_type: str, names: tuple[str, str]
) -> None:
    assert page_names(body, content_type) == names


def test_a_declared_site_name_comes_first() -> None:
    assert site_name("Reset | Acme Help", [], "127.0.0.1", declared="Acme") == "Acme"
