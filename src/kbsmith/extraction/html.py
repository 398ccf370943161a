"""HTML bodies -> (title, markdown) with trafilatura, plus not-content detection.

One parse per page: the lxml tree is decoded and parsed here once and handed to trafilatura,
which copies it for each extraction pass. The cost of a page is dominated by trafilatura's
passes, so everything around them is kept cheap: consent overlays are pruned once, in one
walk, instead of by four XPath scans in each pass; the title needs none of the date, author
and category metadata; and the recall-oriented pass runs only when it could still win.
"""

import contextlib
import itertools

import trafilatura
from lxml import etree  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
from trafilatura.settings import Document
from trafilatura.xml import delete_element

from kbsmith.extraction.charset import decode
from kbsmith.extraction.limits import MAX_HTML_CHARS, MAX_HTML_ELEMENTS
from kbsmith.extraction.not_content import check_page
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
# the recall-oriented pass replaces the balanced one when it finds this much more text
RECALL_GAIN = 1.2
# ...so it cannot win when the balanced text already has this share of the page's text
# (Markdown markup aside, no pass extracts more than the page has: 1 / RECALL_GAIN, with a
# margin for that markup)
RECALL_USELESS_SHARE = 0.8
# text of these elements is never shown (trafilatura drops it before extracting)
_HIDDEN = frozenset({"script", "style", "noscript", "template"})


def extract_html(body: bytes, header: str | None, url: str | None) -> tuple[str, str]:
    text = decode(body, header, html=True)[:MAX_HTML_CHARS]
    tree = _parse(text)
    _truncate(tree, MAX_HTML_ELEMENTS)
    title = _title(tree)
    prune_consent(tree)
    markdown = main_content(tree, url)
    check_page(tree, markdown)
    return title, markdown


def _parse(text: str) -> HtmlElement:
    try:
        tree = trafilatura.load_html(text)
    except ValueError:
        tree = None
    if tree is None:
        raise ExtractionError("the HTML could not be parsed")
    return tree


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
    doomed = [
        element
        for element in tree.iter()
        if isinstance(element.tag, str) and _is_consent(element.get("id"), element.get("class"))
    ]
    for element in doomed:
        delete_element(element)


def _is_consent(element_id: str | None, element_class: str | None) -> bool:
    return bool(
        (element_id and any(marker in element_id for marker in CONSENT_IDS))
        or (element_class and any(marker in element_class for marker in CONSENT_CLASSES))
    )


def main_content(tree: HtmlElement, url: str | None = None) -> str:
    """Main content as Markdown; "" when even the fallback finds nothing."""
    balanced = _trafilatura(tree, url, favor_recall=False)
    best = balanced
    if len(balanced) < RECALL_USELESS_SHARE * page_text_length(tree):
        recall = _trafilatura(tree, url, favor_recall=True)
        if len(recall) > RECALL_GAIN * len(balanced):
            best = recall
    return best if best.strip() else _baseline(tree)


def page_text_length(tree: HtmlElement) -> int:
    """Characters of the page's visible text, whitespace runs counted as one space."""
    body = tree.find(".//body")
    root = tree if body is None else body
    pieces: list[str] = []
    walk = etree.iterwalk(root, events=("start",))
    for _, element in walk:
        if element is not root and element.tail:
            pieces.append(element.tail)
        if not isinstance(element.tag, str):
            continue  # a comment or processing instruction: only its tail is text
        if element.tag in _HIDDEN:
            walk.skip_subtree()
        elif element.text:
            pieces.append(element.text)
    return len(" ".join(" ".join(pieces).split()))


def _trafilatura(tree: HtmlElement, url: str | None, *, favor_recall: bool) -> str:
    """Markdown keeps headings, lists, tables and code; links and images are noise here."""
    markdown = trafilatura.extract(
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
    return markdown or ""


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
    with contextlib.suppress(Exception):  # trafilatura's own guard: bugs in its JSON-LD code
        metadata = extract_meta_json(tree, metadata)
    found = Document()
    found.title = metadata.title or extract_title(tree)
    found.clean_and_trim()
    title: str | None = found.title
    return title
