"""An article's keywords: its own terms, one or a few words long, ranked by TF-IDF against the
rest of the workspace, so that what every article says ("account", "settings") ranks below
what this one is about; words of the interface ("click", "button") are never keywords."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kbsmith.generation.questions import proper_nouns
from kbsmith.generation.text import HEADING, STOPWORDS, plain, prose_lines, stem

MAX_TERM_WORDS = 3
TEXT_CHARS = 20_000
TERM = re.compile(r"[^\W_][\w'\u2019+-]*[\w+]|[^\W_]", re.UNICODE)
BREAK = re.compile(r"[,;:!?()\[\]{}\"“”|/]|\.(?:\s|$)|\s[-\u2013\u2014]\s")
UI_ACTIONS = frozenset(
    [
        "click",
        "clicks",
        "clicked",
        "clicking",
        "tap",
        "taps",
        "tapped",
        "tapping",
        "sign",
        "signs",
        "signed",
        "signing",
        "get",
        "gets",
        "got",
        "getting",
        "select",
        "selects",
        "selected",
        "selecting",
        "choose",
        "chooses",
        "chose",
        "chosen",
        "choosing",
        "open",
        "opens",
        "opened",
        "opening",
        "go",
        "goes",
        "going",
        "went",
        "enter",
        "entered",
        "type",
        "typed",
        "press",
        "pressed",
        "navigate",
        "scroll",
        "find",
        "want",
        "wants",
        "need",
        "needs",
        "make",
        "makes",
        "made",
        "like",
        "let",
        "lets",
        "know",
        "see",
        "seen",
        "shown",
        "show",
        "shows",
        "display",
        "learn",
        "read",
        "help",
        "helps",
        "please",
    ]
)
"""What a customer does in an interface: these words end a term."""
UI_THINGS = frozenset(
    [
        "page",
        "pages",
        "customer",
        "customers",
        "user",
        "users",
        "button",
        "buttons",
        "menu",
        "menus",
        "screen",
        "screens",
        "tab",
        "tabs",
        "link",
        "links",
        "field",
        "fields",
        "option",
        "options",
        "icon",
        "icons",
        "window",
        "windows",
        "dialog",
        "box",
        "boxes",
        "checkbox",
        "dropdown",
        "panel",
        "section",
        "sections",
        "view",
        "views",
        "left",
        "right",
        "top",
        "bottom",
        "side",
    ]
)
"""Parts of an interface: part of a term ("reset link"), never a keyword alone."""
FILLER = frozenset(
    [
        "able",
        "unable",
        "also",
        "well",
        "way",
        "ways",
        "new",
        "one",
        "two",
        "three",
        "first",
        "second",
        "last",
        "next",
        "previous",
        "following",
        "still",
        "already",
        "many",
        "much",
        "every",
        "however",
        "even",
        "thing",
        "things",
        "something",
        "anything",
        "everything",
        "everyone",
        "someone",
        "time",
        "times",
        "sure",
        "yes",
        "ok",
        "okay",
        "here",
        "there",
        "now",
        "today",
        "instead",
        "example",
        "e.g",
        "i.e",
        "etc",
        "more",
        "less",
        "just",
        "really",
        "simply",
        "easily",
        "quickly",
        "information",
        "info",
        "article",
        "articles",
        "note",
        "notes",
        "helpful",
    ]
)
UI_WORDS = UI_ACTIONS | UI_THINGS
BREAKING = STOPWORDS | UI_ACTIONS | FILLER


@dataclass(frozen=True)
class WorkspaceTerms:
    """How many of the workspace's articles use each (stemmed) term, and how many there are."""

    documents: int = 0
    frequency: Mapping[str, int] = field(default_factory=dict)

    def idf(self, word: str) -> float:
        return math.log((1 + self.documents) / (1 + self.frequency.get(stem(word), 0))) + 1


def keywords(
    title: str,
    paragraphs: Sequence[str],
    workspace: WorkspaceTerms | None = None,
    limit: int = 8,
) -> list[str]:
    """The content's own terms, most telling first: a term repeated in the text, named in the
    title or a heading, and rare in the workspace ranks high."""
    workspace = workspace or WorkspaceTerms()
    counts, body_counts, forms, emphasised = _terms(title, paragraphs)
    scored = []
    for term, count in counts.items():
        size = len(term.split())
        if size > 1 and body_counts[term] < 2:
            continue  # a phrase the text says once is a phrase, not a term
        if forms[term].casefold() in UI_THINGS:
            continue
        idf = sum(workspace.idf(w) for w in term.split()) / size
        boost = (2.0 if term in emphasised else 1.0) * (1.5 if _named(forms[term]) else 1.0)
        scored.append(((1 + math.log(count)) * idf * boost * (1 + 0.5 * (size - 1)), term))
    scored.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[str] = []
    for _, term in scored:
        overlapping = [i for i, other in enumerate(chosen) if _overlaps(term, other)]
        if not overlapping:
            chosen.append(term)
        elif len(overlapping) == 1 and len(term.split()) > len(chosen[overlapping[0]].split()):
            chosen[overlapping[0]] = term  # the term a chosen word is part of says more
        if len(chosen) == limit:
            break
    names = proper_nouns(paragraphs) if chosen else frozenset()
    return [_form(forms[term].split(), names) for term in chosen]


def _terms(
    title: str, paragraphs: Sequence[str]
) -> tuple[Counter[str], Counter[str], dict[str, str], set[str]]:
    """Every term's count, its count in the body's sentences (not in a title or heading), how
    it is first written, and which terms a title or heading names."""
    counts: Counter[str] = Counter()
    body_counts: Counter[str] = Counter()
    forms: dict[str, str] = {}
    emphasised: set[str] = set()
    lines = [title, *_prose_lines(paragraphs)]
    for number, line in enumerate(lines):
        heading = number == 0 or bool(HEADING.match(line.strip()))
        for run in _runs(plain(line)):
            roots = [_root(w.casefold()) for w in run]
            for size in range(1, MAX_TERM_WORDS + 1):
                for start in range(len(run) - size + 1):
                    key = " ".join(roots[start : start + size])
                    counts[key] += 1
                    if key not in forms:
                        forms[key] = " ".join(run[start : start + size])
                    if heading:
                        emphasised.add(key)
                    else:
                        body_counts[key] += 1
    return counts, body_counts, forms, emphasised


def _prose_lines(paragraphs: Sequence[str]) -> list[str]:
    """Lines outside code blocks (code names identifiers, not what the article is about), up
    to TEXT_CHARS: a long page's terms are in its first pages, and the cost stays bounded."""
    lines, size = [], 0
    for line in prose_lines(paragraphs):
        lines.append(line)
        size += len(line)
        if size > TEXT_CHARS:
            break
    return lines


def _runs(text: str) -> list[list[str]]:
    """Runs of consecutive words that may form a term: no stopword, interface word, number or
    punctuation inside."""
    runs: list[list[str]] = []
    for chunk in BREAK.split(text):
        run: list[str] = []
        for word in TERM.findall(chunk):
            if _term_word(word):
                run.append(word)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


@functools.lru_cache(maxsize=65_536)
def _term_word(word: str) -> bool:
    folded = word.casefold()
    return len(folded) > 2 and folded not in BREAKING and not any(c.isdigit() for c in folded)


def _named(form: str) -> bool:
    """An acronym or a product name ('SSO', 'QuickBooks'): a term even when said once."""
    return any(len(w) > 1 and any(c.isupper() for c in w[1:]) for w in form.split())


def _form(words: Sequence[str], names: frozenset[str]) -> str:
    """How a keyword is written: lower case, unless it is a name ('Stripe') or an acronym."""
    return " ".join(
        w if w.casefold() in names or any(c.isupper() for c in w[1:]) else w.casefold()
        for w in words
    )


def _overlaps(a: str, b: str) -> bool:
    """One term inside the other ('reset link' and 'link'), or the same words stemmed."""
    sa, sb = a.split(), b.split()
    short, long_ = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    return any(long_[i : i + len(short)] == short for i in range(len(long_) - len(short) + 1))


@functools.lru_cache(maxsize=65_536)
def _root(word: str) -> str:
    """Forms of one word alike: 'invoices' and 'invoice', 'exported' and 'export'."""
    if word.endswith("ed") and len(word) > 5:
        word = word[:-2]
    return stem(word).removesuffix("e")
