"""Pages that are not content are rejected with a reason; articles about them are not."""

import pytest

from kbsmith.extraction import ExtractionError, extract
from kbsmith.extraction.not_content import _capped_word_count
from tests.extraction import pages


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (pages.CLOUDFLARE_CHALLENGE, "bot challenge"),
        (pages.CAPTCHA_PAGE, "bot challenge"),
        (pages.LOGIN_FORM_PAGE, "login wall"),
        (pages.LOGIN_REQUIRED_PAGE, "login wall"),
        (pages.JAVASCRIPT_SHELL, "needs JavaScript"),
    ],
    ids=["cloudflare", "captcha", "login-form", "login-required", "javascript-shell"],
)
def test_not_content_is_rejected_with_its_reason(html: str, reason: str) -> None:
    with pytest.raises(ExtractionError, match=reason):
        extract(html.encode(), "text/html; charset=utf-8", "https://help.example.com/x")


@pytest.mark.parametrize(
    "script",
    [
        "<script>window._cf_chl_opt = {cvId: '3'};</script>",
        "<script id='anubis_challenge' type='application/json'>{}</script>",
        "<script src='https://ct.captcha-delivery.com/c.js'></script>",
    ],
    ids=["cloudflare", "anubis", "datadome"],
)
def test_a_challenge_known_only_by_its_script_is_rejected(script: str) -> None:
    html = (
        "<html><head><title>example.com</title></head><body><div>"
        f"<p>One moment while we look at your request.</p>{script}</div></body></html>"
    )
    with pytest.raises(ExtractionError, match="bot challenge"):
        extract(html.encode(), "text/html; charset=utf-8")


def test_page_without_any_text_says_so() -> None:
    html = b"<html><head><title>x</title></head><body><div><img src='a.png'></div></body></html>"
    with pytest.raises(ExtractionError, match="no text could be extracted"):
        extract(html, "text/html")


@pytest.mark.parametrize(
    "html",
    [pages.ARTICLE_ABOUT_LOGIN_AND_JAVASCRIPT, pages.ARTICLE_ABOUT_CHALLENGE_PAGES],
    ids=["mentions-login-and-javascript", "mentions-challenge-pages"],
)
def test_articles_that_mention_those_words_are_kept(html: str) -> None:
    extracted = extract(html.encode(), "text/html; charset=utf-8")
    text = "\n".join(extracted.paragraphs)
    assert "Administrators decide which members may edit" in text
    assert len(extracted.paragraphs) >= 5


def test_short_real_page_is_kept() -> None:
    html = pages.html_page(
        "Opening hours", "<h1>Opening hours</h1><p>" + " ".join(pages.ARTICLE_SENTENCES) + "</p>"
    )
    assert extract(html.encode(), "text/html").paragraphs


@pytest.mark.parametrize(
    ("text", "cap", "count"),
    [("", 3, 0), ("one two", 3, 2), ("a b c d", 3, 4), ("a b c d e f", 3, 4), ("a-b c", 9, 3)],
)
def test_word_counting_stops_past_the_cap(text: str, cap: int, count: int) -> None:
    assert _capped_word_count(text, cap) == count
