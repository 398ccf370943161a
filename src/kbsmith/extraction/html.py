"""HTML bodies -> (title, markdown) with trafilatura, plus not-content detection."""

import itertools

import trafilatura
from lxml.html import HtmlElement  # type: ignore[import-untyped]

from kbsmith.extraction.charset import decode
from kbsmith.extraction.limits import MAX_HTML_CHARS, MAX_HTML_ELEMENTS
from kbsmith.extraction.not_content import check_page
from kbsmith.extraction.result import ExtractionError

# Consent-manager overlays are never content, yet trafilatura sometimes keeps their text
# (notably on forums, where they outweigh short threads).
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
# the recall-oriented pass replaces the balanced one when it finds this much more text
RECALL_GAIN = 1.2


def extract_html(body: bytes, header: str | None, url: str | None) -> tuple[str, str]:
    text = decode(body, header, html=True)[:MAX_HTML_CHARS]
    tree = _parse(text)
    _truncate(tree, MAX_HTML_ELEMENTS)
    markdown = main_content(tree, url)
    check_page(tree, markdown)
    return _title(tree, url), markdown


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


def main_content(tree: HtmlElement, url: str | None = None) -> str:
    """Main content as Markdown; "" when even the fallback finds nothing."""
    balanced = _trafilatura(tree, url, favor_recall=False)
    recall = _trafilatura(tree, url, favor_recall=True)
    best = recall if len(recall) > RECALL_GAIN * len(balanced) else balanced
    return best if best.strip() else _baseline(tree)


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
        prune_xpath=CONSENT_XPATHS,
    )
    return markdown or ""


def _baseline(tree: HtmlElement) -> str:
    _, text, _ = trafilatura.baseline(tree)
    return "\n\n".join(line for line in str(text).splitlines() if line.strip())


def _title(tree: HtmlElement, url: str | None) -> str:
    """The page's own title. trafilatura's guess may be a heading inside the content (a
    DocBook admonition's "Warning"): it is taken only when the page's ``<title>`` or ``<h1>``
    confirms it, or when the page has neither."""
    metadata = trafilatura.extract_metadata(tree, default_url=url, extensive=False)
    guess = _spaced(metadata.title if metadata is not None else None)
    declared = [_spaced(t) for t in (tree.findtext(".//title"), tree.findtext(".//h1"))]
    declared = [t for t in declared if t]
    if guess and (not declared or any(guess.casefold() in t.casefold() for t in declared)):
        return guess
    return next(iter(declared), guess)


def _spaced(text: str | None) -> str:
    return " ".join(text.split()) if text else ""
