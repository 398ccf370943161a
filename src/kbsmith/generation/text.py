"""Plain-text helpers of the offline generator: tokens, titles, questions, keywords."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)?", re.UNICODE)
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
TITLE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014·:-]\s+")
STRONG_SEPARATOR = re.compile(r"\s+[|\u00b7]\s+")
"""What sets a site's name off a page's: "Reset your password | Acme Help"."""
MAX_SITE_NAME_WORDS = 5
ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
MARKUP = re.compile(r"[*_`>#|]+|\[([^\]]*)\]\([^)]*\)")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "use",
        "using",
        "used",
        "via",
        "per",
        "etc",
    ]
)

IMPERATIVE_HINTS = frozenset(
    [
        "add",
        "allow",
        "apply",
        "archive",
        "assign",
        "back",
        "build",
        "cancel",
        "change",
        "check",
        "choose",
        "configure",
        "connect",
        "create",
        "customize",
        "delete",
        "disable",
        "download",
        "edit",
        "enable",
        "export",
        "find",
        "fix",
        "get",
        "give",
        "import",
        "install",
        "invite",
        "join",
        "link",
        "log",
        "manage",
        "merge",
        "migrate",
        "move",
        "open",
        "pay",
        "print",
        "reset",
        "restore",
        "review",
        "run",
        "schedule",
        "search",
        "see",
        "send",
        "set",
        "share",
        "sign",
        "start",
        "stop",
        "submit",
        "switch",
        "sync",
        "track",
        "transfer",
        "turn",
        "update",
        "upgrade",
        "upload",
        "use",
        "verify",
        "view",
    ]
)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    return WORD.findall(normalize(MARKUP.sub(r"\1", text)))


def content_words(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def stem(word: str) -> str:
    """A light suffix stripper, not a linguist: 'refunds' and 'refund', 'policies' and 'policy'
    alike. A plural in "-es" of a word ending in "e" loses its "e" too ('invoices' → 'invoic',
    'invoice' stays): the Snowball stemmer and a corrected light one were measured against it
    and both did worse on the held-out decisions and answers (``docs/design.md``)."""
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def title_key(title: str) -> str:
    """Titles that read the same: case, width and spacing do not matter."""
    return " ".join(normalize(title).split())


def plain(markdown_line: str) -> str:
    """A Markdown line as text: no emphasis, code or heading marks, no escapes."""
    text = LINK.sub(r"\1", markdown_line.lstrip("#").strip())
    return " ".join(ESCAPE.sub(r"\1", re.sub(r"[*`]+", "", text)).split())


def title_terms(title: str) -> frozenset[str]:
    return frozenset(content_words(title))


def clean_title(title: str, host: str = "") -> str:
    """Drop a trailing site name: 'Reset your password | Acme Help' → 'Reset your password'.
    After a weaker separator (a dash or a colon) only a suffix naming the ``host`` is one
    ('Invoices - Acme Docs' on docs.acme.com): 'Troubleshooting - Login issues' keeps its
    subject."""
    title = " ".join(title.split())
    separators = list(TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    last = separators[-1]
    head, suffix = title[: last.start()].strip(), title[last.end() :].strip()
    if not head or not 1 <= len(suffix.split()) <= MAX_SITE_NAME_WORDS:
        return title
    if STRONG_SEPARATOR.fullmatch(last.group()) or names_host(suffix, host):
        return head
    return title


def names_host(name: str, host: str) -> bool:
    """Whether ``name`` names the host: one of its words (3 letters or more), or all of them run
    together, is in one of the host's names ('Requests 2.3 documentation' on
    requests.readthedocs.io, 'React' on reactjs.org, 'AcmeCorp' on acme-corp.com); the
    top-level domain and 'www' are no names ('Setup - Com' on example.com keeps its 'Com')."""
    labels = [label.replace("-", "") for label in host.casefold().split(".")[:-1]]
    labels = [label for label in labels if label != "www"]
    words = [w for w in re.findall(r"[a-z0-9]+", name.casefold()) if len(w) >= 3]
    if not labels or not words:
        return False
    return any(w in label for label in labels for w in [*words, "".join(words)])


def first_heading(paragraphs: Iterable[str]) -> str:
    for paragraph in paragraphs:
        match = HEADING.match(paragraph.splitlines()[0]) if paragraph else None
        if match:
            return match.group(2).strip()
    return ""


CODE_FENCE = ("```", "~~~")


def prose_lines(paragraphs: Iterable[str]) -> Iterator[str]:
    """The lines of *paragraphs* outside code blocks (a long block is split over several
    paragraphs, each opening with its fence): a "# comment" in code is not a heading."""
    for paragraph in paragraphs:
        if paragraph.lstrip().startswith(CODE_FENCE):
            continue
        in_code = False
        for line in paragraph.splitlines():
            if line.lstrip().startswith(CODE_FENCE):
                in_code = not in_code
            elif not in_code:
                yield line


def without_title(paragraphs: Sequence[str], *titles: str) -> list[str]:
    """The body under its title: a first line that repeats a title (as a heading or as a
    line of its own) is not said twice."""
    keys = {title_key(plain(t)) for t in titles if t.strip()}
    if not paragraphs or not keys:
        return list(paragraphs)
    first, _, rest = paragraphs[0].partition("\n")
    if title_key(plain(first)) not in keys:
        return list(paragraphs)
    return [rest.strip(), *paragraphs[1:]] if rest.strip() else list(paragraphs[1:])


def paragraph_key(paragraph: str) -> str:
    """Paragraph identity for containment: case and spacing do not matter, nor a heading line
    that extraction joined to the paragraph it introduces (the title's heading is dropped from
    a body, and a person's article may hold it: the paragraph says the same either way)."""
    first, _, rest = paragraph.strip().partition("\n")
    if rest.strip() and HEADING.match(first):
        paragraph = rest
    return " ".join(words(paragraph))


SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def title_from_line(line: str, limit: int = 120) -> str:
    """A title made from a text's first line: its first sentence, cut at a word boundary
    when longer than *limit* (never mid-word), without a trailing full stop or comma."""
    text = " ".join(line.lstrip("#").split())
    text = SENTENCE_END.split(text, maxsplit=1)[0]
    if len(text) > limit:
        cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
        text = cut.rstrip(",;:-\u2013\u2014 ")
    return text.rstrip(".,;: ")


PASSAGE_CHARS = 600
"""A body passage gathers paragraphs up to about this many characters (MiniLM reads ~256
tokens; an answer quotes whole passages)."""


def body_chunks(main_knowledge: str, limit: int) -> list[str]:
    """The first *limit* passages of a body: paragraphs as plain text, short neighbours joined
    up to ``PASSAGE_CHARS``. The first one is also what a body is embedded from."""
    chunks: list[str] = []
    current = ""
    for paragraph in _plain_paragraphs(main_knowledge):
        if current and len(current) + len(paragraph) + 1 > PASSAGE_CHARS:
            chunks.append(current)
            current = ""
            if len(chunks) == limit:
                return chunks
        current = f"{current}\n{paragraph}" if current else paragraph
    if current:
        chunks.append(current)
    return chunks[:limit]


def _plain_paragraphs(markdown: str) -> Iterator[str]:
    for block in markdown.split("\n\n"):
        lines = [plain(line).strip() for line in block.splitlines()]
        text = " ".join(line for line in lines if line)
        if text:
            yield text
