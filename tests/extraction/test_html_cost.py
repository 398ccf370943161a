"""The cheap paths of HTML extraction give what the expensive ones gave.

The page is parsed with trafilatura's parser settings but a C-level element class lookup;
consent overlays are pruned once in one walk (formerly four XPath scans per trafilatura pass),
the title comes from trafilatura's meta/JSON-LD/heading steps alone (formerly its whole
metadata extraction) and the recall-oriented pass is skipped when it cannot win. The WCXB
quality test checks the outcome on real pages; these pin each shortcut on its own.
"""

import pytest
import trafilatura
from lxml.etree import XPath, tostring  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

from kbsmith.extraction import html
from kbsmith.extraction.result import ExtractionError

# what the consent pruning replaced, passed as trafilatura's prune_xpath in each pass
CONSENT_XPATHS = [
    "//*[contains(@id, 'onetrust') or contains(@class, 'onetrust')]",
    "//*[contains(@id, 'CybotCookiebot') or contains(@id, 'cookiebot')]",
    "//*[contains(@id, 'didomi') or contains(@class, 'qc-cmp') or contains(@id, 'usercentrics')"
    " or contains(@class, 'osano') or contains(@class, 'cmplz') or contains(@id, 'truste-consent')"
    " or contains(@id, 'cmpbox')]",
    "//*[contains(@id, 'cookie-banner') or contains(@class, 'cookie-banner')"
    " or contains(@id, 'cookie-consent') or contains(@class, 'cookie-consent')"
    " or contains(@id, 'cookie-notice') or contains(@class, 'cookie-notice')"
    " or contains(@id, 'cookie-law') or contains(@class, 'cookie-law')]",
]

PAGE = """<html><head><title>Billing help</title>
<meta property="og:title" content="Update your billing address"></head><body>
<div id="onetrust-banner-sdk">We use cookies <b>to improve</b> things</div>tail one
<article><h1>Update your billing address</h1>
<p>Open <i>Settings</i>, then Billing.</p><!-- a comment --><div class="cmplz-cookiebanner">
<div id="CybotCookiebotDialog">Accept all</div>inner tail</div>tail two
<p>Change the address and save.</p>
<section class="x qc-cmp2-container"><p id="didomi-notice">Consent</p></section>
<aside class="Cookie-Banner">case differs: kept</aside>
<footer id="cookie-law-info"><span class="osano-cm-dialog">Manage</span></footer>tail three
</article><script>var cookie-banner = 1;</script></body></html>"""


def _tree(text: str = PAGE):  # type: ignore[no-untyped-def]
    return html._parse(text)


@pytest.mark.parametrize(
    "text",
    [
        PAGE,
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>declared</p><p>x</p></body></html>',
        "<!DOCTYPE html><html/>\n<body><p>self-closed html</p></body>",
        "<html><body><p>control \x0b char</p><form><input name=q></form></body></html>",
        "plain words, no markup at all, but long enough to be a paragraph",
        "<div><p>a fragment</p><p>of two blocks</p></div><div>second</div>",
    ],
)
def test_the_parse_gives_trafilaturas_tree(text: str) -> None:
    theirs = trafilatura.load_html(text)
    try:
        ours = html._parse(text)
    except ExtractionError:
        assert theirs is None
        return
    assert tostring(ours) == tostring(theirs)
    assert all(type(element) is HtmlElement for element in ours.iter("*"))


def test_a_fragment_trafilatura_rejects_is_rejected() -> None:
    assert trafilatura.load_html("<p>one block</p>") is None
    with pytest.raises(ExtractionError):
        html._parse("<p>one block</p>")


def test_consent_pruning_removes_exactly_what_the_xpaths_did() -> None:
    ours, theirs = _tree(), _tree()
    html.prune_consent(ours)
    trafilatura.htmlprocessing.prune_unwanted_nodes(theirs, [XPath(x) for x in CONSENT_XPATHS])
    assert tostring(ours) == tostring(theirs)
    text = " ".join(ours.itertext())
    assert "Accept all" not in text and "Consent" not in text and "Manage" not in text
    assert "case differs: kept" in text
    assert all(tail in text for tail in ("tail one", "tail two", "tail three"))


def test_a_marker_written_with_character_references_is_found() -> None:
    page = "<html><body><div id='one&#116;rust-sdk'>Accept</div><p>Kept</p></body></html>"
    ours, theirs = _tree(page), _tree(page)
    html.prune_consent(ours)
    trafilatura.htmlprocessing.prune_unwanted_nodes(theirs, [XPath(x) for x in CONSENT_XPATHS])
    assert tostring(ours) == tostring(theirs)
    assert ours.find(".//div") is None


@pytest.mark.parametrize("marker", sorted({*html.CONSENT_IDS, *html.CONSENT_CLASSES}))
def test_a_page_with_any_consent_marker_gets_the_pruning_walk(marker: str) -> None:
    assert html._CONSENT_ANYWHERE.search(f"<div class='x {marker}-dialog'>Accept</div>")
    bare = "<div id='cookies' class='Cookie-Banner consent'>We use cookies</div>"
    assert not html._CONSENT_ANYWHERE.search(bare)  # case-sensitive, like the walk


def test_invisible_elements_go_once_but_json_ld_and_tails_stay() -> None:
    tree = _tree(
        "<html><head><style>p {}</style><script type='application/ld+json'>{}</script>"
        "</head><body><p>kept<script>var a;</script> tail one</p><svg><path d='M0'/></svg>"
        "tail two<template><p>not shown</p></template><noscript>kept too</noscript></body></html>"
    )
    assert html.prune_invisible(tree) is False
    assert [element.tag for element in tree.iter("script", "style", "svg", "template")] == [
        "script"
    ]
    assert " ".join(" ".join(tree.find("body").itertext()).split()) == (
        "kept tail one tail two kept too"
    )


def test_the_title_is_the_one_trafilatura_metadata_finds() -> None:
    tree = _tree()
    assert html.metadata_title(tree) == trafilatura.extract_metadata(tree).title
    assert html.metadata_title(tree) == "Update your billing address"
    no_meta = _tree(
        "<html><head><title>  Plans\u00a0&amp; prices </title></head><body>"
        "<h1>Plans</h1><h1>Prices</h1><p>x</p></body></html>"
    )
    assert html.metadata_title(no_meta) == trafilatura.extract_metadata(no_meta).title


_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org", '
    '"@type": "NewsArticle", "headline": "From JSON-LD"}</script>'
)


@pytest.mark.parametrize(
    ("head", "title"),
    [
        (f"<title>Page</title>{_LD}", "From JSON-LD"),
        (f'<meta property="og:title" content="From OpenGraph">{_LD}', "From OpenGraph"),
        (f'<meta name="title" content="From a meta tag">{_LD}', "From a meta tag"),
        ('<script type="application/ld+json">{"headline": "Half-parsed", </script>', "Half-parsed"),
    ],
)
def test_json_ld_gives_the_title_only_when_the_meta_tags_do_not(head: str, title: str) -> None:
    tree = _tree(f"<html><head>{head}</head><body><h1>Heading</h1><p>x</p></body></html>")
    assert html.metadata_title(tree) == trafilatura.extract_metadata(tree).title == title


@pytest.mark.parametrize(
    ("body", "visible", "hidden"),
    [
        ("<p>Two  words</p>\n\n tail end", "Two words tail end", 0),
        (
            f"<p>Two  words</p>\n\n<script>{'x' * 900}</script>tail <noscript><p>no</p>"
            "</noscript><!-- not text -->end",
            "Two words tail end",
            2,
        ),
        ("<style>p {}</style><template><p>t</p></template><p>a <b>b</b></p>", "a b", 2),
        ("<noscript><script>x()</script>nested</noscript><p>only this</p>", "only this", 1),
    ],
)
def test_page_text_length_counts_visible_text_once_spaced(
    body: str, visible: str, hidden: int
) -> None:
    """Off by at most a character per hidden element (where its text met the text around)."""
    tree = _tree(
        f"<html><head><title>T</title><style>p {{}}</style></head><body>{body}</body></html>"
    )
    assert abs(html.page_text_length(tree) - len(visible)) <= hidden


@pytest.mark.parametrize(
    ("page_chars", "balanced_chars", "dropped", "recall_runs"),
    [
        (3000, 500, False, True),  # a sixth of a large page: recall runs
        (3000, 700, False, False),  # a quarter of a large page: the balanced pass stands
        (3000, 700, True, False),  # ...dropped headings or not: large pages are left alone
        (1500, 1400, True, True),  # a small page that lost a heading: recall runs
        (1500, 1400, False, False),  # a small page with its headings: the balanced pass stands
        (1500, 200, False, True),  # a small page, little of it found
    ],
)
def test_the_recall_pass_runs_only_when_it_could_win(
    page_chars: int, balanced_chars: int, dropped: bool, recall_runs: bool
) -> None:
    decision = html.recall_pass_runs(page_chars, balanced_chars, dropped_heading=dropped)
    assert decision is recall_runs


DOC = (
    "<html><body><h1>Refunds</h1><p>Ask within 30 days of delivery.</p>"
    "<div><h2>Exchanges</h2></div><p>Swap any size once.</p><h3></h3><p>Unheaded</p></body></html>"
)


@pytest.mark.parametrize(
    ("markdown", "dropped"),
    [
        ("Ask within 30 days of delivery.", True),  # the heading before it went missing
        ("# Refunds\n\nAsk within 30 days of  delivery.", False),  # kept, spacing aside
        ("Swap any size once.", False),  # its heading is not its sibling: nothing to say
        ("Unheaded", False),  # an empty heading is no heading
        ("", False),
    ],
)
def test_a_dropped_heading_is_one_whose_following_text_was_kept(
    markdown: str, dropped: bool
) -> None:
    assert html.dropped_heading(_tree(DOC), markdown) is dropped
