"""`cascade` is trafilatura's own extraction, stage for stage, minus runs that cannot win.

It calls trafilatura's internal stages of the pinned version: these tests fail when those
internals move (an upgrade must re-check `cascade` against trafilatura's `trafilatura_sequence`,
`compare_extraction` and `bare_extraction`).
"""

import os
from copy import copy
from pathlib import Path

import pytest
import trafilatura
from lxml.etree import tostring  # type: ignore[import-untyped]
from trafilatura.external import try_readability
from trafilatura.utils import trim
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH

from kbsmith.extraction import cascade, html, scoring
from kbsmith.extraction.charset import decode
from tests.extraction.pages import article_body, html_page

DATA_DIR = Path(
    os.environ.get("KBSMITH_WEB_PAGES_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data" / "web-pages"
)
NAV = "<nav><ul>" + "".join(f"<li><a href='/{i}'>Section {i}</a></li>" for i in range(30))
NAV += "</ul></nav>"
FORUM_JSON_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org",'
    ' "@type": "DiscussionForumPosting", "headline": "Printer offline"}</script>'
)
POSTS = "".join(
    f'<div class="comment"><p>Post {i}: restarting the spooler fixed it for me, '
    "then I reinstalled the driver from the vendor's page.</p></div>"
    for i in range(6)
)
PAGES = {
    "article": html_page("Reset a password", f"<article>{article_body()}</article>", header=NAV),
    "table only": html_page(
        "Plans",
        "<div><table>"
        + "".join(
            f"<tr><td>Plan {i}</td><td>{i * 10} seats, priority support</td></tr>"
            for i in range(40)
        )
        + "</table></div>",
    ),
    "divs without paragraphs": html_page(
        "Release notes",
        "<div id='content'>"
        + "".join(
            f"<div>Version 2.{i} fixed the export of large reports to CSV files.</div>"
            for i in range(25)
        )
        + "</div>",
        header=NAV,
    ),
    "forum thread": html_page(
        "Printer offline", f"<main><h1>Printer offline</h1>{POSTS}</main>", head=FORUM_JSON_LD
    ),
    "short": html_page("Contact", "<p>Write to support.</p>", header=NAV),
    "small text in a large page": html_page(
        "Status",
        "<p>All systems operational.</p>",
        header=NAV + "<aside>" + article_body(3) + "</aside>",
    ),
    "little of the page extracted": html_page(
        "Outage",
        "<article><p>The export service was down for an hour; retry any export started "
        "between 9:00 and 10:00 UTC, nothing else is needed. Scheduled exports ran again "
        "on their own once the service was back, and no data was lost or sent twice.</p>"
        "</article>",
        header=NAV * 6,
    ),
    "infinite scroll": html_page(
        "Set up billing",
        f"<article><h2>Set up billing</h2>{article_body(3)}</article>"
        f'<div class="infinite-scroll"><article>{article_body(5)}</article></div>'
        '<div class="elementor-share-buttons"><p>Share on every network today</p></div>',
    ),
    "video": html_page(
        "Tutorial",
        "<article><p>Watch the setup video.</p>"
        '<iframe src="https://www.youtube.com/embed/abc"></iframe><p>Then restart.</p></article>',
    ),
}


def _trafilatura(tree: object, url: str | None, favor_recall: bool) -> str:
    return (
        trafilatura.extract(
            tree,
            url=url,
            favor_recall=favor_recall,
            output_format="markdown",
            include_formatting=True,
            include_tables=True,
            include_comments=True,
            include_links=False,
            include_images=False,
        )
        or ""
    )


def _assert_same_as_trafilatura(source: str, url: str | None) -> None:
    tree = html._parse(source)
    html.prune_invisible(tree)
    page = cascade.prepare(tree, source)
    before = tostring(page.tree)
    for favor_recall in (False, True):
        ours = cascade.extract_markdown(page, url, favor_recall=favor_recall).markdown
        assert ours == _trafilatura(tree, url, favor_recall)
    assert tostring(page.tree) == before  # one prepared page serves every pass


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_cascade_gives_trafilaturas_output(name: str) -> None:
    _assert_same_as_trafilatura(PAGES[name], "https://help.example.com/page")


@pytest.mark.parametrize(
    ("name", "favor_recall", "retried"),
    [
        ("little of the page extracted", False, True),
        ("little of the page extracted", True, False),  # no escalation in recall mode
        ("article", False, False),
    ],
)
def test_a_pass_tells_whether_trafilatura_retried_it_for_recall(
    name: str, favor_recall: bool, retried: bool
) -> None:
    page = cascade.prepare(html._parse(PAGES[name]), PAGES[name])
    assert (
        cascade.extract_markdown(page, None, favor_recall=favor_recall).retried_for_recall
        is retried
    )


def test_the_cascade_gives_trafilaturas_output_on_real_pages() -> None:
    if not DATA_DIR.is_dir():
        pytest.skip(f"WCXB pages not found at {DATA_DIR} (set KBSMITH_WEB_PAGES_DIR)")
    pages = scoring.load_pages(DATA_DIR)[::9]
    assert len({page.kind for page in pages}) == 4
    for page in pages:
        _assert_same_as_trafilatura(decode(page.html(), None, html=True), page.url)


def test_the_raw_tree_pruning_needs_a_marker() -> None:
    """`RAW_PRUNE_MARKERS` were read off these expressions: a change must be re-read."""
    assert [" ".join(x.path.split()) for x in RAW_TREE_PRUNE_XPATH] == [
        ".//*[self::div or self::section or self::aside]["
        " re:test(@id, 'mvp-post-add-(?:box|wrap)|infinite-?scroll') or"
        " re:test(@class, 'mvp-post-add-(?:box|wrap)|infinite-?scroll')]["
        " not(.//h1) or re:test(@id, 'mvp-post-add-(?:box|wrap)') or"
        " re:test(@class, 'mvp-post-add-(?:box|wrap)')]",
        ".//*[self::div or self::section or self::aside]"
        "[contains(@class, 'elementor-share-buttons')]",
    ]
    tree = html._parse(PAGES["infinite scroll"])
    pruned = cascade.prepare(tree, PAGES["infinite scroll"]).tree
    assert pruned.find(".//div[@class='infinite-scroll']") is None
    assert pruned.find(".//div[@class='elementor-share-buttons']") is None
    assert tree.find(".//div[@class='infinite-scroll']") is not None


def test_trafilatura_is_the_version_the_cascade_mirrors() -> None:
    assert trafilatura.__version__ == "2.3.1", "re-check cascade.py against the new internals"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_readabilitys_text_is_within_the_bound(name: str) -> None:
    tree = html._parse(PAGES[name])
    page = cascade.prepare(tree, PAGES[name])
    text = trim(
        tostring(try_readability(copy(page.tree)), method="text", encoding="utf-8").decode()
    )
    assert len(text) <= page.readability_bound


@pytest.mark.parametrize(
    "text", ["plain words", " \n\t spaced \u00a0 out\u3000words \u2028", "", "\u00a0"]
)
def test_the_bound_is_never_below_the_trimmed_text(text: str) -> None:
    tree = html._parse(f"<html><body><div>{text}</div><p> more</p></body></html>")
    assert cascade.readability_bound(tree) >= len(trim(tree.text_content()))


def test_a_kept_video_counts_in_the_bound() -> None:
    without = cascade.readability_bound(html._parse(PAGES["video"].replace("<iframe", "<span")))
    assert cascade.readability_bound(html._parse(PAGES["video"])) == without + len("VIDEO")


MIN = 250


@pytest.mark.parametrize(
    ("len_text", "bound", "deficient", "recall", "expected"),
    [
        (0, 0, False, False, False),  # nothing on the page: readability finds nothing
        (0, 100, False, False, True),  # the own text is empty: anything wins
        (0, 100, False, True, True),
        (1000, 0, True, False, False),
        (1000, 600, True, False, True),  # deficient own extraction, readability may pass 500
        (1000, 500, True, False, False),  # ...but it cannot pass 500 here
        (100, 2000, False, False, True),  # own text 5% of the page
        (399, 2000, False, False, True),  # just below a fifth
        (400, 2000, False, False, False),  # a fifth of the page: not run
        (999, 2000, False, False, False),  # readability could not double it anyway
        (1000, 1001, False, True, True),  # recall: readability could be longer
        (1000, 1000, False, True, False),  # recall: it could at most equal it
        (1000, 1000, True, True, True),  # deficient wins in either focus
    ],
)
def test_readability_runs_only_when_it_could_win(
    len_text: int, bound: int, deficient: bool, recall: bool, expected: bool
) -> None:
    assert (
        cascade.readability_may_win(
            len_text, bound, deficient=deficient, recall=recall, min_size=MIN
        )
        is expected
    )
