"""Pages that are lists of links (a help center's index, a category page), not articles.

Extraction drops the links themselves (their targets are noise in an article), so such a page
reaches generation as short lines with no sentence among them: article titles in a list, or
one per paragraph, under a few category headings, or run together into one line when
extraction fell back to the page's whole text. An article is made of sentences, and its
lists hold numbered steps or sentences, so its short lines are a small share. Short lines
that are not links look alike (a page of system requirements, release notes of a few words
each), so when the page's HTML is kept its short lines must also be the texts of its links.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kbsmith.generation.inputs import Decision, GenerationInput, NoFittingOperation
from kbsmith.generation.operations import Operation
from kbsmith.generation.questions import LIST_MARK, ORDERED_ITEM
from kbsmith.generation.sites import kept_html
from kbsmith.generation.text import HEADING, plain, title_key

REASON = "a list of links, not an article"
TABLE_ROW = re.compile(r"^\s*\|")
SENTENCE_END = re.compile(r"[.!?:;)\]\"\u201d]$")
SHORT_LINE_WORDS = 8
MIN_LINK_LINES = 6
LINK_SHARE = 0.7
"""Share of the page's words (headings aside) in link-like lines above which it is a list."""
MAX_SENTENCES = 3
RUN_MIN_WORDS = 20
RUN_WORDS_PER_STOP = 25
RUN_CAPITALISED = 0.55
LINKED_SHARE = 0.5
"""Of the short lines, the share that must be texts of the page's links (when its HTML is
known): a list of links is mostly links, a list of facts hardly any."""


@dataclass(frozen=True)
class Lines:
    link_like: int
    link_words: int
    sentences: int
    words: int
    short_lines: tuple[str, ...] = ()
    """The texts of the short, link-like lines (not those run together)."""


def link_list_decision(inp: GenerationInput) -> Decision | None:
    """DO_NOTHING for a page of links that no article was generated from yet (an article's
    own page that has become an index goes through the usual decision)."""
    if any(item.linked for item in inp.candidates):
        return None
    if not is_link_list(inp.paragraphs, inp.page_links):
        return None
    if Operation.NOTHING not in inp.allowed:
        raise NoFittingOperation(f"the page is {REASON}, and DO_NOTHING is not allowed")
    return Decision(Operation.NOTHING, REASON)


def is_link_list(paragraphs: Sequence[str], page_links: frozenset[str] | None = None) -> bool:
    """``page_links``: the texts of the page's links (``page_link_texts``), when known."""
    lines = count_lines(paragraphs)
    looks_like = (
        lines.link_like >= MIN_LINK_LINES
        and lines.link_words >= LINK_SHARE * lines.words
        and lines.sentences <= max(MAX_SENTENCES, lines.link_like // 10)
    )
    if not looks_like or page_links is None or not lines.short_lines:
        return looks_like
    linked = sum(title_key(text) in page_links for text in lines.short_lines)
    return linked >= LINKED_SHARE * len(lines.short_lines)


def page_link_texts(body: bytes, content_type: str) -> frozenset[str] | None:
    """The texts of an HTML page's links (as ``title_key`` has them); None for another kind of
    document or one that does not parse."""
    tree = kept_html(body, content_type)
    if tree is None:
        return None
    texts = (" ".join(str(a.text_content()).split()) for a in tree.iter("a"))
    return frozenset(title_key(text) for text in texts if text)


def count_lines(paragraphs: Sequence[str]) -> Lines:
    link_like = link_words = sentences = total = 0
    short_lines: list[str] = []
    for paragraph in paragraphs:
        for line in paragraph.splitlines():
            if not line.strip() or HEADING.match(line.strip()) or TABLE_ROW.match(line):
                continue
            text = plain(LIST_MARK.sub("", line))
            size = len(text.split())
            total += size
            if not ORDERED_ITEM.match(line) and _link_like(text, size):
                link_like += 1
                link_words += size
                short_lines.append(text)
            elif _run_together(text, size):
                link_like += _capitalised(text) // 2
                link_words += size
            elif size >= SHORT_LINE_WORDS or SENTENCE_END.search(text):
                sentences += 1
    return Lines(link_like, link_words, sentences, total, tuple(short_lines))


def _run_together(text: str, size: int) -> bool:
    """Link texts run together into one line (what extraction's fallback gives for a page
    that is all links): capitalised names one after another, hardly a full stop."""
    stops = len(re.findall(r"[.!?](?:\s|$)", text))
    return (
        size >= RUN_MIN_WORDS
        and stops * RUN_WORDS_PER_STOP < size
        and (_capitalised(text) >= RUN_CAPITALISED * size)
    )


def _capitalised(text: str) -> int:
    return sum(1 for word in text.split() if word[:1].isupper())


def _link_like(text: str, size: int) -> bool:
    """A link's text: a short name, not a sentence (a numbered step is not a link either)."""
    return 0 < size < SHORT_LINE_WORDS and not SENTENCE_END.search(text)
