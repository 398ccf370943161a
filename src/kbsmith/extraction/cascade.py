"""trafilatura's extraction cascade for kbsmith's options, skipping stages that cannot win.

`trafilatura.extract(tree, output_format="markdown", include_formatting=True,
include_comments=True, include_tables=True)` with `favor_recall` on or off, rebuilt from
trafilatura's own stages (`trafilatura_sequence`, `compare_extraction` and the tail of
`bare_extraction` of the pinned trafilatura version; tests/extraction/test_cascade.py fails
when its internals move) so that one decision can be taken before a stage instead of after it:
readability-lxml, the external extractor every pass runs (a tenth of an extraction's CPU, in
pure Python), runs only when its text could replace the pass's own. Its text is made of the
page's text nodes (plus "VIDEO" for each video iframe it keeps), so it is never longer than the
page's text; when that bound already rules out every rule by which trafilatura would prefer it,
it is not run. The output is the same as trafilatura's, character for character.
"""

import logging
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from typing import NamedTuple

from lxml.etree import Element, XPath, _Element, tostring  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.baseline import baseline, html2txt
from trafilatura.core import (
    ESCALATION_ACCEPT_RATIO,
    ESCALATION_JUSTEXT_RATIO,
    ESCALATION_MAX_LENGTH,
    ESCALATION_PAGE_SHARE,
    _forum_thread_page,
    _prepare_tree,
    determine_returnstring,
)
from trafilatura.external import (
    JUSTEXT_OVERRIDE_RATIO,
    SANITIZED_XPATH,
    _prefer_readability,
    justext_rescue,
    sanitize_tree,
    try_readability,
)
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes
from trafilatura.main_extractor import _elem_text, extract_comments, extract_content
from trafilatura.metadata import Document
from trafilatura.settings import Extractor
from trafilatura.utils import trim
from trafilatura.xpaths import (
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
)

# what readability-lxml writes into each video iframe it keeps
_VIDEO_MARK = len("VIDEO")
LOGGER = logging.getLogger(__name__)
_SPACED_TEXT_LENGTH = XPath("string-length(normalize-space(.))")
_IFRAMES = XPath("count(.//iframe)")
# trafilatura's raw-tree pruning matches only elements whose id or class holds one of these
# (case-sensitive): its regular expressions call back into Python for every div, section and
# aside (4% of an extraction), a substring test of the page's source rules most pages out. A
# marker written with character references in the attribute would be missed; no theme does.
RAW_PRUNE_MARKERS = (
    "mvp-post-add-",
    "infinitescroll",
    "infinite-scroll",
    "elementor-share-buttons",
)
# A balanced pass's own text holding this share of the page's text is never replaced by
# readability's: the bound says it could be only below 0.5 (readability would need more than
# twice the own text). On the two tuning thirds of the WCXB dev pages the largest share at
# which readability won was 0.19 (held-out third: 0.13); above 0.2 are 139 of its 391 runs.
READABILITY_MAX_SHARE = 0.2


@dataclass(frozen=True)
class Page:
    """The page as every pass reads it: trafilatura's raw-tree pruning done once, on a copy
    no pass modifies, with what the passes would otherwise each work out again."""

    tree: HtmlElement
    is_forum: bool
    readability_bound: int


def prepare(tree: HtmlElement, source: str) -> Page:
    """The page parsed from `source`, ready for `extract_markdown`; `tree` itself is left
    as it was."""
    is_forum = _forum_thread_page(tree)
    pruned = copy(tree)
    if any(marker in source for marker in RAW_PRUNE_MARKERS):
        pruned = prune_unwanted_nodes(pruned, RAW_TREE_PRUNE_XPATH)
    return Page(pruned, is_forum, readability_bound(pruned))


class Pass(NamedTuple):
    markdown: str
    retried_for_recall: bool
    """trafilatura's recall escalation ran: this balanced pass already retried the page
    in recall mode (and with justext), and kept the retry when clearly longer."""


def extract_markdown(page: Page, url: str | None, *, favor_recall: bool) -> Pass:
    """What `trafilatura.extract` gives for the tree with kbsmith's options ("" for None)."""
    options = _options(url, favor_recall=favor_recall)
    try:
        body, text, comments_body, comments, retried = _sequence(page, options, url)
    except (TypeError, ValueError) as err:  # what `bare_extraction` turns into None
        LOGGER.warning("discarding data: %s %s", url, err)
        return Pass("", retried_for_recall=False)
    if not text and not comments:  # min_output_size and min_output_comm_size are 1
        return Pass("", retried)
    document = Document()
    document.raw_text, document.commentsbody, document.body = text, comments_body, body
    return Pass(determine_returnstring(document, options), retried)


def _options(url: str | None, *, favor_recall: bool) -> Extractor:
    """The options `trafilatura.extract` builds for kbsmith's arguments (reading its
    settings file each time), copied from ones built once."""
    options = copy(_RECALL if favor_recall else _BALANCED)
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def _built_options(*, favor_recall: bool) -> Extractor:
    return Extractor(
        output_format="markdown",
        recall=favor_recall,
        comments=True,
        formatting=True,
        links=False,
        images=False,
        tables=True,
    )


_BALANCED = _built_options(favor_recall=False)
_RECALL = _built_options(favor_recall=True)


def _sequence(
    page: Page, options: Extractor, url: str | None
) -> tuple[_Element, str, _Element, str, bool]:
    """`trafilatura_sequence` with comments on and no precision focus. Every stage works on
    copies of `page.tree` (tests/extraction/test_cascade.py checks it is left as it was)."""
    tree, is_forum = page.tree, page.is_forum
    cleaned_tree, cleaned_backup = _prepare_tree(tree, options, url)
    comments_body, comments, cleaned_tree = extract_comments(cleaned_tree, options)
    forum_posts = None
    if comments and is_forum:  # the "comments" of a thread forum are its posts
        forum_posts, comments_body, comments = comments_body, Element("body"), ""
        cleaned_tree = convert_tags(copy(cleaned_backup), options, url)
    body, text = _extract_and_compare(cleaned_tree, cleaned_backup, tree, page, options)
    if len(text) < options.min_extracted_size:
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(text):
            body, text, forum_posts = b_body, b_text, None
    retried = options.focus == "balanced" and _escalates(text, tree)
    if retried:
        esc_tree = tree if is_forum else _without_comments(tree, bool(comments))
        esc_page = Page(esc_tree, is_forum, page.readability_bound)  # pruned: the bound holds
        body, text, forum_posts = _escalate(esc_page, options, url, (body, text, forum_posts))
    if forum_posts is not None:
        body, text = _salvage_posts(body, text, forum_posts)
    return body, text, comments_body, comments, retried


def _extract_and_compare(
    cleaned_tree: HtmlElement,
    cleaned_backup: HtmlElement,
    tree: HtmlElement,
    page: Page,
    options: Extractor,
) -> tuple[_Element, str]:
    body, text = extract_content(cleaned_tree, options)
    return _compare(cleaned_backup, tree, page.readability_bound, body, text, options)


def _escalates(text: str, tree: HtmlElement) -> bool:
    return 0 < len(text) < ESCALATION_MAX_LENGTH and len(text) < ESCALATION_PAGE_SHARE * len(
        html2txt(tree)
    )


def _without_comments(tree: HtmlElement, comments_captured: bool) -> HtmlElement:
    xpath = REMOVE_COMMENTS_AND_LISTS_XPATH if comments_captured else REMOVE_COMMENTS_XPATH
    return prune_unwanted_nodes(copy(tree), xpath)


def _escalate(
    page: Page,
    options: Extractor,
    url: str | None,
    current: tuple[_Element, str, _Element | None],
) -> tuple[_Element, str, _Element | None]:
    """Stage 4: a recall-focused retry and justext, kept when clearly longer."""
    body, text, forum_posts = current
    r_options = copy(options)
    r_options.focus = "recall"
    esc_tree = page.tree
    r_body, r_text = _guarded(
        lambda: _extract_and_compare(
            *_prepare_tree(esc_tree, r_options, url), esc_tree, page, r_options
        )
    )
    j_body, j_text = _guarded(lambda: justext_rescue(copy(esc_tree), options))
    if len(j_text) > len(r_text) and len(j_text) > ESCALATION_JUSTEXT_RATIO * len(text):
        return j_body, j_text, None
    r_len = len(r_text)
    if r_len >= options.min_extracted_size and r_len > ESCALATION_ACCEPT_RATIO * len(text):
        return r_body, r_text, None
    return body, text, forum_posts


def _salvage_posts(body: _Element, text: str, forum_posts: _Element) -> tuple[_Element, str]:
    existing = "\n".join(filter(None, (_elem_text(el) for el in body)))
    salvaged = [el for el in forum_posts if (t := _elem_text(el)) and t not in existing]
    if not salvaged:
        return body, text
    body.extend(salvaged)
    return body, " ".join(body.itertext()).strip()


def _compare(
    cleaned_backup: HtmlElement,
    tree: HtmlElement,
    bound: int,
    body: _Element,
    text: str,
    options: Extractor,
) -> tuple[_Element, str]:
    """`compare_extraction`, readability run only when it could be preferred."""
    len_text = len(text)
    if options.focus == "recall" and len_text > options.min_extracted_size * 10:
        return body, text
    use_readability = False
    if readability_may_win(
        len_text,
        bound,
        deficient=_deficient(body),
        recall=options.focus == "recall",
        min_size=options.min_extracted_size,
    ):
        algo_body = try_readability(copy(tree))
        algo_text = trim(tostring(algo_body, method="text", encoding="utf-8").decode("utf-8"))
        use_readability = _prefer_readability(
            body, algo_body, algo_text, len_text, len(algo_text), options
        )
        if use_readability:
            body, text, len_text = algo_body, algo_text, len(algo_text)
    unclean = bool(body.xpath(SANITIZED_XPATH))
    if unclean or len_text < options.min_extracted_size:
        body2, text2 = justext_rescue(cleaned_backup, options)
        # unclean: shorter allowed (boilerplate dropped); merely short: must add text
        len_text2 = len(text2)
        accept = len_text <= JUSTEXT_OVERRIDE_RATIO * len_text2 if unclean else len_text < len_text2
        if text2 and accept:
            body, text, use_readability = body2, text2, False
    if use_readability:
        body, text = sanitize_tree(body, options)
    return body, text


def _guarded(stage: Callable[[], tuple[_Element, str]]) -> tuple[_Element, str]:
    """trafilatura's guard around the escalation's candidates: a failing one counts as empty."""
    try:
        return stage()
    except Exception as err:
        LOGGER.warning("escalation candidate failed: %s", err)
        return Element("body"), ""


def readability_may_win(
    len_text: int, bound: int, *, deficient: bool, recall: bool, min_size: int
) -> bool:
    """Whether readability, whose text has at most `bound` characters, is worth running
    against the pass's own `len_text`. `_prefer_readability` takes it when the own text is
    empty, when the own extraction is structurally deficient (no paragraph text or more
    tables than paragraphs) and readability passes twice the minimum size, or when
    readability is more than twice as long (balanced) or longer (recall, whose extra rules
    all need that). Balanced, it is run only below `READABILITY_MAX_SHARE` of the bound."""
    if bound == 0:
        return False
    if len_text == 0 or (deficient and bound > 2 * min_size):
        return True
    if recall:
        return bound > len_text
    return len_text < READABILITY_MAX_SHARE * bound


def readability_bound(tree: HtmlElement) -> int:
    """An upper bound on the length of readability's text for the tree: its text is a
    subsequence of the page's text nodes, its spaces collapsed (`trim`), plus "VIDEO" per
    iframe. Counted in C: XPath collapses only ASCII whitespace, `trim` all of it, so the
    XPath length is never the shorter."""
    return int(_SPACED_TEXT_LENGTH(tree)) + _VIDEO_MARK * int(_IFRAMES(tree))


def _deficient(body: _Element) -> bool:
    tables, paragraphs = len(body.findall(".//table")), len(body.findall(".//p"))
    return not body.xpath(".//p//text()") or tables > paragraphs
