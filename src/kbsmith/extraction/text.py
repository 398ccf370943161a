"""Plain text and Markdown bodies."""

import re

from kbsmith.extraction.charset import decode
from kbsmith.extraction.limits import MAX_TEXT_CHARS
from kbsmith.extraction.mime import MARKDOWN

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_H1 = re.compile(r"^[ \t]{0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)


def extract_text(body: bytes, header: str | None, mime: str) -> tuple[str, str]:
    """Return (title, markdown). Plain text is read as Markdown too: both split alike."""
    text = decode(body, header, html=False)[:MAX_TEXT_CHARS].lstrip("\ufeff")
    if mime != MARKDOWN:
        return "", text
    title, text = _strip_front_matter(text)
    if not title and (heading := _H1.search(text)):
        title = heading.group(1)
    return title, text


def _strip_front_matter(text: str) -> tuple[str, str]:
    """YAML front matter (common in docs repositories) is metadata, not content."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return "", text
    title = _FRONT_MATTER_TITLE.search(match.group(1))
    return (title.group(1).strip("\"'") if title else ""), text[match.end() :]
