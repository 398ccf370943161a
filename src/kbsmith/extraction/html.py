"""HTML bodies -> (title, markdown) with trafilatura, plus not-content detection.

One parse per page: the lxml tree is decoded and parsed here once and prepared once for
trafilatura's passes (`cascade.prepare`), which read copies of it. The cost of a page is
dominated by those passes, so they get a smaller, cheaper tree, skip the stages that cannot
win (`cascade`) and run as rarely as possible: element proxies are made in C
(`_html_parser`), scripts, styles, SVG and templates are dropped once instead of by every
pass, and the recall-oriented pass runs only when the balanced one found little of the
page's text or, on a small page, dropped a heading. Everything around them is kept cheap
too: consent overlays are pruned once, in one walk, instead of by four XPath scans in each
pass; the title needs none of the date, author and category metadata.
"""

import contextlib
import itertools
import re

import lxml.html  # type: ignore[import-untyped]
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
from trafilatura.settings import Document
from trafilatura.utils import is_dubious_html, repair_faulty_html
from trafilatura.xml import delete_element

from kbsmith.extraction.cascade import extract_markdown, prepare
from kbsmith.extraction.charset import decode
from kbsmith.extraction.limits import MAX_HTML_CHARS, MAX_HTML_ELEMENTS
from kbsmith.extraction.not_content import challenge_script, check_page
from kbsmith.extraction.result import ExtractionError

# Consent-manager overlays are never content, yet trafilatura sometimes keeps their text
# (notably on forums, where they outweigh short threads). An element goes, with its subtree
# (its tail text stays), when its id or class contains one of these (case-sensitive, like
# XPath's contains()).
CONSENT_IDS = (
    "onetrust",
    "CybotCookiebot",
    "cookiebot",
    "didomi",
    "usercentrics",
    "truste-consent",
    "cmpbox",
    "cookie-banner",
    "cookie-consent",
    "cookie-notice",
    "cookie-law",
)
CONSENT_CLASSES = (
    "onetrust",
    "qc-cmp",
    "osano",
    "cmplz",
    "cookie-banner",
    "cookie-consent",
    "cookie-notice",
    "cookie-law",
)
# one regex search per attribute instead of a substring test per marker
_CONSENT_ID = re.compile("|".join(map(re.escape, CONSENT_IDS)))
_CONSENT_CLASS = re.compile("|".join(map(re.escape, CONSENT_CLASSES)))
# a page none of whose ids and classes holds a marker (most pages) needs no walk; they are
# collected in C and searched at once (the page's whole source took longer to search)
_CONSENT_ANYWHERE = re.compile("|".join(map(re.escape, sorted({*CONSENT_IDS, *CONSENT_CLASSES}))))
_IDS_AND_CLASSES = etree.XPath("//@id | //@class")
# the recall-oriented pass replaces the balanced one when it finds this much more text
RECALL_GAIN = 1.2
# ...and runs only when the balanced text has less than this share of the page's text.
# Tuned on two thirds of the WCXB dev pages (`scoring.held_out` are the rest): run below a
# share of 0.8, it cost 7 pages in 10 a second pass and won on about 1 in 9 of those; below
# 0.2 it runs on 1 page in 20 for a higher mean F1 on those pages (0.8212 against 0.8228
# below 0.8 and 0.8189 without it; 0.3 to 0.5 scored lower).
RECALL_MAX_SHARE = 0.2
# Neither runs when trafilatura's own escalation already retried the balanced pass in recall
# mode (13 WCXB dev pages; the second recall pass won on one): F1 equal on the tuning thirds,
# 0.0002 lower on the held-out one, about 1% less CPU.
# ...or when the page is this small and the balanced pass dropped a heading while keeping the
# text after it: on a short document it tends to drop headings and lists (a Google Docs export
# loses all of them). Run on every small page, the pass cost 2% CPU and 0.0013 of F1 (all
# pages; the same on the tuning ones); on those with a dropped heading, about half the CPU.
RECALL_SMALL_PAGE_CHARS = 2000
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# enough of the text after a heading to recognise it in the extracted text
_FOLLOWING_CHARS = 60
# text of these elements is never shown (trafilatura drops it before extracting)
_HIDDEN = frozenset({"script", "style", "noscript", "template"})
# never content, and no pass reads them: dropped once before extracting, so trafilatura's
# copies and walks of the tree (several per pass) do not carry them. JSON-LD scripts stay:
# the title, trafilatura's forum detection and its baseline read them.
_INVISIBLE = ("script", "style", "svg", "template")
_JSON_LD = "application/ld+json"


def extract_html(body: bytes, header: str | None, url: str | None) -> tuple[str, str]:
    text = decode(body, header, html=True)[:MAX_HTML_CHARS]
    tree = _parse(text)
    _truncate(tree, MAX_HTML_ELEMENTS)
    title = _title(tree)
    prune_consent(tree)
    had_challenge_script = prune_invisible(tree)
    markdown = main_content(tree, text, url)
    check_page(tree, markdown, had_challenge_script=had_challenge_script)
    return title, markdown


def _html_parser() -> lxml.html.HTMLParser:
    """trafilatura's parser settings, with every element an `HtmlElement` picked in C.

    lxml.html's default class lookup is Python code run for every element proxy created
    (some two million per hundred pages across trafilatura's passes, 7% of their CPU); it
    only matters for form elements' helper methods, which no pass uses. Copies of the tree
    keep the parser, so every pass benefits.
    """
    parser = lxml.html.HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
    )
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    return parser


_PARSER = _html_parser()


def _parse(text: str) -> HtmlElement:
    """The tree `trafilatura.load_html(text)` gives (same repairs, same rejection), built
    with `_PARSER`."""
    beginning = text[:50].lower()
    text = repair_faulty_html(text, beginning)
    tree = _parse_with_fallback(text)
    if tree is None or (is_dubious_html(beginning) and len(tree) < 2):
        raise ExtractionError("the HTML could not be parsed")
    return tree


def _parse_with_fallback(text: str) -> HtmlElement | None:
    try:
        tree = lxml.html.fromstring(text, parser=_PARSER)
    except ValueError:  # a str with an encoding declaration: lxml wants bytes then
        return _parse_bytes(text)
    except etree.LxmlError:
        tree = None
    return _parse_bytes(text) if tree is None or len(tree) < 1 else tree


def _parse_bytes(text: str) -> HtmlElement | None:
    try:
        return lxml.html.fromstring(text.encode("utf8", "surrogatepass"), parser=_PARSER)
    except (ValueError, etree.LxmlError):
        return None


def _truncate(tree: HtmlElement, max_elements: int) -> None:
    """Drop every element after the first `max_elements`, in document order."""
    last = next(itertools.islice(tree.iter(), max_elements, None), None)
    node = last
    while node is not None:
        for sibling in list(node.itersiblings()):
            node.getparent().remove(sibling)
        node = node.getparent()
    if last is not None:
        last.getparent().remove(last)


def prune_consent(tree: HtmlElement) -> None:
    """Remove consent-manager overlays (see CONSENT_IDS) in place, keeping their tail text."""
    if not _CONSENT_ANYWHERE.search("\n".join(_IDS_AND_CLASSES(tree))):
        return
    doomed = [
        element
        for element in tree.iter()
        if isinstance(element.tag, str) and _is_consent(element.get("id"), element.get("class"))
    ]
    for element in doomed:
        delete_element(element)


def prune_invisible(tree: HtmlElement) -> bool:
    """Remove the `_INVISIBLE` elements (but JSON-LD) in place, keeping their tail text;
    return whether one of the scripts was a bot challenge's (see `challenge_script`)."""
    doomed = [
        element
        for element in tree.iter(*_INVISIBLE)
        if element.tag != "script" or element.get("type") != _JSON_LD
    ]
    challenge = any(element.tag == "script" and challenge_script(element) for element in doomed)
    for element in doomed:
        delete_element(element)
    return challenge


def _is_consent(element_id: str | None, element_class: str | None) -> bool:
    return bool(
        (element_id and _CONSENT_ID.search(element_id))
        or (element_class and _CONSENT_CLASS.search(element_class))
    )


def main_content(tree: HtmlElement, source: str, url: str | None = None) -> str:
    """Main content as Markdown (headings, lists, tables and code kept; links and images are
    noise here); "" when even the fallback finds nothing. `source`: the HTML `tree` was
    parsed from."""
    page = prepare(tree, source)
    balanced = extract_markdown(page, url, favor_recall=False)
    best = balanced.markdown
    page_chars = page_text_length(tree)
    small = page_chars < RECALL_SMALL_PAGE_CHARS
    if not balanced.retried_for_recall and recall_pass_runs(
        page_chars, len(best), dropped_heading=small and dropped_heading(tree, best)
    ):
        recall = extract_markdown(page, url, favor_recall=True).markdown
        if len(recall) > RECALL_GAIN * len(best):
            best = recall
    return best if best.strip() else _baseline(tree)


def recall_pass_runs(page_chars: int, balanced_chars: int, *, dropped_heading: bool) -> bool:
    """Whether the recall-oriented pass runs after a balanced one found `balanced_chars`:
    when that is little of the page, or on a small page when it dropped a heading."""
    if balanced_chars < RECALL_MAX_SHARE * page_chars:
        return True
    return page_chars < RECALL_SMALL_PAGE_CHARS and dropped_heading


def dropped_heading(tree: HtmlElement, markdown: str) -> bool:
    """Whether `markdown` lacks one of the page's headings but has the text right after it."""
    kept = _spaced(markdown)
    for heading in tree.iter(*_HEADINGS):
        title = _spaced(heading.text_content())
        if not title or title in kept:
            continue
        following = _following_text(heading)
        if following and following[:_FOLLOWING_CHARS] in kept:
            return True
    return False


def _following_text(element: HtmlElement) -> str:
    for sibling in element.itersiblings():
        if text := _spaced(sibling.text_content()):
            return text
    return ""


def page_text_length(tree: HtmlElement) -> int:
    """Characters of the page's visible text, whitespace runs counted as one space.

    Adjacent text nodes join without a space, and a hidden element's text is taken out
    after the whole text is spaced, so the figure may be off by a character per hidden
    element: it only gates the recall pass. Computed in C (XPath string values) instead of
    a Python walk of every element.
    """
    body = tree.find(".//body")
    root = tree if body is None else body
    hidden = [
        element
        for element in root.iter(*_HIDDEN)
        if element is not root and next(element.iterancestors(*_HIDDEN), None) is None
    ]
    visible = _spaced_length(root.text_content())
    return max(0, visible - sum(_spaced_length(element.text_content()) for element in hidden))


def _spaced_length(text: str) -> int:
    return len(" ".join(text.split()))


def _baseline(tree: HtmlElement) -> str:
    _, text, _ = trafilatura.baseline(tree)
    return "\n\n".join(line for line in str(text).splitlines() if line.strip())


def _title(tree: HtmlElement) -> str:
    """The page's own title. trafilatura's guess may be a heading inside the content (a
    DocBook admonition's "Warning"): it is taken only when the page's ``<title>`` or ``<h1>``
    confirms it, or when the page has neither."""
    guess = _spaced(metadata_title(tree))
    declared = [_spaced(t) for t in (tree.findtext(".//title"), tree.findtext(".//h1"))]
    declared = [t for t in declared if t]
    if guess and (not declared or any(guess.casefold() in t.casefold() for t in declared)):
        return guess
    return next(iter(declared), guess)


def _spaced(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def metadata_title(tree: HtmlElement) -> str | None:
    """The title `trafilatura.extract_metadata` finds, without the rest of its metadata.

    The same steps in the same order (meta tags, then JSON-LD, then the document's own
    headings and <title>) and the same clean-up; dates, authors, categories and tags, which
    cost twenty times as much, are never looked for.
    """
    metadata = examine_meta(tree)
    if not metadata.title:  # JSON-LD only ever fills a title the meta tags left empty
        with contextlib.suppress(Exception):  # trafilatura's own guard: bugs in its JSON-LD code
            metadata = extract_meta_json(tree, metadata)
    found = Document()
    found.title = metadata.title or extract_title(tree)
    found.clean_and_trim()
    title: str | None = found.title
    return title
