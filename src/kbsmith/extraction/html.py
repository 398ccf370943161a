"""HTML bodies -> (title, markdown) with trafilatura, plus not-content detection."""

import trafilatura
from lxml.html import HtmlElement

from kbsmith.extraction.charset import decode
from kbsmith.extraction.limits import MAX_HTML_CHARS
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
# Markdown keeps headings, lists, tables and code; links and images are noise in a source.
_OPTIONS = {
    "output_format": "markdown",
    "include_formatting": True,
    "include_tables": True,
    "include_comments": True,
    "include_links": False,
    "include_images": False,
    "prune_xpath": CONSENT_XPATHS,
}
# the recall-oriented pass replaces the balanced one when it finds this much more text
RECALL_GAIN = 1.2


def extract_html(body: bytes, header: str | None, url: str | None) -> tuple[str, str]:
    text = decode(body, header, html=True)[:MAX_HTML_CHARS]
    tree = _parse(text)
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
    return tree  # type: ignore[no-any-return]


def main_content(tree: HtmlElement, url: str | None = None) -> str:
    """Main content as Markdown; "" when even the fallback finds nothing."""
    balanced = trafilatura.extract(tree, url=url, **_OPTIONS) or ""
    recall = trafilatura.extract(tree, url=url, favor_recall=True, **_OPTIONS) or ""
    best = recall if len(recall) > RECALL_GAIN * len(balanced) else balanced
    return best if best.strip() else _baseline(tree)


def _baseline(tree: HtmlElement) -> str:
    _, text, _ = trafilatura.baseline(tree)
    return "\n\n".join(line for line in str(text).splitlines() if line.strip())


def _title(tree: HtmlElement, url: str | None) -> str:
    metadata = trafilatura.extract_metadata(tree, default_url=url, extensive=False)
    candidates = (
        metadata.title if metadata is not None else None,
        tree.findtext(".//title"),
        tree.findtext(".//h1"),
    )
    return next((" ".join(c.split()) for c in candidates if c and c.strip()), "")
