"""Pages that lie about their charset still decode right; undecodable bytes never crash."""

import contextlib
import sys
import unicodedata

import pytest

from kbsmith.extraction import ExtractionError, charset, extract
from kbsmith.extraction.charset import decode
from tests.extraction import pages

FRENCH = "Le café crème coûte 3 € à la brasserie « Chez Zoé » — naïve façade, déjà vu."


def _french_page(meta_charset: str) -> str:
    main = f"<h1>Café crème</h1><p>{FRENCH}</p>" + pages.article_body(4)
    return pages.html_page("Café crème", main).replace(
        "<meta charset='utf-8'>", f"<meta charset='{meta_charset}'>"
    )


def test_utf8_bytes_declared_latin1_decode_as_utf8() -> None:
    body = _french_page("iso-8859-1").encode("utf-8")
    extracted = extract(body, "text/html; charset=iso-8859-1")
    assert extracted.title == "Café crème"
    assert FRENCH in "\n".join(extracted.paragraphs)


def test_cp1252_bytes_declared_utf8_decode_as_cp1252() -> None:
    body = _french_page("utf-8").encode("cp1252")
    extracted = extract(body, "text/html; charset=utf-8")
    assert FRENCH in "\n".join(extracted.paragraphs)
    assert "\ufffd" not in "".join(extracted.paragraphs)


RUSSIAN = "Привет! Это справочная статья о настройке проекта и команды."  # noqa: RUF001


def test_meta_charset_used_when_the_header_has_none() -> None:
    russian = RUSSIAN
    page = pages.html_page("Справка", f"<p>{russian}</p>" + pages.article_body(4))
    body = page.replace("charset='utf-8'", "charset='windows-1251'").encode("cp1251")
    assert russian in "\n".join(extract(body, "text/html").paragraphs)


def test_header_and_meta_disagree_and_the_bytes_decide() -> None:
    russian = RUSSIAN
    body = f"<meta charset='windows-1251'><p>{russian}</p>".encode("cp1251")
    assert russian in decode(body, "text/html; charset=iso-8859-1", html=True)


def test_undeclared_legacy_text_is_detected() -> None:
    text = "Grüße aus München! Die Straße ist schön, und der Kaffee ist heiß. " * 5
    assert decode(text.encode("cp1252"), "text/plain", html=False) == text


def test_byte_order_mark_wins() -> None:
    assert decode("hé".encode("utf-16"), "text/plain; charset=iso-8859-1", html=False) == "hé"


@pytest.mark.parametrize("content_type", ["text/html", "text/plain", None])
def test_undecodable_bytes_never_crash(content_type: str | None) -> None:
    body = bytes(range(256)) * 50
    with contextlib.suppress(ExtractionError):
        extract(body, content_type)


SUPPORT = (
    "<p>Our support team answers every message within one working day \u2013 even on public"
    " holidays. Customers in München can call us.</p>"
)
SUPPORT_PAGE = pages.html_page("Support hours", SUPPORT * 5).encode()
THREE_BROKEN = (
    SUPPORT_PAGE.replace(b"answers", b"ans\xfewers", 1)
    .replace(b"message", b"mess\xfdage", 1)
    .replace(b"within", b"with\xffin", 1)
)
JUNK = bytes((n * 7919 + n // 3 * 104729) % 256 for n in range(5000))
"""Bytes that are no text in any charset (deterministic, so the test is too)."""


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        # UTF-8 with 3 broken bytes: UTF-8, those bytes replaced, the rest intact (a legacy
        # charset chosen by detection garbled every valid character: "MĂĽnchen")
        (THREE_BROKEN, "text/html; charset=x-unknown", "ans\ufffdwers every mess\ufffdage"),
        (THREE_BROKEN, "text/html; charset=utf-8", "with\ufffdin one working day \u2013 even"),
        (THREE_BROKEN, None, "Customers in München"),
        # mis-declared legacy text is still read in its own charset
        (_french_page("utf-8").encode("cp1252"), "text/html; charset=utf-8", FRENCH),
    ],
    ids=["unknown charset", "declared utf-8", "undeclared", "cp1252 declared utf-8"],
)
def test_decoding_picks_the_charset_that_makes_sense(
    body: bytes, content_type: str | None, expected: str
) -> None:
    text = decode(body, content_type, html=True)
    assert expected in text
    assert text.count("\ufffd") == (3 if body is THREE_BROKEN else 0)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (JUNK, "text/plain; charset=utf-16"),
        (JUNK, "text/html; charset=utf-16"),
        (JUNK, "text/plain"),
        (
            b"\x01\x02\x03\x04 some \x05\x06\x07\x08\x0e\x0f\x10\x11 words \x12\x13\x14",
            "text/plain",
        ),
    ],
    ids=["junk as utf-16 text", "junk as utf-16 html", "junk undeclared", "control characters"],
)
def test_text_that_is_mostly_not_text_is_refused_naming_the_limit(
    body: bytes, content_type: str
) -> None:
    with pytest.raises(ExtractionError, match="extraction limit undecodable_chars "):
        extract(body, content_type)


def test_the_junk_count_is_exactly_replacement_controls_and_surrogates_not_spaces() -> None:
    """`_refuse_garbage` counts junk with one regex and visible characters with str.split;
    both must mean what the limit says, on every code point."""
    every = [chr(code) for code in range(sys.maxunicode + 1)]
    junk = "".join(
        c
        for c in every
        if not c.isspace() and (c == "\ufffd" or unicodedata.category(c) in ("Cc", "Cs"))
    )
    assert "".join(charset._JUNK.findall("".join(every))) == junk
    assert sum(map(len, "".join(every).split())) == sum(not c.isspace() for c in every)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("plain words " * 10, False),
        ("words " * 9 + "\ufffd", False),  # 1 junk in 55 visible characters
        ("ab\x01" * 10, True),
        ("\x00\t\n\x1c\x85 " * 50 + "text", True),  # whitespace controls are not counted
        ("\ufffd" * 10 + "x" * 90, False),  # exactly 10%: not more than the share
        ("\ufffd" * 11 + "x" * 89, True),
        (" \n\t" * 30, False),  # nothing visible: nothing to refuse
    ],
)
def test_garbage_share(text: str, refused: bool) -> None:
    if refused:
        with pytest.raises(ExtractionError, match="undecodable_chars"):
            charset._refuse_garbage(text)
    else:
        assert charset._refuse_garbage(text) == text
